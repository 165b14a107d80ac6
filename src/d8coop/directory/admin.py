"""The SME directory in the back office: read-only with each record's history (writes go
through the services and the /directory/manage/ pages, which check who acts for which state)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.directory.models import MaintainerInvitation, Product, SmeProfile


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ProductInline(admin.TabularInline):
    model = Product
    extra = 0
    can_delete = False
    readonly_fields = ["hs_code", "description"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SmeProfile)
class SmeProfileAdmin(ReadOnlyAdmin):
    list_display = ["name", "member_state", "status", "public", "size_class", "updated_at"]
    list_filter = ["status", "public", "member_state", "size_class"]
    search_fields = ["name", "slug", "contact_email"]
    inlines = [ProductInline]


@admin.register(MaintainerInvitation)
class MaintainerInvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "profile", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "profile__name"]
    exclude = ["nonce_hash"]
