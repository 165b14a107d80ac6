"""Forms of the participation pages. They parse input; the services decide and refuse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from d8coop.consultations.forms import Styled
from d8coop.members.models import MemberState

LOCAL = {"type": "datetime-local"}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _local(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
        input_formats=LOCAL_FORMATS,
        help_text=_("In the secretariat's time zone (Istanbul)."),
    )


class EventForm(Styled, forms.Form):
    registration_opens = _local(_("Registration opens"))
    registration_closes = _local(_("Registration closes"))
    default_quota = forms.IntegerField(
        label=_("Places per member state"), min_value=1, max_value=100_000,
        help_text=_("Unless a member state is given its own quota."),
    )  # fmt: skip
    capacity = forms.IntegerField(
        label=_("Places in all"), required=False, min_value=1, max_value=100_000,
        help_text=_("Accepted participants beyond this go to the waiting list. Empty: no limit."),
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Notes for participants"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuotaForm(Styled, forms.Form):
    member_state = forms.ModelChoiceField(
        label=_("Member state"), queryset=MemberState.objects.none(), to_field_name="code"
    )
    places = forms.IntegerField(label=_("Places"), min_value=0, max_value=100_000)

    def __init__(self, *args, states=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_state"].queryset = (
            states if states is not None else MemberState.objects.none()
        )


class NominationForm(Styled, forms.Form):
    sme = forms.ModelChoiceField(
        label=_("SME to nominate"),
        queryset=None,
        to_field_name="slug",
        help_text=_("Validated SMEs of your member state that are not nominated yet."),
    )
    note = forms.CharField(
        label=_("Note for the organizer"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(self, *args, smes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sme"].queryset = smes


class DeclineForm(Styled, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class SurveyForm(Styled, forms.Form):
    contacts_made = forms.IntegerField(
        label=_("Business contacts made"), min_value=0, max_value=100_000
    )
    deals_expected = forms.IntegerField(label=_("Deals expected"), min_value=0, max_value=100_000)
    comments = forms.CharField(
        label=_("Comments"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
