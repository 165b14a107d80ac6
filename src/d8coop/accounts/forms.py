"""Account forms: sign-in (saying when a locked-out person may try again), the second step,
two-factor enrolment, and invitations."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordResetForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from d8coop.accounts import totp
from d8coop.accounts.client import client_ip
from d8coop.accounts.models import Invitation, User
from d8coop.accounts.selectors import SignInLock, normalize_email, sign_in_lock
from d8coop.accounts.services import invitation_errors
from d8coop.cooperation.models import Body
from d8coop.members.models import MemberState


def lock_message(lock: SignInLock) -> str:
    minutes = max(1, -(-int((lock.until - timezone.now()).total_seconds()) // 60))
    at = dateformat.format(timezone.localtime(lock.until), "H:i T")
    return ngettext(
        "Too many failed sign-ins. Sign-in is paused for your safety: "
        "try again in %(minutes)d minute, at %(time)s.",
        "Too many failed sign-ins. Sign-in is paused for your safety: "
        "try again in %(minutes)d minutes, at %(time)s.",
        minutes,
    ) % {"minutes": minutes, "time": at}


class BootstrapFields:
    """Bootstrap's look for every input (the templates render labels and errors)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            field.widget.attrs.setdefault("class", "form-control")


class LockMessageMixin:
    """After a refusal, replace "wrong password" with the lock and its end, if one holds."""

    def clean(self):
        try:
            return super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            email = self.cleaned_data.get("username")  # type: ignore[attr-defined]
            lock = email and sign_in_lock(email=email, ip=client_ip(self.request))  # type: ignore[attr-defined]
            if lock:
                raise forms.ValidationError(lock_message(lock), code="locked") from None
            raise

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data["username"])  # type: ignore[attr-defined]


class SignInForm(BootstrapFields, LockMessageMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That e-mail address and password do not match an account."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.input_type = "email"  # the phone's e-mail keyboard


class ResetRequestForm(BootstrapFields, PasswordResetForm):
    pass


class NewPasswordForm(BootstrapFields, SetPasswordForm):
    pass


# Two-factor authentication


class CodeField(forms.CharField):
    """A one-time code, typed or filled in by the phone (autocomplete="one-time-code")."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            autocomplete="one-time-code", spellcheck="false", autocapitalize="off", dir="ltr"
        )


class AuthenticatorCodeForm(BootstrapFields, forms.Form):
    """A code of the authenticator app only (enrolment)."""

    code = CodeField(
        label=_("Code shown by the app"), help_text=_("Six digits; a new code every 30 seconds.")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        code = totp.clean_code(self.cleaned_data["code"])
        if not totp.is_totp_shaped(code):
            raise forms.ValidationError(
                _("Enter the six digits the app shows now."), code="malformed"
            )
        return code


class SecondStepForm(BootstrapFields, forms.Form):
    """A code of the authenticator app, or one of the recovery codes."""

    code = CodeField(
        label=_("Code"),
        help_text=_(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
    )

    def clean_code(self) -> str:
        code = totp.clean_code(self.cleaned_data["code"])
        if not (totp.is_totp_shaped(code) or totp.is_recovery_shaped(code)):
            raise forms.ValidationError(
                _(
                    "Enter the six digits your app shows, or a recovery code such as "
                    "abcd-efgh-ijkl-mnop."
                ),
                code="malformed",
            )
        return code


class TwoFactorDisableForm(SecondStepForm):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]


# Invitations


class InvitationForm(BootstrapFields, forms.Form):
    """An invitation as the secretariat fills it in; `services.invitation_errors` has the
    rules, shown next to their fields."""

    email = forms.EmailField(label=_("E-mail address of the person invited"))
    role = forms.ChoiceField(label=_("Role"), widget=forms.RadioSelect)
    member_state = forms.ModelChoiceField(
        label=_("Member state (focal points)"),
        queryset=MemberState.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    bodies = forms.ModelMultipleChoiceField(
        label=_("Limit to these bodies (focal points; none: all bodies)"),
        queryset=Body.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    name = forms.CharField(
        label=_("Name of the person (focal points)"), max_length=200, required=False
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"), choices=settings.LANGUAGES, initial="en"
    )

    def __init__(self, *args, inviter, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        Role = Invitation.Role
        roles = [Role.FOCAL_POINT, Role.OBSERVER]
        if inviter.is_superuser:
            roles.append(Role.SECRETARIAT)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].initial = Role.FOCAL_POINT
        self.fields["member_state"].queryset = MemberState.objects.members_on(
            timezone.localdate()
        ).order_by("name")
        self.fields["bodies"].queryset = Body.objects.order_by("kind", "number", "name")
        self.fields["email"].widget.input_type = "email"
        for name in ("role", "bodies"):
            self.fields[name].widget.attrs.pop("class", None)
        for name in ("member_state", "language"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        errors = invitation_errors(
            by=self.inviter,
            email=data["email"],
            role=data["role"],
            state=data.get("member_state"),
            bodies=list(data.get("bodies") or []),
            name=data.get("name", ""),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data


class InvitationPasswordForm(BootstrapFields, SetPasswordMixin, forms.Form):
    """The password chosen by a new user accepting an invitation."""

    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Choose a password"), label2=_("The same password again")
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        self.validate_passwords()
        # The validators compare the password with the address, as they will for the account.
        self.validate_password_for_user(User(email=self.email))
        return super().clean()
