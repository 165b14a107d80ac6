from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from d8coop.accounts import services
from d8coop.accounts.client import client_ip
from d8coop.accounts.models import (
    AccountEvent,
    Invitation,
    SignInAttempt,
    TwoFactorDevice,
    User,
)


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


@admin.register(TwoFactorDevice)
class TwoFactorDeviceAdmin(ReadOnlyAdmin):
    """Who has two-factor authentication on; never the secret. Deleting a device (a lost
    phone and lost recovery codes) lets its user sign in with the password alone; staff are
    then asked to enrol again at once."""

    list_display = ["user", "created_at", "last_used_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    fields = ["user", "created_at", "last_used_at"]

    def delete_model(self, request, obj) -> None:
        services.two_factor_reset(device=obj, by=request.user, ip=client_ip(request))

    def delete_queryset(self, request, queryset) -> None:
        for device in queryset.select_related("user"):
            self.delete_model(request, device)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Sent and revoked on /accounts/invitations/; read here."""

    list_display = ["email", "role", "member_state", "created_at", "expires_at", "accepted_at",
                    "revoked_at", "invited_by"]  # fmt: skip
    list_filter = ["role"]
    search_fields = ["email", "name"]
    date_hierarchy = "created_at"
    list_select_related = ["member_state", "invited_by"]
    exclude = ["token_hash"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
