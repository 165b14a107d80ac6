"""Sign-in forms that say when a locked-out person may try again."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from d8coop.accounts.client import client_ip
from d8coop.accounts.selectors import SignInLock, normalize_email, sign_in_lock


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


class AdminSignInForm(LockMessageMixin, AdminAuthenticationForm):
    pass


class ResetRequestForm(BootstrapFields, PasswordResetForm):
    pass


class NewPasswordForm(BootstrapFields, SetPasswordForm):
    pass
