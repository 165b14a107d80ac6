"""Forms of the member workspace: a progress report on an action item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.cooperation import permissions
from d8coop.cooperation.models import ActionItem, Meeting
from d8coop.cooperation.selectors import reviewing_body_ids
from d8coop.cooperation.services import allowed_statuses
from d8coop.members.models import MemberState

Status = ActionItem.Status


class ProgressReportForm(forms.Form):
    member_state = forms.ModelChoiceField(
        label=_("Reporting for"), queryset=MemberState.objects.none(), required=False
    )
    text = forms.CharField(
        label=_("Progress"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done, by whom, and what remains."),
    )
    progress_on = forms.DateField(
        label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    status = forms.ChoiceField(label=_("Status of the item"), choices=())
    status_note = forms.CharField(label=_("Note on the status"), max_length=300, required=False)
    reviewed_at = forms.ModelChoiceField(
        label=_("Reviewed at meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        help_text=_("The meeting where this progress was presented, if any."),
    )
    attachment = forms.FileField(
        label=_("Attachment"),
        required=False,
        help_text=_("PDF, Word, Excel, OpenDocument, PNG, JPEG or text."),
    )

    def __init__(self, *args: Any, user: Any, item: ActionItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        whole = permissions.can_update_for_whole_item(user, item)
        states = (
            permissions.responsible_states(item)
            if whole
            else MemberState.objects.filter(
                pk__in=[s.pk for s in permissions.reporting_states(user, item)]
            )
        )
        field = self.fields["member_state"]
        field.queryset = states.order_by("name")
        field.empty_label = _("The whole item") if whole else None
        field.required = not whole
        allowed = allowed_statuses(
            item=item, whole_item=whole, states=permissions.responsible_states(item).count()
        )
        self.fields["status"].choices = [(v, Status(v).label) for v in allowed]
        self.fields["status"].initial = item.status
        self.fields["status_note"].initial = item.status_note
        self.fields["reviewed_at"].queryset = Meeting.objects.filter(
            body_id__in=reviewing_body_ids(item), status=Meeting.Status.HELD
        ).order_by("-period_earliest")
