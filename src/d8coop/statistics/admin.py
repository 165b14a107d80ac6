from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.statistics.models import (
    ColumnMapping,
    ExchangeRate,
    IndicatorObservation,
    IndicatorSeries,
    PublishedAggregate,
    SmeDefinition,
    Upload,
)


@admin.register(SmeDefinition)
class SmeDefinitionAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name",
        "country",
        "kind",
        "effective_from",
        "effective_to",
        "certainty",
    ]
    list_filter = ["kind", "certainty", "country"]
    search_fields = ["code", "name", "agency", "legal_basis"]
    list_select_related = ["country"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "country", "agency", "legal_basis"]}),
        (None, {"fields": ["effective_from", "effective_to"]}),
        (None, {"fields": ["currency", "rule", "bands"]}),
        (None, {"fields": ["certainty", "notes", "source", "source_note"]}),
    ]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ["currency", "year", "lcu_per_usd", "source"]
    list_filter = ["currency", "year"]
    search_fields = ["currency", "note"]
    list_select_related = ["source"]


@admin.register(PublishedAggregate)
class PublishedAggregateAdmin(SimpleHistoryAdmin):
    list_display = ["country", "year", "period_text", "size_class", "measure", "value", "source"]
    list_filter = ["country", "measure", "size_class"]
    search_fields = ["note", "published_as"]
    list_select_related = ["country", "source"]


@admin.register(IndicatorSeries)
class IndicatorSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "country", "measure", "frequency", "unit"]
    list_filter = ["measure", "frequency", "country"]
    search_fields = ["code", "name", "notes"]
    list_select_related = ["country"]


@admin.register(IndicatorObservation)
class IndicatorObservationAdmin(SimpleHistoryAdmin):
    list_display = ["series", "year", "quarter", "period_text", "value", "source"]
    list_filter = ["series", "year"]
    search_fields = ["series__name", "note", "period_text"]
    list_select_related = ["series", "source"]
    fields = ["series", "year", "quarter", "period_text", "value", "note", "source", "source_note"]


@admin.register(ColumnMapping)
class ColumnMappingAdmin(SimpleHistoryAdmin):
    """Saved column mappings: the secretariat may correct or rename them."""

    list_display = ["name", "country", "decimal_comma", "encoding", "updated_at"]
    list_filter = ["country"]
    search_fields = ["name"]
    list_select_related = ["country"]


@admin.register(Upload)
class UploadAdmin(SimpleHistoryAdmin):
    """Read-only: uploads change only through an import (`statistics.imports`)."""

    list_display = [
        "country", "year", "filename", "status", "is_current", "rows_read", "rows_accepted",
        "rows_rejected", "via", "uploaded_by", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "is_current", "via", "country", "year"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["country", "uploaded_by"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
