"""Investors and leads in the back office: read-only (writes go through the services, which
check the rules and notify), with each record's history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.investors.models import Interest, Investor, LeadStep


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Investor)
class InvestorAdmin(ReadOnlyAdmin):
    list_display = ["organization", "kind", "country", "user", "email_verified_at", "created_at"]
    list_filter = ["kind", "country"]
    search_fields = ["organization", "user__email"]


class LeadStepInline(admin.TabularInline):
    model = LeadStep
    extra = 0
    fields = ["stage", "on", "note", "recorded_by", "recorded_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Interest)
class InterestAdmin(ReadOnlyAdmin):
    list_display = ["investor", "opportunity", "stage", "stage_on", "created_at"]
    list_filter = ["stage", "opportunity__host_state"]
    search_fields = ["investor__organization", "opportunity__title"]
    inlines = [LeadStepInline]
