"""Account pages: sign-in and sign-out, password reset by e-mail, the user's API token.

Django's own auth views do the work; these subclasses add the audit trail. None of these pages
is ever cached (`public_page` is for anonymous public pages only).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.authtoken.models import Token

from d8coop.accounts import services
from d8coop.accounts.client import client_ip
from d8coop.accounts.forms import NewPasswordForm, ResetRequestForm, SignInForm
from d8coop.accounts.models import AccountEvent

Kind = AccountEvent.Kind


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


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
