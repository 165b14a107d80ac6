"""Back office: notices, digests and preferences are read here, written by the services only."""

from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from d8coop.notifications.models import Digest, Notification, Preference


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SetFilter(admin.SimpleListFilter):
    """Yes/no on whether a date field is set."""

    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in {"yes", "no"}:
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "no"})
        return queryset


class EmailedFilter(SetFilter):
    title = _("e-mailed")
    parameter_name = "emailed"
    field = "emailed_at"


class ReadFilter(SetFilter):
    title = _("read")
    parameter_name = "read"
    field = "read_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "emailed_at", "read_at"]
    list_filter = ["kind", EmailedFilter, ReadFilter]
    search_fields = ["recipient__email", "subject", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]


@admin.register(Digest)
class DigestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["day", "user", "sent_at", "notice_count"]
    search_fields = ["user__email"]
    date_hierarchy = "day"
    list_select_related = ["user"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Users choose for themselves; the history says who changed what, and why."""

    list_display = ["user", "kind", "delivery"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
