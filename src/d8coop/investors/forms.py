"""Investor forms: registration, profile, expression of interest, and a lead's next step."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.accounts.forms import BootstrapFields
from d8coop.accounts.models import User
from d8coop.accounts.selectors import normalize_email
from d8coop.core.classifications import IsicSection, validate_country_code
from d8coop.investors.models import Interest, Investor
from d8coop.investors.services import Profile, allowed_next_stages, profile_errors
from d8coop.opportunities.models import Opportunity

CHECKBOXES = "form-check-input"


class ProfileForm(BootstrapFields, forms.Form):
    organization = forms.CharField(label=_("Organization"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of investor"), choices=Investor.Kind.choices)
    country = forms.CharField(
        label=_("Country (ISO code)"),
        min_length=2,
        max_length=2,
        validators=[validate_country_code],
        help_text=_("Where your organization is based: two letters, e.g. MY, TR, DE."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors of interest (ISIC sections)"),
        choices=IsicSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    instruments = forms.MultipleChoiceField(
        label=_("Instruments"),
        choices=Opportunity.Instrument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ticket_min_usd = forms.DecimalField(
        label=_("Smallest ticket (US$)"), required=False, min_value=0, max_digits=18,
        decimal_places=2,
    )  # fmt: skip
    ticket_max_usd = forms.DecimalField(
        label=_("Largest ticket (US$)"), required=False, min_value=0, max_digits=18,
        decimal_places=2,
    )  # fmt: skip
    description = forms.CharField(
        label=_("What you invest in"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("sectors", "instruments"):
            self.fields[name].widget.attrs["class"] = CHECKBOXES
        self.fields["country"].widget.attrs.update(
            autocapitalize="characters", dir="ltr", size=4, autocomplete="country"
        )

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            organization=data["organization"],
            kind=data["kind"],
            country=data["country"],
            sectors=list(data.get("sectors") or []),
            instruments=list(data.get("instruments") or []),
            ticket_min_usd=data.get("ticket_min_usd"),
            ticket_max_usd=data.get("ticket_max_usd"),
            description=data.get("description", ""),
        )

    def clean(self):
        data = super().clean()
        if not self.errors:
            for name, message in profile_errors(self.profile()).items():
                self.add_error(name, message)
        return data

    @classmethod
    def initial_from(cls, investor: Investor) -> dict:
        return {
            "organization": investor.organization,
            "kind": investor.kind,
            "country": investor.country,
            "sectors": investor.sectors,
            "instruments": investor.instruments,
            "ticket_min_usd": investor.ticket_min_usd,
            "ticket_max_usd": investor.ticket_max_usd,
            "description": investor.description,
        }


class RegistrationForm(ProfileForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["email", "password1", "password2", "organization", "kind", "country"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", dir="ltr")

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean_password2(self) -> str:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data["password2"]
        if first and first != second:
            raise forms.ValidationError(_("The two passwords differ."), code="password_mismatch")
        if first:
            user = User(email=self.cleaned_data.get("email", ""))
            password_validation.validate_password(first, user)
        return second


class InterestForm(BootstrapFields, forms.Form):
    message = forms.CharField(
        label=_("Your message to the host"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who you are, what interests you, and how the host may reach you."),
    )


class LeadStepForm(BootstrapFields, forms.Form):
    stage = forms.ChoiceField(label=_("New stage"), choices=Interest.Stage.choices)
    on = forms.DateField(label=_("Day it happened"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, interest: Interest, **kwargs) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        # Every stage validates (the service says why a move is refused); the list offers
        # the allowed moves only.
        self.fields["stage"].widget.choices = [
            (s, Interest.Stage(s).label) for s in allowed_next_stages(interest)
        ]
        self.fields["stage"].widget.attrs["class"] = "form-select"
