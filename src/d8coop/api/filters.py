"""Query-string filters of the API. Records are named by slug, member states by ISO code."""

from datetime import date

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome
from d8coop.members.models import MemberState, Organization, Position


class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class MemberStateFilter(filters.FilterSet):
    member_on = filters.DateFilter(
        method="filter_member_on",
        label="Member on this day (YYYY-MM-DD)",
    )

    class Meta:
        model = MemberState
        fields = ["member_on"]

    def filter_member_on(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.members_on(value)


class OrganizationFilter(filters.FilterSet):
    member_state = filters.CharFilter(
        field_name="member_state__code", lookup_expr="iexact", label="Member state (ISO code)"
    )
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices)

    class Meta:
        model = Organization
        fields = ["member_state", "kind"]


class BodyFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Body.Kind.choices)
    parent = filters.CharFilter(field_name="parent__slug", label="Parent body (slug)")

    class Meta:
        model = Body
        fields = ["kind", "parent"]


class MeetingFilter(filters.FilterSet):
    """``year``, ``from`` and ``to`` select meetings whose period overlaps the given span."""

    body = filters.CharFilter(field_name="body__slug", label="Body (slug)")
    kind = filters.ChoiceFilter(choices=Meeting.Kind.choices)
    status = filters.ChoiceFilter(choices=Meeting.Status.choices)
    country = filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", label="Host country (ISO code)"
    )
    year = YearFilter(
        method="filter_year",
        min_value=1900,
        max_value=2100,
        label="Held (at least partly) in this year",
    )
    # `from` is a Python keyword, hence the class namespace.
    locals()["from"] = filters.DateFilter(
        field_name="period_latest", lookup_expr="gte", label="Ends on or after (YYYY-MM-DD)"
    )
    to = filters.DateFilter(
        field_name="period_earliest", lookup_expr="lte", label="Starts on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = Meeting
        fields = ["body", "kind", "status", "country", "year", "from", "to"]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_year(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        year = int(value)
        return queryset.filter(
            period_earliest__lte=date(year, 12, 31), period_latest__gte=date(year, 1, 1)
        )


class DocumentFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Document.Kind.choices)
    body = filters.CharFilter(field_name="body__slug", label="Body (slug)")
    meeting = filters.CharFilter(field_name="adopted_at__slug", label="Adopted at (meeting slug)")

    class Meta:
        model = Document
        fields = ["kind", "body", "meeting"]


class OutcomeFilter(filters.FilterSet):
    meeting = filters.CharFilter(field_name="meeting__slug", label="Meeting (slug)")
    body = filters.CharFilter(field_name="body__slug", label="Body (slug)")
    kind = filters.ChoiceFilter(choices=Outcome.Kind.choices)

    class Meta:
        model = Outcome
        fields = ["meeting", "body", "kind"]


class ActionItemFilter(filters.FilterSet):
    body = filters.CharFilter(field_name="body__slug", label="Body (slug)")
    status = filters.ChoiceFilter(choices=ActionItem.Status.choices)
    responsible_state = filters.CharFilter(
        field_name="responsible_states__code",
        lookup_expr="iexact",
        distinct=True,
        label="Responsible member state (ISO code)",
    )
    overdue = filters.BooleanFilter(
        method="filter_overdue", label="Open items whose period ended before today"
    )

    class Meta:
        model = ActionItem
        fields = ["body", "status", "responsible_state", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = ActionItem.objects.overdue(timezone.localdate()).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


class ContactFilter(filters.FilterSet):
    member_state = filters.CharFilter(
        field_name="member_state__code", lookup_expr="iexact", label="Member state (ISO code)"
    )
    body = filters.CharFilter(field_name="bodies__slug", distinct=True, label="Body (slug)")
    sector = filters.ChoiceFilter(choices=Position.Sector.choices)

    class Meta:
        model = Position
        fields = ["member_state", "body", "sector"]
