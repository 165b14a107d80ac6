"""Read-only viewsets. Each queryset fetches its relations up front, so a list page costs a
fixed number of queries whatever its length."""

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from d8coop.api import filters, serializers
from d8coop.cooperation import selectors
from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    Signatory,
    Term,
)
from d8coop.members.models import (
    Membership,
    MemberState,
    Organization,
    Position,
)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """The registry is read here; writes go through the back office and services."""


@extend_schema(tags=["member-states"])
class MemberStateViewSet(ReadOnlyViewSet):
    """D-8 member states, with their memberships. Looked up by lowercase ISO code."""

    serializer_class = serializers.MemberStateSerializer
    filterset_class = filters.MemberStateFilter
    ordering_fields = ["name", "code"]
    lookup_field = "code"
    lookup_value_regex = "[a-z]{2}"

    def get_queryset(self) -> QuerySet[MemberState]:
        return MemberState.objects.select_related("source").prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("source"))
        )

    def get_object(self) -> MemberState:
        # Codes are stored in capitals (TR); the URL uses the lowercase form (/tr/).
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


@extend_schema(tags=["organizations"])
class OrganizationViewSet(ReadOnlyViewSet):
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilter
    ordering_fields = ["name", "kind"]
    lookup_field = "slug"
    queryset = Organization.objects.select_related("source", "member_state")


@extend_schema(tags=["bodies"])
class BodyViewSet(ReadOnlyViewSet):
    """Standing bodies, with their coordinator and chair terms."""

    serializer_class = serializers.BodySerializer
    filterset_class = filters.BodyFilter
    ordering_fields = ["name", "kind", "number"]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Body]:
        return Body.objects.select_related("source", "parent", "established_at").prefetch_related(
            Prefetch("children", queryset=Body.objects.only("pk", "slug", "parent_id")),
            Prefetch(
                "terms",
                queryset=Term.objects.select_related("source", "member_state", "decided_at"),
            ),
        )


@extend_schema(tags=["meetings"])
class MeetingViewSet(ReadOnlyViewSet):
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter
    ordering_fields = ["period_earliest", "period_latest", "title"]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Meeting]:
        return (
            Meeting.objects.select_related("source", "body", "country", "host", "follow_up_of")
            .prefetch_related(
                Prefetch("back_to_back", queryset=Meeting.objects.only("pk", "slug")),
                Prefetch(
                    "documents",
                    queryset=Document.objects.only(
                        "pk", "slug", "title", "kind", "adopted_on", "adopted_at_id"
                    ),
                ),
            )
            .annotate(outcomes_count=Count("outcomes", distinct=True))
            # An aggregate drops Meta.ordering; restore it so pages stay stable.
            .order_by(*Meeting._meta.ordering, "pk")
        )


@extend_schema(tags=["documents"])
class DocumentViewSet(ReadOnlyViewSet):
    serializer_class = serializers.DocumentSerializer
    filterset_class = filters.DocumentFilter
    ordering_fields = ["adopted_on", "title"]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Document]:
        return Document.objects.select_related("source", "body", "adopted_at").prefetch_related(
            Prefetch(
                "signatories",
                queryset=Signatory.objects.select_related("member_state", "organization"),
            )
        )


@extend_schema(tags=["outcomes"])
class OutcomeViewSet(ReadOnlyViewSet):
    serializer_class = serializers.OutcomeSerializer
    filterset_class = filters.OutcomeFilter
    ordering_fields = ["order"]

    def get_queryset(self) -> QuerySet[Outcome]:
        return Outcome.objects.select_related("source", "meeting", "body").prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.only("pk", "outcome_id"))
        )


@extend_schema(tags=["action-items"])
class ActionItemViewSet(ReadOnlyViewSet):
    serializer_class = serializers.ActionItemSerializer
    filterset_class = filters.ActionItemFilter
    ordering_fields = ["period_latest", "period_earliest", "status"]

    def get_queryset(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.select_related(
            "source", "outcome__meeting", "body", "result_meeting", "review_meeting"
        ).prefetch_related("responsible_states")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "today": timezone.localdate()}


@extend_schema(tags=["contacts"])
class ContactViewSet(ReadOnlyViewSet):
    """Positions (focal points and other contacts) with their current holders and numbers.

    The public and signed-in users without the members-only permission see public positions
    and, on them, public numbers only; a members-only position is not found (404) for them.
    """

    serializer_class = serializers.ContactSerializer
    filterset_class = filters.ContactFilter
    ordering_fields = ["role", "member_state__name", "sector"]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Position]:
        # The same rule as the portal's: members-only positions and numbers only for members.
        return (
            selectors.contacts_visible_to(self.request.user)
            .select_related("source")
            .prefetch_related(Prefetch("bodies", queryset=Body.objects.only("pk", "slug")))
        )
