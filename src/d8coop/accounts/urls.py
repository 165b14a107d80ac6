"""Account pages under /accounts/. No URL names a user or a token: each acts on the signed-in
user's own account only. No page here is ever cached, by the site or by a browser."""

from django.urls import path
from django.views.decorators.cache import never_cache

from d8coop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", never_cache(views.SignInView.as_view()), name="sign-in"),
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
]
