"""Opportunities in the back office: read-only with each record's history (writes go through
the services, which check the life cycle)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.opportunities.models import Opportunity, OpportunityDocument


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = ["title", "host_state", "status", "instrument", "valid_until", "published_at"]
    list_filter = ["status", "host_state", "instrument", "stage", "isic_section"]
    search_fields = ["title", "slug"]


@admin.register(OpportunityDocument)
class OpportunityDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "opportunity", "sha256", "uploaded_by", "uploaded_at"]
    search_fields = ["title", "sha256"]
