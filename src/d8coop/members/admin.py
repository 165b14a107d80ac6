from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from d8coop.members.models import (
    ContactNumber,
    Membership,
    MemberState,
    Organization,
    Person,
    Position,
    PositionHolding,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(MemberState)
class MemberStateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "currency", "time_zone"]
    search_fields = ["name", "code", "other_names"]
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "acronym", "kind", "member_state", "is_national_sme_body"]
    list_filter = ["kind", "member_state", "is_national_sme_body"]
    search_fields = ["name", "acronym"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]


class ContactNumberInline(admin.TabularInline):
    model = ContactNumber
    extra = 1


class PositionHoldingInline(admin.TabularInline):
    model = PositionHolding
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Position)
class PositionAdmin(SimpleHistoryAdmin):
    list_display = ["role", "member_state", "organization", "sector", "visibility"]
    list_filter = ["visibility", "sector", "member_state", "bodies"]
    search_fields = ["role", "title", "holdings__person__name"]
    filter_horizontal = ["bodies"]
    prepopulated_fields = {"slug": ["role"]}
    inlines = [PositionHoldingInline, ContactNumberInline]
