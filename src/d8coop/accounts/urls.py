"""Account pages under /accounts/. No URL names a user or an API token: each acts on the
signed-in user's own account only (the invitations' pages are the secretariat's, and an
invitation's link holds its own secret). No page here is ever cached, by the site or by a
browser."""

from django.urls import path
from django.views.decorators.cache import never_cache

from d8coop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", never_cache(views.SignInView.as_view()), name="sign-in"),
    path("sign-in/code/", never_cache(views.sign_in_code), name="sign-in-code"),
    path("sign-out/", never_cache(views.SignOutView.as_view()), name="sign-out"),
    path("password-reset/", never_cache(views.PasswordResetView.as_view()), name="password-reset"),
    path(
        "password-reset/sent/",
        never_cache(views.PasswordResetDoneView.as_view()),
        name="password-reset-done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        never_cache(views.PasswordResetConfirmView.as_view()),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        never_cache(views.PasswordResetCompleteView.as_view()),
        name="password-reset-complete",
    ),
    path("tokens/", never_cache(views.api_token), name="api-token"),
    path("tokens/new/", never_cache(views.api_token_create), name="api-token-create"),
    path("tokens/revoke/", never_cache(views.api_token_revoke), name="api-token-revoke"),
    path("two-factor/", never_cache(views.two_factor), name="two-factor"),
    path("two-factor/disable/", never_cache(views.two_factor_disable), name="two-factor-disable"),
    path(
        "two-factor/recovery-codes/",
        never_cache(views.recovery_codes_renew),
        name="recovery-codes-renew",
    ),
    path("invitations/", never_cache(views.invitations), name="invitations"),
    path(
        "invitations/<int:pk>/revoke/",
        never_cache(views.invitation_revoke),
        name="invitation-revoke",
    ),
    path(
        "invitations/<str:token>/",
        never_cache(views.invitation_accept),
        name="invitation-accept",
    ),
]
