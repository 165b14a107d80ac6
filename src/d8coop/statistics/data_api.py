"""The SME database through the API (read-only): the aggregates of the current microdata
uploads, suppressed for the public as on the page and in the downloads, and the data-quality
scores of each current upload. Registered in `statistics.api`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from d8coop.accounts.permissions import can_see_members_data
from d8coop.statistics import tables
from d8coop.statistics.engine.microdata import FIELD_NAMES, QUALITY_FLAGS
from d8coop.statistics.models import Upload


class FlagShareSerializer(serializers.Serializer):
    share = serializers.FloatField(
        allow_null=True, help_text="Share answering yes, of those answering (0 to 1)."
    )
    answered = serializers.IntegerField(allow_null=True, help_text="Enterprises answering.")


class QualitySharesSerializer(serializers.Serializer):
    exporter = FlagShareSerializer()
    women_owned = FlagShareSerializer()
    registered = FlagShareSerializer()
    bank_credit = FlagShareSerializer()
    uses_ict = FlagShareSerializer()


class AggregateSerializer(serializers.Serializer):
    """One cell (or margin: `_T`) of the SME aggregates. Suppressed figures are null with
    `suppressed` true."""

    country = serializers.CharField(source="country_code")
    country_name = serializers.CharField()
    year = serializers.IntegerField()
    definition = serializers.CharField(source="definition_code")
    definition_kind = serializers.CharField()
    definition_certainty = serializers.CharField()
    isic_section = serializers.CharField(help_text="ISIC Rev.4 section; _T: all sections.")
    size_class = serializers.CharField(help_text="_T: all size classes.")
    enterprises = serializers.IntegerField(allow_null=True)
    employment = serializers.IntegerField(allow_null=True)
    turnover = serializers.DecimalField(
        max_digits=24, decimal_places=2, allow_null=True, help_text="Local currency."
    )
    currency = serializers.CharField()
    turnover_reported = serializers.IntegerField(
        allow_null=True, help_text="Enterprises whose turnover the figure sums."
    )
    turnover_usd = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    turnover_usd_note = serializers.CharField(help_text="Why there is no US$ figure.")
    enterprise_share = serializers.FloatField(allow_null=True)
    employment_share = serializers.FloatField(allow_null=True)
    quality = serializers.SerializerMethodField()
    suppressed = serializers.BooleanField()
    received_on = serializers.DateField()

    @extend_schema_field(QualitySharesSerializer)
    def get_quality(self, row: tables.AggregateRow) -> dict[str, Any]:
        return {
            flag: {"share": row.quality[flag][0], "answered": row.quality[flag][1]}
            for flag in QUALITY_FLAGS
        }


class AggregateQuerySerializer(serializers.Serializer):
    country = serializers.CharField(required=False, help_text="ISO code, e.g. TR.")
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2100)
    definition = serializers.CharField(
        required=False, help_text="'national' (each country's own) or a code, e.g. EU-2003."
    )
    isic_section = serializers.CharField(required=False, help_text="A letter, or _T.")
    size_class = serializers.CharField(required=False, help_text="E.g. micro, or _T.")


@extend_schema(tags=["statistics"])
class AggregateViewSet(viewsets.GenericViewSet):
    """SME aggregates from the national microdata: enterprises, employment and turnover by
    member state, year, definition, ISIC section and size class, with shares within the
    country-year-definition and the quality indicators. For the public, a figure about fewer
    than STATISTICS_MIN_CELL enterprises is null and `suppressed` is true; totals stay.
    National definitions differ: compare member states under a harmonized definition."""

    serializer_class = AggregateSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[AggregateQuerySerializer],
        responses=AggregateSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        query = AggregateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = tables.aggregate_rows(
            disclose=can_see_members_data(request.user), **query.validated_data
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_field(
    {
        "type": "object",
        "description": "Field to the share of rows read giving a value; null: not in the file.",
        "properties": {name: {"type": "number", "nullable": True} for name in FIELD_NAMES},
    }
)
class CompletenessField(serializers.JSONField):
    pass


class DataQualitySerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    received_on = serializers.SerializerMethodField()
    completeness = CompletenessField(source="quality.completeness", read_only=True)
    validity = serializers.FloatField(source="quality.validity", allow_null=True, read_only=True)
    duplicates = serializers.IntegerField(source="quality.duplicates", read_only=True)
    duplicate_rate = serializers.FloatField(
        source="quality.duplicate_rate", allow_null=True, read_only=True
    )
    timeliness_days = serializers.IntegerField(
        source="quality.timeliness_days",
        read_only=True,
        help_text="Days from the end of the reference year to the upload.",
    )

    class Meta:
        model = Upload
        fields = [
            "country", "year", "received_on", "rows_read", "rows_accepted", "rows_rejected",
            "validity", "duplicates", "duplicate_rate", "timeliness_days", "completeness",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.DATE)
    def get_received_on(self, upload: Upload) -> str:
        return timezone.localdate(upload.created_at).isoformat()


class DataQualityFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text="ISO code, e.g. TR."
    )

    class Meta:
        model = Upload
        fields = ["country", "year"]


@extend_schema(tags=["statistics"])
class DataQualityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Data-quality scores of each current microdata upload: completeness per field, the
    share of rows valid, duplicated identifiers, and timeliness."""

    serializer_class = DataQualitySerializer
    filterset_class = DataQualityFilter
    ordering_fields = ["year", "country__code"]
    queryset = (
        Upload.objects.filter(is_current=True)
        .select_related("country")
        .order_by("country__code", "-year")
    )
