"""B2B records in the back office: read-only (writes go through the services, which check the
rules and notify), with each record's history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting, Session


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(B2bSettings)
class B2bSettingsAdmin(ReadOnlyAdmin):
    list_display = ["event", "time_zone", "slot_minutes", "tables", "built_at", "frozen_at"]
    inlines = [SessionInline]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(ReadOnlyAdmin):
    list_display = ["event", "sender", "recipient", "status", "created_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["event__meeting", "sender__sme", "recipient__sme"]


@admin.register(ScheduledMeeting)
class ScheduledMeetingAdmin(ReadOnlyAdmin):
    list_display = ["event", "slot_start", "table", "request"]
    list_select_related = ["event__meeting", "request__sender__sme", "request__recipient__sme"]
