"""Account pages: sign-in (with its second step) and sign-out, password reset by e-mail, the
user's API token, two-factor authentication, the secretariat's invitations and their links.

Django's own auth views do the work; these subclasses add the audit trail. None of these pages
is ever cached (`public_page` is for anonymous public pages only).
"""

from __future__ import annotations

import logging
from smtplib import SMTPException
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from d8coop.accounts import selectors, services, totp, verification
from d8coop.accounts.client import client_ip
from d8coop.accounts.forms import (
    AuthenticatorCodeForm,
    InvitationForm,
    InvitationPasswordForm,
    NewPasswordForm,
    ResetRequestForm,
    SecondStepForm,
    SignInForm,
    TwoFactorDisableForm,
    lock_message,
)
from d8coop.accounts.models import AccountEvent, Invitation, TwoFactorDevice, User
from d8coop.accounts.permissions import is_secretariat
from d8coop.accounts.selectors import normalize_email

logger = logging.getLogger(__name__)
Kind = AccountEvent.Kind


class SignInView(auth_views.LoginView):
    """The password step. A user with an authenticator app is not signed in yet: the session
    remembers who gave the right password, and the code step follows."""

    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not TwoFactorDevice.objects.filter(user=user).exists():
            return super().form_valid(form)
        verification.pending_sign_in_start(
            self.request.session, user=user, next_url=self.get_success_url(), now=timezone.now()
        )
        return redirect("accounts:sign-in-code")


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET with 405)."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.account_record_event(
                kind=Kind.SIGNED_OUT, user=request.user, ip=client_ip(request)
            )
        return super().post(request, *args, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer, and the same page, whether or not the address has an account."""

    form_class = ResetRequestForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        user = next(iter(form.get_users(email)), None)
        services.account_record_event(
            kind=Kind.PASSWORD_RESET_REQUESTED, user=user, email=email, ip=client_ip(self.request)
        )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_record_event(
            kind=Kind.PASSWORD_CHANGED,
            user=form.user,
            ip=client_ip(self.request),
            detail="by reset link",
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_GET
def api_token(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/api_token.html", {"token": token})


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Shows the new key in this response only: it is never stored anywhere it could be shown
    again (not in the session, not in a message cookie)."""
    try:
        token = services.api_token_create(user=request.user, ip=client_ip(request))
    except services.ApiTokenExists:
        messages.warning(request, _("You already have an API token. Revoke it to get a new one."))
        return redirect("accounts:api-token")
    return render(request, "accounts/api_token.html", {"token": token, "new_key": token.key})


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST revokes the signed-in user's own token."""
    if request.method == "GET":
        token = Token.objects.filter(user=request.user).first()
        if token is None:
            return redirect("accounts:api-token")
        return render(request, "accounts/api_token_revoke.html", {"token": token})
    if services.api_token_revoke(user=request.user, ip=client_ip(request)):
        messages.success(request, _("Your API token was revoked; it no longer works."))
    return redirect("accounts:api-token")


def _next_url(request: HttpRequest, default: str = "/") -> str:
    """The page to go on to, from `next`, if it is on this site."""
    url = request.GET.get("next") or request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else default


@never_cache
@require_http_methods(["GET", "POST"])
def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """The back office's login page is the site's sign-in page, with its second step."""
    target = _next_url(request, default=reverse("admin:index"))
    return redirect(f"{reverse('accounts:sign-in')}?{urlencode({'next': target})}")


# Two-factor authentication


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code of the authenticator app, or a recovery code."""
    now = timezone.now()
    pending = verification.pending_sign_in(request.session, now=now)
    user = pending and User.objects.filter(pk=pending.user_id, is_active=True).first()
    if not pending or user is None:
        messages.info(request, _("Sign in with your e-mail address and password first."))
        return redirect("accounts:sign-in")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code, ip = form.cleaned_data["code"], client_ip(request)
        check = services.two_factor_sign_in(user=user, code=code, ip=ip, now=now)
        if check.accepted:
            assert check.device is not None
            verification.pending_sign_in_end(request.session)
            login(request, user, backend=pending.backend)
            verification.mark_verified(request.session, check.device)
            if check.recovery_codes_left is None:
                return redirect(pending.next_url)
            return _recovery_code_used(request, check.recovery_codes_left, pending.next_url)
        form.add_error("code", lock_message(check.lock) if check.lock else WRONG_CODE)
    return render(request, "accounts/sign_in_code.html", {"form": form})


WRONG_CODE = gettext_lazy(
    "That code is not right, or it was used already. Enter the newest code your app shows."
)


def _recovery_code_used(request: HttpRequest, left: int, next_url: str) -> HttpResponse:
    messages.warning(
        request,
        ngettext(
            "You signed in with a recovery code; %(count)d is left. Make new ones below.",
            "You signed in with a recovery code; %(count)d are left. Make new ones below.",
            left,
        )
        % {"count": left},
    )
    return redirect(f"{reverse('accounts:two-factor')}?{urlencode({'next': next_url})}")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Two-factor authentication: its state once on, else enrolment of an authenticator app."""
    user = request.user
    device = verification.confirmed_device(user)
    context = {"required": is_secretariat(user), "next": _next_url(request, default="")}
    if device is not None:
        left = device.recovery_codes.filter(used_at__isnull=True).count()
        context.update(device=device, codes_left=left)
        return render(request, "accounts/two_factor.html", context)
    secret = request.session.setdefault(verification.ENROLMENT_KEY, totp.new_secret())
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.two_factor_enable(
                user=user, secret=secret, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except services.WrongCode:
            form.add_error("code", WRONG_ENROLMENT_CODE)
        except services.TwoFactorAlreadyOn:
            return redirect("accounts:two-factor")
        else:
            request.session.pop(verification.ENROLMENT_KEY, None)
            verification.mark_verified(request.session, device)
            return render(request, "accounts/recovery_codes.html", {**context, "codes": codes})
    uri = totp.provisioning_uri(secret, account=user.email)
    qr_code = totp.qr_code_svg(uri, title=_("QR code to scan with your authenticator app"))
    context.update(form=form, secret=totp.grouped(secret), qr_code=qr_code, uri=uri)
    return render(request, "accounts/two_factor_enrol.html", context)


WRONG_ENROLMENT_CODE = gettext_lazy(
    "That is not the code the app shows now. Check that the phone's clock is set "
    "automatically, then enter the newest code."
)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-factor authentication off with the password and a code; never for staff."""
    if verification.confirmed_device(request.user) is None:
        return redirect("accounts:two-factor")
    if is_secretariat(request.user):
        raise PermissionDenied(_("Secretariat staff must keep two-factor authentication on."))
    form = TwoFactorDisableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.two_factor_disable(
            user=request.user, password=form.cleaned_data["password"],
            code=form.cleaned_data["code"], ip=client_ip(request),
        )  # fmt: skip
        if check.accepted:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:two-factor")
        if check.lock:
            form.add_error(None, lock_message(check.lock))
        elif check.wrong_password:
            form.add_error("password", _("That is not your password."))
        else:
            form.add_error("code", WRONG_CODE)
    return render(request, "accounts/two_factor_disable.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes, for a code of the app; the old ones stop working."""
    if verification.confirmed_device(request.user) is None:
        return redirect("accounts:two-factor")
    form = SecondStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check, codes = services.recovery_codes_renew(
            user=request.user, code=form.cleaned_data["code"], ip=client_ip(request)
        )
        if check.accepted:
            context = {"codes": codes, "next": _next_url(request, default="")}
            return render(request, "accounts/recovery_codes.html", context)
        form.add_error("code", lock_message(check.lock) if check.lock else WRONG_CODE)
    return render(request, "accounts/recovery_codes_renew.html", {"form": form})


# Invitations

EMAIL_NOT_SENT = gettext_lazy(
    "The e-mail could not be sent, so nothing was saved. Try again later, or tell the "
    "platform's administrators."
)


def _secretariat_only(request: HttpRequest) -> None:
    if not is_secretariat(request.user):
        raise PermissionDenied(_("Only the secretariat sends invitations."))


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """The secretariat's invitations, newest first, and the form to send one."""
    _secretariat_only(request)
    form = InvitationForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        invitation = _invitation_send(request, form)
        if invitation is not None:
            message = _("Invitation sent to %(email)s.") % {"email": invitation.email}
            messages.success(request, message)
            return redirect("accounts:invitations")
    page = Paginator(selectors.invitations_for(request.user), 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "valid_days": settings.INVITATION_VALID_DAYS}
    return render(request, "accounts/invitations.html", context)


def _invitation_send(request: HttpRequest, form: InvitationForm) -> Invitation | None:
    """Send the invitation of a valid form; None, with the reason on the form, if refused."""
    data = form.cleaned_data
    try:
        return services.invitation_send(
            by=request.user, email=data["email"], role=data["role"],
            state=data.get("member_state"), bodies=list(data.get("bodies") or []),
            name=data.get("name", ""), language=data["language"], ip=client_ip(request),
            site_url=request.build_absolute_uri("/"),
        )  # fmt: skip
    except services.InvitationRefused as refused:  # a rule broken since the form was checked
        for field, message in refused.errors.items():
            form.add_error(field if field in form.fields else None, message)
    except (SMTPException, OSError):
        logger.exception("Invitation e-mail to %s not sent", data["email"])
        form.add_error(None, EMAIL_NOT_SENT)
    return None


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _secretariat_only(request)
    invitation = get_object_or_404(selectors.invitations_for(request.user), pk=pk)
    if services.invitation_revoke(invitation=invitation, by=request.user, ip=client_ip(request)):
        message = _("The invitation to %(email)s is revoked: its link no longer works.")
        messages.success(request, message % {"email": invitation.email})
    else:
        messages.warning(request, _("That invitation was no longer pending; nothing changed."))
    return redirect("accounts:invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: a new user chooses a password; a user who has an account
    with the invited address signs in and accepts. Only a pending invitation can be accepted."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "accounts/invitation_closed.html", {"status": None}, status=404)
    status, user = invitation.status_at(timezone.now()), request.user
    if status == Invitation.Status.ACCEPTED and user.pk and invitation.accepted_by_id == user.pk:
        return render(request, "accounts/invitation_welcome.html", {"invitation": invitation})
    if status != Invitation.Status.PENDING:
        return render(request, "accounts/invitation_closed.html", {"status": status}, status=410)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    context = {"invitation": invitation, "has_account": has_account}
    if user.is_authenticated and normalize_email(user.email) != invitation.email:
        return render(request, "accounts/invitation_accept.html", {**context, "other_user": True})
    if has_account and not user.is_authenticated:
        return render(request, "accounts/invitation_accept.html", context)
    form = None
    if not has_account:
        form = InvitationPasswordForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        return _invitation_accept(request, invitation, form)
    return render(request, "accounts/invitation_accept.html", {**context, "form": form})


def _invitation_accept(
    request: HttpRequest, invitation: Invitation, form: InvitationPasswordForm | None
) -> HttpResponse:
    """Accept as the signed-in user, or as a new user with the form's password, signed in."""
    ip = client_ip(request)
    try:
        if form is None:
            services.invitation_accept(invitation=invitation, user=request.user, ip=ip)
        else:
            password = form.cleaned_data["password1"]
            user = services.invitation_accept(invitation=invitation, password=password, ip=ip)
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    except (services.InvitationUnusable, services.InvitationForAnotherAddress):
        pass  # taken meanwhile, or an account made meanwhile: the page now says what to do
    return redirect(request.path)
