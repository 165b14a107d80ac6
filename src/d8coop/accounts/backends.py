"""Password sign-in behind the lock-out, for every way in: the sign-in page, the back office's
login page and `Client.login` alike, since all of them call `authenticate()`."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from d8coop.accounts import services
from d8coop.accounts.client import client_ip
from d8coop.accounts.selectors import SignInLock


class SignInLocked(PermissionDenied):
    """Raised to stop `authenticate()` trying further backends while a lock holds."""

    def __init__(self, lock: SignInLock) -> None:
        super().__init__(f"Sign-in locked until {lock.until.isoformat()}")
        self.lock = lock


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        outcome = services.sign_in_attempt(
            email=username,
            ip=client_ip(request),
            check_password=partial(
                super().authenticate, request, username=username, password=password
            ),
        )
        if outcome.lock is not None:
            raise SignInLocked(outcome.lock)
        return outcome.user

    def get_user(self, user_id):
        """The signed-in user of each request, with their two-factor device in the same query
        (the middleware asks for it on every request)."""
        users = get_user_model()._default_manager.select_related("two_factor_device")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
