from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.statistics.models import ExchangeRate, SmeDefinition


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
