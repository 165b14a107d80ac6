"""B2B meetings through the API, under the same rules as the pages (same permissions, same
services). Anonymous callers get 401; a caller sees only the requests of participants they
act for, and anything else is 404.

/api/v1/b2b-requests/                   GET own requests (either side), POST send one
/api/v1/b2b-requests/{id}/              GET one
/api/v1/b2b-requests/{id}/accept/       POST (the recipient's side)
/api/v1/b2b-requests/{id}/decline/      POST (the recipient's side)
/api/v1/b2b-requests/{id}/cancel/       POST
/api/v1/b2b-schedule/{meeting slug}/    GET the scheduled meetings the caller may see
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from d8coop.accounts.permissions import focal_point_states
from d8coop.b2b import permissions, selectors, services
from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting
from d8coop.participation.models import Nomination


class ParticipantSerializer(serializers.ModelSerializer):
    sme = serializers.CharField(source="sme.name", read_only=True, help_text="The SME's name.")
    member_state = serializers.CharField(
        source="sme.member_state.code", read_only=True, help_text="ISO code of its state."
    )

    class Meta:
        model = Nomination
        fields = ["id", "sme", "member_state"]


class MeetingRequestSerializer(serializers.ModelSerializer):
    event = serializers.CharField(
        source="event.meeting.slug", read_only=True, help_text="The event's meeting slug."
    )
    sender = ParticipantSerializer(read_only=True)
    recipient = ParticipantSerializer(read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="pending, accepted, declined, expired or cancelled.",
    )

    unscheduled_reason = serializers.CharField(
        read_only=True,
        help_text="Empty, or why the last build could not place it: no_slots, sender_full, "
        "recipient_full, no_common_slot or no_table.",
    )
    unscheduled_text = serializers.CharField(read_only=True, help_text="The reason in words.")

    class Meta:
        model = MeetingRequest
        fields = [
            "id", "event", "sender", "recipient", "message", "status", "created_at",
            "expires_at", "answered_at", "unscheduled_reason", "unscheduled_text",
        ]  # fmt: skip


class MeetingRequestInput(serializers.Serializer):
    sender = serializers.IntegerField(help_text="Id of the participant (nomination) asking.")
    recipient = serializers.IntegerField(help_text="Id of the participant (nomination) asked.")
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ScheduledMeetingSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id", read_only=True)
    sender = ParticipantSerializer(source="request.sender", read_only=True)
    recipient = ParticipantSerializer(source="request.recipient", read_only=True)

    class Meta:
        model = ScheduledMeeting
        fields = ["request", "slot_start", "slot_end", "table", "sender", "recipient"]


class ScheduleSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="The event's meeting slug.")
    time_zone = serializers.CharField(help_text="The local zone of the sessions (IANA name).")
    frozen = serializers.BooleanField()
    meetings = ScheduledMeetingSerializer(many=True)


def _refused(refusal: services.Refused) -> exceptions.APIException:
    error = exceptions.APIException(detail=refusal.message, code=refusal.code)
    error.status_code = refusal.status
    return error


def own_requests(user: Any) -> QuerySet[MeetingRequest]:
    """Requests of the participants the user acts for (maintainer or focal point of the
    SME's state), either side."""
    mine = Q(sme__maintainer=user) | Q(sme__member_state__code__in=focal_point_states(user))
    ids = Nomination.objects.filter(mine, status__in=permissions.PARTICIPATING).values("pk")
    return (
        MeetingRequest.objects.filter(Q(sender_id__in=ids) | Q(recipient_id__in=ids))
        .select_related("event__meeting", *selectors.REQUEST_RELATIONS)
        .order_by("-created_at", "-pk")
    )


@extend_schema(tags=["b2b"])
class MeetingRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """B2B meeting requests of the participants the caller acts for, newest first."""

    serializer_class = MeetingRequestSerializer
    permission_classes = [IsAuthenticated]
    queryset = MeetingRequest.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[MeetingRequest]:
        return own_requests(self.request.user)

    @extend_schema(request=MeetingRequestInput, responses={201: MeetingRequestSerializer})
    def create(self, request: Request) -> Response:
        """Ask another participant of the same event for a meeting."""
        data = MeetingRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        nominations = Nomination.objects.select_related("event", "sme__member_state")
        sender = nominations.filter(pk=values["sender"]).first()
        recipient = nominations.filter(pk=values["recipient"]).first()
        if sender is None or not permissions.can_act_for(request.user, sender):
            raise exceptions.NotFound("No such participant among those you act for.")
        if recipient is None or recipient.event_id != sender.event_id:
            raise exceptions.ValidationError({"recipient": "No such participant of this event."})
        try:
            created = services.request_send(
                by=request.user, sender=sender, recipient=recipient,
                message=values.get("message", ""),
            )  # fmt: skip
        except services.Refused as refusal:
            raise _refused(refusal) from None
        fresh = self.get_queryset().get(pk=created.pk)
        return Response(MeetingRequestSerializer(fresh).data, status=status.HTTP_201_CREATED)

    def _act(self, service) -> Response:
        meeting_request = self.get_object()
        try:
            service(by=self.request.user, request=meeting_request)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return Response(
            MeetingRequestSerializer(self.get_queryset().get(pk=meeting_request.pk)).data
        )

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int) -> Response:
        """Accept a pending request (the recipient's side only)."""
        return self._act(services.request_accept)

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: int) -> Response:
        """Decline a pending request (the recipient's side only)."""
        return self._act(services.request_decline)

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        """Withdraw a pending request (sender) or cancel an accepted one (either side)."""
        return self._act(services.request_cancel)


@extend_schema(tags=["b2b"], responses=ScheduleSerializer)
class ScheduleView(APIView):
    """The B2B schedule of an event: the organizer sees every meeting, a participant's side
    the meetings of the participants it acts for. Times are ISO 8601 instants with their
    offset; `time_zone` names the event's local zone."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, slug: str) -> Response:
        try:
            event, mine = permissions.get_event_for_user(request.user, slug)
        except Http404 as missing:
            raise exceptions.NotFound() from missing
        b2b = B2bSettings.objects.filter(event=event).first()
        if b2b is None:
            raise exceptions.NotFound("B2B meetings are not open for this event.")
        rows = selectors.meetings(event)
        if not permissions.can_organize(request.user):
            rows = rows.filter(seats__nomination__in=mine).distinct()
        payload = {
            "event": event.meeting.slug,
            "time_zone": b2b.time_zone,
            "frozen": b2b.frozen_at is not None,
            "meetings": list(rows),
        }
        return Response(ScheduleSerializer(payload).data)


router = SimpleRouter()
router.register("b2b-requests", MeetingRequestViewSet, basename="b2b-request")

urlpatterns = [
    *router.urls,
    path("b2b-schedule/<slug:slug>/", ScheduleView.as_view(), name="b2b-schedule"),
]
