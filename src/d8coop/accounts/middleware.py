"""The second step of signing in, enforced on every request (see `verification.py`).

1. A signed-in session whose user has an authenticator app but which never gave a code of it
   is signed out before the view runs: the request goes on as an anonymous visitor's.
2. Secretariat staff without an authenticator app are sent to enrolment from every page (the
   back office included) except enrolment itself, signing in and out and the language
   switcher; API calls made with the session get a 403 JSON error instead.

Requests authenticated by an API token are not concerned: the token stands for both factors
(it is made by a signed-in user and can be revoked at once), and DRF reads it after this
middleware, which sees no session user for them.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import is_secretariat
from d8coop.accounts.verification import confirmed_device, is_verified

# Views a member of staff without an authenticator app may still open.
OPEN_BEFORE_ENROLMENT = {
    "accounts:two-factor",
    "accounts:sign-in",
    "accounts:sign-in-code",
    "accounts:sign-out",
    "admin:logout",
    "portal:switch-language",
}


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        device = confirmed_device(user)
        if device is not None and not is_verified(request.session, device):
            logout(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not is_secretariat(user) or confirmed_device(user) is not None:
            return None
        match = request.resolver_match
        if match is None or match.view_name in OPEN_BEFORE_ENROLMENT:
            return None
        if match.namespace == "api":
            if "HTTP_AUTHORIZATION" in request.META:
                return None  # a token call: DRF authenticates it by the token, not the session
            message = _("Set up two-factor authentication before using the API with a session.")
            return JsonResponse({"code": "two_factor_required", "message": message}, status=403)
        enrol = reverse("accounts:two-factor")
        if request.method == "GET":
            enrol += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": enrol})
        return HttpResponseRedirect(enrol)
