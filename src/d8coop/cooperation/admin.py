from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from d8coop.cooperation import services
from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome, Signatory, Term

PERIOD_HELP = _(
    "Write the period as the source states it, e.g. 'second half of 2015', '26-28 January 2015', "
    "'in the last quarter of 2015 (to be confirmed)'; the dates are computed from it."
)
PERIOD_READONLY = ["period_earliest", "period_latest", "period_tentative"]


class TermInline(admin.TabularInline):
    model = Term
    extra = 0
    fields = ["member_state", "role", "period_text", "decided_at", "source"]
    autocomplete_fields = ["decided_at"]


@admin.register(Body)
class BodyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "number"]
    list_filter = ["kind"]
    search_fields = ["name", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["established_at"]
    inlines = [TermInline]


class OutcomeInline(admin.StackedInline):
    model = Outcome
    extra = 0
    fields = ["order", "kind", "body", "text", "source"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "period_text", "city", "country", "status", "kind"]
    list_filter = ["status", "kind", "mode", "body", "country"]
    search_fields = ["title", "city", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = PERIOD_READONLY
    filter_horizontal = ["back_to_back"]
    autocomplete_fields = ["follow_up_of"]
    inlines = [OutcomeInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("help_texts", {"period_text": PERIOD_HELP})
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"period_text"} & set(form.changed_data):
            moved = services.action_items_recompute_due(meeting=obj, user=request.user)
            if moved:
                self.message_user(
                    request,
                    ngettext(
                        "The due period of %(count)d action item was recomputed.",
                        "The due periods of %(count)d action items were recomputed.",
                        moved,
                    )
                    % {"count": moved},
                )


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "adopted_at", "adopted_on"]
    list_filter = ["kind", "body"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["adopted_at"]
    inlines = [SignatoryInline]


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "meeting", "kind"]
    list_filter = ["kind", "body"]
    search_fields = ["text"]
    autocomplete_fields = ["meeting"]


@admin.register(ActionItem)
class ActionItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "body", "period_text", "period_latest", "status"]
    list_filter = ["status", "body", "period_tentative"]
    search_fields = ["title"]
    readonly_fields = PERIOD_READONLY
    filter_horizontal = ["responsible_states"]
    autocomplete_fields = ["outcome", "result_meeting"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("help_texts", {"period_text": PERIOD_HELP})
        return super().get_form(request, obj, change, **kwargs)
