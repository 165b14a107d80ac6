"""Forms of the SME directory: they parse input into a `ProfileInput`; the rules are in
`services` (a refusal comes back as field errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from d8coop.accounts.forms import BootstrapFields
from d8coop.core.classifications import IsicSection
from d8coop.directory import codes
from d8coop.directory.models import SmeProfile
from d8coop.directory.services import ProfileInput
from d8coop.members.models import MemberState, Organization
from d8coop.statistics.models import SmeDefinition

EMPTY = [("", "—")]


class ProfileForm(BootstrapFields, forms.Form):
    """A profile's fields; `member_state` is asked only when creating and the user manages
    more than one state."""

    member_state = forms.ModelChoiceField(
        label=_("Member state"), queryset=MemberState.objects.none()
    )
    name = forms.CharField(label=_("Company name"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    description = forms.CharField(
        label=_("What the company does"), widget=forms.Textarea(attrs={"rows": 3})
    )
    capabilities = forms.CharField(
        label=_("Capabilities"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    isic_section = forms.ChoiceField(
        label=_("Sector (ISIC section)"), choices=EMPTY + list(IsicSection.choices)
    )
    size_class = forms.ChoiceField(
        label=_("Size class"), choices=EMPTY + list(SmeProfile.SizeClass.choices)
    )
    size_definition = forms.ModelChoiceField(
        label=_("Under the national SME definition"), queryset=SmeDefinition.objects.none(),
        required=False, help_text=_("The national definition the size class follows."),
    )  # fmt: skip
    employees = forms.IntegerField(label=_("Persons employed"), min_value=0, required=False)
    products = forms.CharField(
        label=_("Products (HS codes)"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One product a line: its HS code (2, 4 or 6 digits), a space, then what it is, "
            "e.g. “5208 Woven cotton fabrics”."
        ),
    )  # fmt: skip
    certifications = forms.CharField(
        label=_("Certifications"), required=False,
        help_text=_("Separated by commas, e.g. ISO 9001, halal."),
    )  # fmt: skip
    export_markets = forms.CharField(
        label=_("Export markets"), required=False,
        help_text=_("ISO 3166 two-letter country codes separated by commas, e.g. DE, MY, NG."),
    )  # fmt: skip
    introduced_by = forms.ModelChoiceField(
        label=_("Introduced by (national SME organization)"),
        queryset=Organization.objects.none(), required=False,
    )  # fmt: skip
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.CharField(label=_("Contact e-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_("Contact telephone"), max_length=40, required=False)

    def __init__(
        self,
        *args: Any,
        states: list[MemberState],
        profile: SmeProfile | None = None,
        **kwargs: Any,
    ) -> None:
        if profile is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(profile)
        super().__init__(*args, **kwargs)
        if profile is not None or len(states) == 1:
            del self.fields["member_state"]
            self.state: MemberState | None = profile.member_state if profile else states[0]
        else:
            self.state = None
            self.fields["member_state"].queryset = MemberState.objects.filter(
                pk__in=[s.pk for s in states]
            )
        definitions = SmeDefinition.objects.filter(kind=SmeDefinition.Kind.NATIONAL)
        organizations = Organization.objects.all()
        if self.state is not None:
            definitions = definitions.filter(country=self.state)
            organizations = organizations.filter(member_state=self.state)
        else:
            definitions = definitions.filter(country__in=states)
            organizations = organizations.filter(member_state__in=states)
        self.fields["size_definition"].queryset = definitions.select_related("country")
        self.fields["introduced_by"].queryset = organizations

    def chosen_state(self) -> MemberState:
        return self.state or self.cleaned_data["member_state"]

    def profile_input(self) -> ProfileInput:
        data = self.cleaned_data
        return ProfileInput(
            name=data["name"], city=data["city"], description=data["description"],
            capabilities=data["capabilities"], isic_section=data["isic_section"],
            size_class=data["size_class"], size_definition=data["size_definition"],
            employees=data["employees"],
            certifications=codes.split_list(data["certifications"]),
            export_markets=codes.split_list(data["export_markets"]),
            products=codes.parse_product_lines(data["products"]), website=data["website"],
            contact_name=data["contact_name"], contact_email=data["contact_email"],
            contact_phone=data["contact_phone"], introduced_by=data["introduced_by"],
        )  # fmt: skip


def initial_of(profile: SmeProfile) -> dict[str, Any]:
    names = [
        "name", "city", "description", "capabilities", "isic_section", "size_class",
        "size_definition", "employees", "website", "contact_name", "contact_email",
        "contact_phone", "introduced_by",
    ]  # fmt: skip
    initial = {name: getattr(profile, name) for name in names}
    initial["certifications"] = ", ".join(profile.certifications)
    initial["export_markets"] = ", ".join(profile.export_markets)
    initial["products"] = "\n".join(f"{p.hs_code} {p.description}" for p in profile.products.all())
    return initial


class PublicationForm(BootstrapFields, forms.Form):
    public = forms.TypedChoiceField(
        label=_("Listed in the public directory"),
        choices=[("yes", _("Yes, the SME agreed to be listed")), ("no", _("No"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
    )  # fmt: skip
    consent_note = forms.CharField(
        label=_("How the SME agreed"), max_length=300, required=False,
        help_text=_(
            "Required when a focal point lists the SME, e.g. “signed form of 3 March 2026”."
        ),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["public"].widget.attrs["class"] = "form-check-input"


class InvitationForm(BootstrapFields, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the SME's contact"), required=False,
        help_text=_("Empty: the contact e-mail of the profile."),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language of the e-mail"), choices=settings.LANGUAGES)


class DirectoryFilterForm(forms.Form):
    """The public directory's filters (all optional; a bad value is simply ignored)."""

    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    country = forms.ModelChoiceField(
        label=_("Member state"), queryset=MemberState.objects.all(), required=False,
        to_field_name="code",
    )  # fmt: skip
    sector = forms.ChoiceField(
        label=_("Sector"), choices=EMPTY + list(IsicSection.choices), required=False
    )
    size = forms.ChoiceField(
        label=_("Size class"), choices=EMPTY + list(SmeProfile.SizeClass.choices), required=False
    )
    hs = forms.RegexField(
        label=_("HS code starts with"), regex=r"^\d{1,6}$", required=False,
        error_messages={"invalid": _("Give 1 to 6 digits.")},
    )  # fmt: skip
    certification = forms.CharField(label=_("Certification"), required=False, max_length=100)
    market = forms.RegexField(
        label=_("Exports to (country code)"), regex=r"^[A-Za-z]{2}$", required=False,
        error_messages={"invalid": _("Give a two-letter country code.")},
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in self.fields.values():
            css = "form-select" if isinstance(item.widget, forms.Select) else "form-control"
            item.widget.attrs["class"] = css
