"""The record of consultations in the back office: read-only (it is append-only; writes go
through the services), with each record's history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.consultations.models import (
    Answer,
    Circular,
    Consultation,
    Dispatch,
    Result,
    Round,
    StatePosition,
    Version,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "body", "created_at", "close_on_break", "result_is_public"]
    list_filter = ["body", "result_is_public"]
    search_fields = ["title"]


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "number", "file_name", "created_at"]


@admin.register(Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["consultation", "number", "circulated_at", "deadline", "time_zone", "closed_at"]
    list_filter = ["time_zone"]


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdmin):
    list_display = ["round", "member_state", "sent_at"]


@admin.register(Answer)
class AnswerAdmin(ReadOnlyAdmin):
    list_display = ["round", "member_state", "kind", "answered_by", "answered_at"]
    list_filter = ["kind", "member_state"]


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ["round", "outcome", "reason", "decided_at", "closed_via"]
    list_filter = ["outcome", "reason"]


@admin.register(StatePosition)
class StatePositionAdmin(ReadOnlyAdmin):
    list_display = ["result", "member_state", "kind"]


@admin.register(Circular)
class CircularAdmin(ReadOnlyAdmin):
    list_display = ["reference", "subject", "issued_at"]
