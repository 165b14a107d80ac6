from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.statistics.models import ExchangeRate, PublishedAggregate, SmeDefinition


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
