"""Participation through the API, under the same rules as the pages (same permissions, same
services).

/api/v1/events/                          GET (public) events; POST open (secretariat)
/api/v1/events/{id}/                     GET one, with the quotas; PATCH settings (secretariat)
/api/v1/events/{id}/quotas/              POST a member state's own quota (secretariat)
/api/v1/nominations/                     GET the caller's visible nominations; POST nominate
/api/v1/nominations/{id}/withdraw|confirm|accept|waitlist|decline|attendance|survey/   POST
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.participation import permissions, services
from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer

# --------------------------------------------------------------------------- representations


class QuotaRowSerializer(serializers.Serializer):
    member_state = serializers.CharField(help_text="ISO code of the member state.")
    name = serializers.CharField(help_text="Name of the member state.")
    places = serializers.IntegerField(
        help_text="Places of the state (its own quota or the default)."
    )
    own_quota = serializers.BooleanField(
        help_text="True when the secretariat set this state's quota."
    )
    nominations = serializers.IntegerField(
        help_text="The state's nominations neither withdrawn nor declined."
    )


class EventSerializer(serializers.ModelSerializer):
    meeting = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the exhibition or workshop."
    )
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_kind = serializers.CharField(
        source="meeting.kind", read_only=True, help_text="exhibition or workshop."
    )
    registration_open = serializers.SerializerMethodField(
        help_text="Whether nominations are taken now."
    )
    places_taken = serializers.SerializerMethodField(
        help_text="Accepted and confirmed participants."
    )
    quotas = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField(
        help_text="Who opened registration (shown to the organizer only; null for others)."
    )

    class Meta:
        model = Event
        fields = [
            "id", "meeting", "meeting_title", "meeting_kind", "registration_opens",
            "registration_closes", "registration_open", "default_quota", "capacity",
            "places_taken", "notes", "quotas", "created_by", "created_at",
        ]  # fmt: skip

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_created_by(self, event: Event) -> str | None:
        request = self.context.get("request")
        if request is None or not permissions.is_organizer(request.user):
            return None  # platform users' e-mail addresses are not public
        return event.created_by.email if event.created_by else None

    def get_registration_open(self, event: Event) -> bool:
        return services.registration_is_open(event, timezone.now())

    def get_places_taken(self, event: Event) -> int:
        return services.places_taken(event)

    @extend_schema_field(QuotaRowSerializer(many=True))
    def get_quotas(self, event: Event) -> list[dict]:
        own = {q.member_state_id: q.places for q in Quota.objects.filter(event=event)}
        rows = []
        for state in MemberState.objects.members_on(timezone.localdate()).order_by("name"):
            rows.append(
                {
                    "member_state": state.code,
                    "name": state.name,
                    "places": own.get(state.pk, event.default_quota),
                    "own_quota": state.pk in own,
                    "nominations": services.counted_nominations(event, state),
                }
            )
        return rows


class EventInput(serializers.Serializer):
    meeting = serializers.SlugRelatedField(
        slug_field="slug", queryset=Meeting.objects.all(), required=False,
        help_text="Slug of the exhibition or workshop (when opening registration).",
    )  # fmt: skip
    registration_opens = serializers.DateTimeField()
    registration_closes = serializers.DateTimeField(
        help_text="Before the meeting's first day starts."
    )
    default_quota = serializers.IntegerField(help_text="Places per member state.")
    capacity = serializers.IntegerField(
        required=False, allow_null=True, help_text="Places in all; empty for no limit."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class QuotaInput(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="code", queryset=MemberState.objects.all(), help_text="ISO code."
    )
    places = serializers.IntegerField(help_text="The state's places at this event.")


class SurveyAnswerSerializer(serializers.ModelSerializer):
    answered_by = serializers.EmailField(source="answered_by.email", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = ["contacts_made", "deals_expected", "comments", "answered_by", "answered_at"]


class NominationSerializer(serializers.ModelSerializer):
    event = serializers.PrimaryKeyRelatedField(read_only=True)
    member_state = serializers.CharField(source="member_state.code", read_only=True)
    sme = serializers.CharField(source="sme.slug", read_only=True, help_text="SME profile slug.")
    sme_name = serializers.CharField(source="sme.name", read_only=True)
    # A plain string: "status" choice sets already abound in the schema.
    status = serializers.CharField(
        read_only=True,
        help_text="nominated, accepted, waitlisted, declined, confirmed, withdrawn, attended "
        "or no_show.",
    )
    nominated_by = serializers.EmailField(source="nominated_by.email", read_only=True)
    decided_by = serializers.SerializerMethodField()
    survey = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = [
            "id", "event", "member_state", "sme", "sme_name", "status", "waitlist_position",
            "note", "reason", "nominated_by", "nominated_at", "decided_by", "decided_at",
            "confirmed_at", "survey",
        ]  # fmt: skip

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_decided_by(self, nomination: Nomination) -> str | None:
        return nomination.decided_by.email if nomination.decided_by else None

    @extend_schema_field(SurveyAnswerSerializer(allow_null=True))
    def get_survey(self, nomination: Nomination) -> dict | None:
        answer = SurveyAnswer.objects.filter(nomination=nomination).first()
        return SurveyAnswerSerializer(answer).data if answer else None


class NominationInput(serializers.Serializer):
    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    sme = serializers.SlugRelatedField(
        slug_field="slug", queryset=SmeProfile.objects.all(), help_text="SME profile slug."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DeclineInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class AttendanceInput(serializers.Serializer):
    attended = serializers.BooleanField(help_text="False records a no-show.")


class SurveyInput(serializers.Serializer):
    contacts_made = serializers.IntegerField()
    deals_expected = serializers.IntegerField()
    comments = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


# --------------------------------------------------------------------------- views


def _refused(refusal: services.Refused) -> exceptions.APIException:
    error = exceptions.APIException(detail=refusal.message, code=refusal.code)
    error.status_code = refusal.status
    return error


@extend_schema(tags=["participation"])
class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Participation settings of exhibitions and workshops (public; writes: the secretariat)."""

    serializer_class = EventSerializer
    permission_classes = [AllowAny]
    queryset = Event.objects.select_related("meeting", "created_by").order_by(
        "-registration_opens", "pk"
    )
    filter_backends: list = []

    def _organizer(self) -> None:
        if not self.request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        if not permissions.is_organizer(self.request.user):
            raise exceptions.PermissionDenied("Only the secretariat changes events.")

    @extend_schema(request=EventInput, responses={201: EventSerializer})
    def create(self, request: Request) -> Response:
        """Open registration for a meeting of kind exhibition or workshop."""
        self._organizer()
        data = EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        meeting = values.pop("meeting", None)
        if meeting is None:
            raise exceptions.ValidationError({"meeting": ["This field is required."]})
        try:
            event = services.event_open(by=request.user, meeting=meeting, **values)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return Response(
            EventSerializer(event, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=EventInput, responses=EventSerializer)
    def partial_update(self, request: Request, pk: int) -> Response:
        """Change the window, default quota, capacity or notes (all given again)."""
        self._organizer()
        event = self.get_object()
        data = EventInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("meeting", None)
        try:
            event = services.event_update(by=request.user, event=event, **values)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return Response(EventSerializer(event, context={"request": request}).data)

    @extend_schema(request=QuotaInput, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def quotas(self, request: Request, pk: int) -> Response:
        """Give a member state its own number of places."""
        self._organizer()
        event = self.get_object()
        data = QuotaInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.quota_set(by=request.user, event=event, **data.validated_data)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return Response(EventSerializer(event, context={"request": request}).data)


@extend_schema(tags=["participation"])
class NominationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Nominations the caller may see: all for the secretariat, their states' for focal points,
    their own SME's for its maintainer; none for others."""

    serializer_class = NominationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Nomination.objects.none()  # for the schema; get_queryset checks access
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Nomination]:
        visible = permissions.nominations_visible_to(self.request.user)
        event = self.request.query_params.get("event")
        if event:
            visible = visible.filter(event_id=event) if event.isdigit() else visible.none()
        return visible.order_by("event_id", "member_state__name", "nominated_at", "pk")

    @extend_schema(
        parameters=[OpenApiParameter("event", int, description="Only this event's nominations.")]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _nomination(self) -> Nomination:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _done(self, nomination: Nomination, code: int = status.HTTP_200_OK) -> Response:
        fresh = permissions.nominations_visible_to(self.request.user).filter(pk=nomination.pk)
        shown = fresh.first() or nomination
        return Response(NominationSerializer(shown).data, status=code)

    @extend_schema(request=NominationInput, responses={201: NominationSerializer})
    def create(self, request: Request) -> Response:
        """A focal point nominates a validated SME of its own state, within the quota."""
        data = NominationInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            nomination = services.nomination_create(
                by=request.user, event=values["event"], sme=values["sme"], note=values["note"]
            )
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._done(nomination, status.HTTP_201_CREATED)

    def _act(self, call, **values: Any) -> Response:
        nomination = self._nomination()
        try:
            result = call(by=self.request.user, nomination=nomination, **values)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._done(result if isinstance(result, Nomination) else nomination)

    @extend_schema(request=None, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: int) -> Response:
        """The state's focal point withdraws, before the event."""
        return self._act(services.nomination_withdraw)

    @extend_schema(request=None, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: int) -> Response:
        """The SME's maintainer or the state's focal point confirms attendance."""
        return self._act(services.nomination_confirm)

    @extend_schema(request=None, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int) -> Response:
        """The secretariat accepts; beyond the capacity the nomination goes to the waiting list."""
        return self._act(services.nomination_accept)

    @extend_schema(request=None, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def waitlist(self, request: Request, pk: int) -> Response:
        return self._act(services.nomination_waitlist)

    @extend_schema(request=DeclineInput, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: int) -> Response:
        data = DeclineInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.nomination_decline, reason=data.validated_data["reason"])

    @extend_schema(request=AttendanceInput, responses=NominationSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: Request, pk: int) -> Response:
        """After the event, the secretariat records attendance or a no-show."""
        data = AttendanceInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.attendance_mark, attended=data.validated_data["attended"])

    @extend_schema(request=SurveyInput, responses={201: NominationSerializer})
    @action(detail=True, methods=["post"])
    def survey(self, request: Request, pk: int) -> Response:
        """Once, after the event, for a participant who attended."""
        data = SurveyInput(data=request.data)
        data.is_valid(raise_exception=True)
        nomination = self._nomination()
        try:
            services.survey_answer(by=request.user, nomination=nomination, **data.validated_data)
        except services.Refused as refusal:
            raise _refused(refusal) from None
        return self._done(nomination, status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("events", EventViewSet, basename="event")
router.register("nominations", NominationViewSet, basename="nomination")

urlpatterns = router.urls
