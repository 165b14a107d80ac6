"""SME definitions and exchange rates through the API (read-only; public reference data)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from d8coop.statistics.models import ExchangeRate, PublishedAggregate, SmeDefinition


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "sector": {"type": "string"},
                "isic_sections": {"type": "array", "items": {"type": "string"}},
                "classes": {
                    "type": "object",
                    "description": "Size class (nano, cottage, micro, small, medium) to "
                    "criterion (employees, turnover, assets, capital) to bound, e.g. '< 10'.",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                },
            },
        },
    }
)
class BandsField(serializers.JSONField):
    pass


class SmeDefinitionSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    bands = BandsField(read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = SmeDefinition
        fields = [
            "code", "name", "country", "kind", "agency", "legal_basis", "effective_from",
            "effective_to", "currency", "rule", "bands", "certainty", "notes", "source",
            "source_note",
        ]  # fmt: skip


class ExchangeRateSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = ExchangeRate
        fields = ["currency", "year", "lcu_per_usd", "note", "source", "source_note"]


class PublishedAggregateSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = PublishedAggregate
        fields = [
            "id", "country", "year", "period_text", "size_class", "measure", "value",
            "published_as", "unit", "note", "source", "source_note",
        ]  # fmt: skip


class PublishedAggregateFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text="ISO code, e.g. TR."
    )

    class Meta:
        model = PublishedAggregate
        fields = ["country", "year", "size_class", "measure"]


class SmeDefinitionFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text="ISO code, e.g. TR."
    )

    class Meta:
        model = SmeDefinition
        fields = ["country", "kind", "certainty"]


class ExchangeRateFilter(django_filters.FilterSet):
    currency = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = ExchangeRate
        fields = ["currency", "year"]


@extend_schema(tags=["statistics"])
class SmeDefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    """National SME size definitions (every version) and the harmonized ones, with their
    thresholds, rule, certainty and source. Looked up by code (e.g. TR-2023)."""

    serializer_class = SmeDefinitionSerializer
    filterset_class = SmeDefinitionFilter
    ordering_fields = ["code", "effective_from"]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9._-]+"
    queryset = SmeDefinition.objects.select_related("country", "source")


@extend_schema(tags=["statistics"])
class ExchangeRateViewSet(viewsets.ReadOnlyModelViewSet):
    """Annual average exchange rates, local currency units per US dollar, with their source."""

    serializer_class = ExchangeRateSerializer
    filterset_class = ExchangeRateFilter
    ordering_fields = ["currency", "year"]
    queryset = ExchangeRate.objects.select_related("source")


@extend_schema(tags=["statistics"])
class PublishedAggregateViewSet(viewsets.ReadOnlyModelViewSet):
    """Official national SME counts and shares as each member state published them, by year,
    size class and measure, with their source. National definitions differ: compare with care."""

    serializer_class = PublishedAggregateSerializer
    filterset_class = PublishedAggregateFilter
    ordering_fields = ["year", "country__code"]
    queryset = PublishedAggregate.objects.select_related("country", "source").order_by(
        "country__code", "-year", "measure", "size_class"
    )


router = SimpleRouter()
router.register("statistics/definitions", SmeDefinitionViewSet, basename="sme-definition")
router.register("statistics/exchange-rates", ExchangeRateViewSet, basename="exchange-rate")
router.register(
    "statistics/published-aggregates", PublishedAggregateViewSet, basename="published-aggregate"
)
urlpatterns = router.urls
