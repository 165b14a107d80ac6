"""Participation in the back office: read-only (writes go through the services, which check the
window, the quotas and the roles), with each record's history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "registration_opens", "registration_closes", "default_quota",
                    "capacity"]  # fmt: skip
    inlines = [QuotaInline]


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ["sme", "member_state", "event", "status", "nominated_at"]
    list_filter = ["status", "member_state"]
    search_fields = ["sme__name"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = ["nomination", "contacts_made", "deals_expected", "answered_at"]
