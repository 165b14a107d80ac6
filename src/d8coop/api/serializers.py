"""Read-only representations of the registry.

Every record says where it comes from (``source`` and ``source_note``); records with a fuzzy
period carry it as ``period`` ({text, earliest, latest, tentative}, or null when not set).
"""

from datetime import date
from typing import Any

from django.urls import NoReverseMatch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    Signatory,
    Term,
)
from d8coop.core.models import Source
from d8coop.members.models import (
    ContactNumber,
    Membership,
    MemberState,
    Organization,
    Position,
    PositionHolding,
)

# --------------------------------------------------------------------------- shared parts


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["key", "title", "url", "publisher", "published_text"]


class PeriodSerializer(serializers.Serializer):
    """Only describes the shape of ``period`` in the schema."""

    text = serializers.CharField()
    earliest = serializers.DateField()
    latest = serializers.DateField()
    tentative = serializers.BooleanField()


@extend_schema_field(PeriodSerializer(allow_null=True))
class PeriodField(serializers.Field):
    """The fuzzy period of a ``PeriodFields`` record, or None when its bounds are not set."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, Any] | None:
        period = value.period
        if period is None:
            return None
        return {
            "text": period.text,
            "earliest": period.earliest.isoformat(),
            "latest": period.latest.isoformat(),
            "tentative": period.tentative,
        }


class SourcedSerializer(serializers.ModelSerializer):
    """Base for records of ``Sourced`` models: adds ``source`` and ``source_note``."""

    source = SourceSerializer(read_only=True)


class WebUrlMixin(serializers.Serializer):
    """``web_url``: the portal page of the record, or None while the portal has no such page."""

    web_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_web_url(self, obj: Any) -> str | None:
        try:
            return obj.get_absolute_url()
        except NoReverseMatch:
            return None


# --------------------------------------------------------------------------- short references


class MemberStateRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberState
        fields = ["code", "name"]


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "acronym"]


class BodyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Body
        fields = ["slug", "name", "short_name"]


class MeetingRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = ["slug", "title"]


class DocumentRefSerializer(serializers.ModelSerializer):
    # A plain string here: the same choice set in two components makes drf-spectacular name
    # the enum by a hash (and warn) unless settings carry an ENUM_NAME_OVERRIDES entry.
    kind = serializers.CharField(read_only=True, help_text="The kind of the document.")

    class Meta:
        model = Document
        fields = ["slug", "title", "kind", "adopted_on"]


# --------------------------------------------------------------------------- member states


class MembershipSerializer(SourcedSerializer):
    class Meta:
        model = Membership
        fields = ["joined_on", "left_on", "note", "source", "source_note"]


class MemberStateSerializer(WebUrlMixin, SourcedSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    is_member_today = serializers.SerializerMethodField()
    weekend_names = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = MemberState
        fields = [
            "code",
            "name",
            "official_name",
            "other_names",
            "currency",
            "time_zone",
            "other_time_zones",
            "weekend_days",
            "weekend_names",
            "weekend_note",
            "is_member_today",
            "memberships",
            "source",
            "source_note",
            "web_url",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_member_today(self, obj: MemberState) -> bool:
        return obj.is_member_on(timezone.localdate())


# --------------------------------------------------------------------------- organizations


class OrganizationSerializer(SourcedSerializer):
    member_state = MemberStateRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "acronym",
            "kind",
            "member_state",
            "website",
            "is_national_sme_body",
            "source",
            "source_note",
        ]


# --------------------------------------------------------------------------- bodies


class TermSerializer(SourcedSerializer):
    member_state = MemberStateRefSerializer(read_only=True)
    period = PeriodField()
    decided_at = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Term
        fields = ["role", "member_state", "period", "decided_at", "source", "source_note"]


class BodySerializer(WebUrlMixin, SourcedSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    children = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    established_at = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    terms = TermSerializer(many=True, read_only=True)

    class Meta:
        model = Body
        fields = [
            "slug",
            "name",
            "short_name",
            "other_names",
            "kind",
            "number",
            "parent",
            "children",
            "description",
            "established_at",
            "established_text",
            "terms",
            "source",
            "source_note",
            "web_url",
        ]


# --------------------------------------------------------------------------- meetings


class MeetingSerializer(WebUrlMixin, SourcedSerializer):
    body = BodyRefSerializer(read_only=True)
    country = MemberStateRefSerializer(read_only=True, allow_null=True)
    host = OrganizationRefSerializer(read_only=True, allow_null=True)
    period = PeriodField()
    back_to_back = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    follow_up_of = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    documents = DocumentRefSerializer(many=True, read_only=True)
    outcomes_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "slug",
            "title",
            "body",
            "kind",
            "ordinal",
            "status",
            "mode",
            "period",
            "city",
            "country",
            "venue",
            "host",
            "back_to_back",
            "follow_up_of",
            "summary",
            "documents",
            "outcomes_count",
            "source",
            "source_note",
            "web_url",
        ]


# --------------------------------------------------------------------------- documents


class SignatorySerializer(serializers.ModelSerializer):
    member_state = MemberStateRefSerializer(read_only=True, allow_null=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Signatory
        fields = ["member_state", "organization", "capacity", "signed_on"]


class DocumentSerializer(WebUrlMixin, SourcedSerializer):
    body = BodyRefSerializer(read_only=True, allow_null=True)
    adopted_at = MeetingRefSerializer(read_only=True, allow_null=True)
    signatories = SignatorySerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "slug",
            "title",
            "kind",
            "body",
            "adopted_at",
            "adopted_on",
            "summary",
            "url",
            "signatories",
            "source",
            "source_note",
            "web_url",
        ]


# --------------------------------------------------------------------------- outcomes


class OutcomeSerializer(SourcedSerializer):
    meeting = MeetingRefSerializer(read_only=True)
    body = BodyRefSerializer(read_only=True, allow_null=True)
    action_items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "meeting",
            "body",
            "kind",
            "order",
            "text",
            "action_items",
            "source",
            "source_note",
        ]


# --------------------------------------------------------------------------- action items


class ActionItemSerializer(WebUrlMixin, SourcedSerializer):
    outcome = serializers.PrimaryKeyRelatedField(read_only=True)
    meeting = serializers.SerializerMethodField()
    body = BodyRefSerializer(read_only=True)
    responsible_states = MemberStateRefSerializer(many=True, read_only=True)
    period = PeriodField()
    is_open = serializers.BooleanField(read_only=True)
    is_overdue = serializers.SerializerMethodField()
    result_meeting = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    review_meeting = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "outcome",
            "meeting",
            "body",
            "responsible_states",
            "all_member_states",
            "status",
            "status_note",
            "is_open",
            "is_overdue",
            "period",
            "review_meeting",
            "result_meeting",
            "source",
            "source_note",
            "web_url",
        ]

    @extend_schema_field(MeetingRefSerializer)
    def get_meeting(self, obj: ActionItem) -> dict[str, Any]:
        return MeetingRefSerializer(obj.outcome.meeting, context=self.context).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, obj: ActionItem) -> bool:
        today: date = self.context.get("today") or timezone.localdate()
        return obj.is_overdue(today)


# --------------------------------------------------------------------------- contacts


class ContactNumberSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactNumber
        fields = ["kind", "number", "extension"]


class HolderSerializer(SourcedSerializer):
    honorific = serializers.CharField(source="person.honorific", read_only=True)
    name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = PositionHolding
        fields = [
            "honorific",
            "name",
            "started_on",
            "ended_on",
            "as_of_text",
            "source",
            "source_note",
        ]


class ContactSerializer(WebUrlMixin, SourcedSerializer):
    """A position. ``numbers`` and ``holders`` come from the view's prefetches, which have
    already removed what the caller may not see; nothing here reads the full relations."""

    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    member_state = MemberStateRefSerializer(read_only=True, allow_null=True)
    bodies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    holders = HolderSerializer(source="holdings", many=True, read_only=True)
    numbers = ContactNumberSerializer(many=True, read_only=True)

    class Meta:
        model = Position
        fields = [
            "slug",
            "title",
            "role",
            "organization",
            "member_state",
            "bodies",
            "sector",
            "is_focal_point",
            "holders",
            "address",
            "email",
            "numbers",
            "visibility",
            "source",
            "source_note",
            "web_url",
        ]
