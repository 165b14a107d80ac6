"""Forms of the opportunity pages. They read the input; the rules are in `services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from d8coop.core.classifications import IsicSection
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices, label):
    return [("", label), *choices]


class Styled(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if field.help_text:
                widget.attrs.setdefault("aria-describedby", f"{self[name].auto_id}_helptext")


class OpportunityForm(Styled):
    host_state = forms.ModelChoiceField(
        label=_("Host member state"), queryset=MemberState.objects.none(), to_field_name="code"
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    region = forms.CharField(
        label=_("Region"), max_length=120, required=False, help_text=_("E.g. a province or city.")
    )
    isic_section = forms.ChoiceField(
        label=_("Sector (ISIC section)"), choices=_blank(IsicSection.choices, "—")
    )
    isic_division = forms.CharField(
        label=_("ISIC division"), max_length=2, required=False, help_text=_("Two digits, e.g. 10.")
    )
    size_amount = forms.DecimalField(
        label=_("Project size"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text=_("Empty when the size is not known yet."),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        help_text=_("ISO 4217 code, e.g. USD, TRY."),
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), choices=_blank(Opportunity.Instrument.choices, "—")
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=_blank(Opportunity.Stage.choices, "—"))
    incentives = forms.CharField(
        label=_("Incentives"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT)

    def __init__(self, *args, states=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["host_state"]
        else:
            self.fields["host_state"].queryset = states
            if len(states) == 1:
                self.fields["host_state"].initial = states[0].code
        self.style()

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("host_state", None)
        data["size_amount"] = data.get("size_amount")
        return data


class FilterForm(Styled):
    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=MemberState.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All countries"),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=_blank(IsicSection.choices, _("All sectors"))
    )
    size_min = forms.DecimalField(label=_("Size from (US$)"), required=False, min_value=0)
    size_max = forms.DecimalField(label=_("Size up to (US$)"), required=False, min_value=0)
    instrument = forms.ChoiceField(
        label=_("Instrument"),
        required=False,
        choices=_blank(Opportunity.Instrument.choices, _("All instruments")),
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=_blank(Opportunity.Stage.choices, _("All stages"))
    )
    past = forms.BooleanField(label=_("Include expired and closed"), required=False)


class VetForm(Styled):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("publish", _("Publish")), ("return", _("Return with reasons"))],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=_("Reasons for returning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return it; sent to the host focal points."),
    )


class RenewForm(Styled):
    valid_until = forms.DateField(label=_("New validity date"), widget=DATE_INPUT)


class CloseForm(Styled):
    reason = forms.CharField(
        label=_("Reason for closing"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(Styled):
    title = forms.CharField(label=_("Title of the document"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, Word, Excel, OpenDocument, PNG, JPEG or plain text.")
    )
