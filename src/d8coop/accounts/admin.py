from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from d8coop.accounts.models import AccountEvent, SignInAttempt, User


@admin.register(User)
class EmailUserAdmin(UserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by services only: viewed here, never added or edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "email", "user", "ip", "detail"]
    list_filter = ["kind"]
    search_fields = ["email", "ip"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the audit trail is append-only


@admin.register(SignInAttempt)
class SignInAttemptAdmin(ReadOnlyAdmin):
    """Deleting an address's failed attempts lifts its lock before the time is up."""

    list_display = ["at", "email", "ip", "succeeded"]
    list_filter = ["succeeded"]
    search_fields = ["email", "ip"]
    date_hierarchy = "at"
