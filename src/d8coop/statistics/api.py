"""SME definitions and exchange rates through the API (read-only; public reference data), and
national microdata uploads (the secretariat and focal points only; counts, never rows)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from d8coop.members.models import MemberState
from d8coop.statistics import data_api, imports
from d8coop.statistics.engine.indicators import (
    ANNUALIZE_FORMULA,
    DEANNUALIZE_FORMULA,
    YOY_FORMULA,
)
from d8coop.statistics.indicator_figures import (
    ObservationRow,
    series_figures,
    series_with_observations,
)
from d8coop.statistics.models import (
    DataKind,
    ExchangeRate,
    IndicatorSeries,
    PublishedAggregate,
    SmeDefinition,
    Upload,
)


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


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 6)


class IndicatorObservationSerializer(serializers.Serializer):
    """An observation as published, with the figures the engine derives from it (in percent;
    null where nothing is derived)."""

    year = serializers.IntegerField(source="observation.year")
    quarter = serializers.IntegerField(source="observation.quarter", allow_null=True)
    period_text = serializers.CharField(source="observation.period_text")
    value = serializers.DecimalField(source="observation.value", max_digits=16, decimal_places=4)
    note = serializers.CharField(source="observation.note")
    source = serializers.CharField(source="observation.source.key")
    source_note = serializers.CharField(source="observation.source_note")
    yoy_growth_percent = serializers.SerializerMethodField(
        help_text="Growth over the same period a year before (level series)."
    )
    qoq_growth_percent = serializers.SerializerMethodField(
        help_text="Growth over the previous quarter (quarterly level series)."
    )
    annualized_pace_percent = serializers.SerializerMethodField(
        help_text="The annualized pace of the quarter-on-quarter growth."
    )
    implied_quarterly_rate_percent = serializers.SerializerMethodField(
        help_text="The quarterly rate behind a published annualized pace."
    )

    def get_yoy_growth_percent(self, row: ObservationRow) -> float | None:
        return _percent(row.yoy)

    def get_qoq_growth_percent(self, row: ObservationRow) -> float | None:
        return _percent(row.qoq)

    def get_annualized_pace_percent(self, row: ObservationRow) -> float | None:
        return _percent(row.annualized)

    def get_implied_quarterly_rate_percent(self, row: ObservationRow) -> float | None:
        return _percent(row.quarterly_rate)


class IndicatorFormulasSerializer(serializers.Serializer):
    """The formula of each derived figure, as the engine computes it (rates as fractions)."""

    yoy_growth = serializers.CharField(help_text="Also the quarter-on-quarter growth.")
    annualized_pace = serializers.CharField()
    implied_quarterly_rate = serializers.CharField()


FORMULAS = {
    "yoy_growth": YOY_FORMULA,
    "annualized_pace": ANNUALIZE_FORMULA,
    "implied_quarterly_rate": DEANNUALIZE_FORMULA,
}


class IndicatorSeriesSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="Null for D-8 as a whole."
    )
    observations = serializers.SerializerMethodField()
    formulas = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorSeries
        fields = [
            "code", "name", "unit", "frequency", "country", "measure", "notes", "observations",
            "formulas",
        ]  # fmt: skip

    @extend_schema_field(IndicatorObservationSerializer(many=True))
    def get_observations(self, series: IndicatorSeries) -> list:
        rows = series_figures(series).rows
        return IndicatorObservationSerializer(rows, many=True).data

    @extend_schema_field(IndicatorFormulasSerializer)
    def get_formulas(self, series: IndicatorSeries) -> dict:
        return IndicatorFormulasSerializer(FORMULAS).data


class IndicatorSeriesFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__code", lookup_expr="iexact", help_text="ISO code, e.g. TR."
    )
    d8_as_a_whole = django_filters.BooleanFilter(
        field_name="country", lookup_expr="isnull", help_text="Only the series of D-8 as a whole."
    )

    class Meta:
        model = IndicatorSeries
        fields = ["country", "measure", "frequency"]


@extend_schema(tags=["statistics"])
class IndicatorSeriesViewSet(viewsets.ReadOnlyModelViewSet):
    """Indicator series (e.g. industrial production) for D-8 as a whole and per member state,
    with every observation as published, its source, and the figures derived from it: growth
    from levels, the annualized pace of quarterly growth, the quarterly rate behind a published
    annualized pace. Derived figures are in percent; `formulas` gives the formula of each.
    Looked up by code."""

    serializer_class = IndicatorSeriesSerializer
    filterset_class = IndicatorSeriesFilter
    ordering_fields = ["code"]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9_-]+"
    queryset = series_with_observations().order_by("code")


# --------------------------------------------------------------------------- microdata uploads


class UploadSerializer(serializers.ModelSerializer):
    """An upload as its uploader follows it: status and progress, then what the import made of
    the file. Only counts: the enterprises' rows never leave the platform."""

    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    mapping = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    source = serializers.SlugRelatedField(slug_field="title", read_only=True, allow_null=True)
    progress = serializers.FloatField(read_only=True, help_text="From 0 to 1.")
    reasons = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Rejected rows by reason."
    )
    class_counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        read_only=True,
        help_text="Definition code to size class to enterprises.",
    )
    unclassified = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        read_only=True,
        help_text="Definition code to reason to enterprises left unclassified.",
    )
    quality = serializers.DictField(
        read_only=True,
        help_text="completeness (field to share of rows read with a value), validity, "
        "duplicates, duplicate_rate, timeliness_days, extra_columns.",
    )
    columns = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="Field to the file's column."
    )
    rejects_url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    already_imported = serializers.SerializerMethodField(
        help_text="True when this very file had been imported for the country-year before."
    )

    class Meta:
        model = Upload
        fields = [
            "id", "country", "year", "kind", "source", "currency", "filename", "size", "sha256",
            "file_format", "encoding", "delimiter", "mapping", "columns", "decimal_comma",
            "status", "phase", "progress", "message", "rows_read", "rows_accepted",
            "rows_rejected", "reasons", "class_counts", "unclassified", "quality", "is_current",
            "replaces", "via", "created_at", "finished_at", "rejects_url", "web_url",
            "already_imported",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rejects_url(self, upload: Upload) -> str | None:
        if not upload.rejects:
            return None
        return reverse("api:statistics-upload-rejects", args=[upload.pk])

    def get_web_url(self, upload: Upload) -> str:
        return reverse("statistics:upload", args=[upload.pk])

    def get_already_imported(self, upload: Upload) -> bool:
        return bool(self.context.get("already_imported", False))


class UploadInput(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, XLSX or Parquet: one row per enterprise (microdata), or per size class "
        "and section (a published table)."
    )
    country = serializers.CharField(max_length=2, help_text="ISO code, e.g. TR.")
    year = serializers.IntegerField(help_text="Reference year.")
    kind = serializers.ChoiceField(choices=DataKind.choices, default=DataKind.MICRODATA)
    source_title = serializers.CharField(
        required=False, allow_blank=True, max_length=300,
        help_text="The publication or register the figures come from (required for a table).",
    )  # fmt: skip
    source_publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_url = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_published = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="As stated, e.g. 2024."
    )
    mapping = serializers.CharField(
        required=False, allow_blank=True, max_length=100,
        help_text="A saved column mapping's name; with `columns`, saves them under it.",
    )  # fmt: skip
    columns = serializers.JSONField(
        required=False,
        binary=True,
        help_text='A JSON object, field to the file\'s column, e.g. {"enterprise_id": "firm"}.',
    )
    decimal_comma = serializers.BooleanField(required=False, allow_null=True, default=None)
    encoding = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def validate_columns(self, value: object) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError("Give a JSON object of field to column name.")
        return value


class Uploaders(BasePermission):
    """Signed in (else 401); anyone neither the secretariat nor a focal point finds nothing."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if not imports.may_see_uploads(request.user):
            raise exceptions.NotFound()
        return True


def _bad_request(message: str) -> exceptions.APIException:
    error = exceptions.APIException(detail=message, code="invalid")
    error.status_code = status.HTTP_400_BAD_REQUEST
    return error


@extend_schema(tags=["statistics"])
class UploadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """National microdata uploads the caller may see (the secretariat: all; a focal point:
    their states'), newest first. POST a file to import it; follow it with GET until its
    status is `done` or `refused`."""

    serializer_class = UploadSerializer
    permission_classes = [IsAuthenticated, Uploaders]
    parser_classes = [MultiPartParser, FormParser]
    queryset = Upload.objects.none()  # for the schema; get_queryset checks access
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Upload]:
        return imports.uploads_visible_to(self.request.user).select_related("mapping")

    def get_object(self) -> Upload:
        return imports.get_upload_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request={"multipart/form-data": UploadInput},
        responses={202: UploadSerializer, 200: UploadSerializer},
    )
    def create(self, request: Request) -> Response:
        """Upload a file for a member state and year (its focal point or the secretariat). 202:
        queued; 200: this very file was imported before (`already_imported`), nothing changed;
        400: refused, with the reason."""
        data = UploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        country = MemberState.objects.filter(code=values["country"].upper()).first()
        if country is None:
            raise _bad_request(f"{values['country']!r} is not a member state's ISO code.")
        received = imports.upload_receive(
            user=request.user,
            file=values["file"],
            filename=values["file"].name,
            country=country,
            year=values["year"],
            via=Upload.Via.API,
            mapping_name=values.get("mapping", ""),
            columns=values.get("columns"),
            decimal_comma=values["decimal_comma"],
            encoding=values.get("encoding", ""),
            kind=values["kind"],
            source=imports.SourceGiven(
                title=values.get("source_title", ""),
                publisher=values.get("source_publisher", ""),
                url=values.get("source_url", ""),
                published=values.get("source_published", ""),
            ),
        )
        upload = received.upload
        if received.already_imported:
            return self._answer(upload, status.HTTP_200_OK, already_imported=True)
        columns = imports.upload_columns(upload)
        problem = upload.message if upload.status == Upload.Status.REFUSED else ""
        problem = problem or imports.mapping_problem(upload, columns)
        if problem:
            imports.upload_refuse(upload, problem)
            raise _bad_request(problem)
        imports.upload_start(upload)
        return self._answer(upload, status.HTTP_202_ACCEPTED)

    def _answer(self, upload: Upload, code: int, *, already_imported: bool = False) -> Response:
        fresh = self.get_queryset().get(pk=upload.pk)
        context = {**self.get_serializer_context(), "already_imported": already_imported}
        return Response(UploadSerializer(fresh, context=context).data, status=code)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def rejects(self, request: Request, pk: int) -> FileResponse:
        """The rejected rows as CSV: line, column, value, code, reason."""
        upload = self.get_object()
        if not upload.rejects:
            raise exceptions.NotFound("No rejects file: the upload is not imported.")
        name = f"rejects-{upload.country.code}-{upload.year}-{upload.pk}.csv"
        return FileResponse(
            upload.rejects.open("rb"), as_attachment=True, filename=name, content_type="text/csv"
        )


router = SimpleRouter()
router.register("statistics/definitions", SmeDefinitionViewSet, basename="sme-definition")
router.register("statistics/exchange-rates", ExchangeRateViewSet, basename="exchange-rate")
router.register(
    "statistics/published-aggregates", PublishedAggregateViewSet, basename="published-aggregate"
)
router.register("statistics/indicators", IndicatorSeriesViewSet, basename="indicator-series")
router.register("statistics/uploads", UploadViewSet, basename="statistics-upload")
router.register("statistics/aggregates", data_api.AggregateViewSet, basename="sme-aggregate")
router.register("statistics/data-quality", data_api.DataQualityViewSet, basename="sme-data-quality")
urlpatterns = router.urls
