"""Accounts: people sign in with their e-mail address and a password, are locked out after
repeated failures, reset a forgotten password by e-mail, and keep one API token each.

Every write here records an `AccountEvent`, the audit trail the administrators read in the back
office. Events hold who, what, when and from where; never a password or a token key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from d8coop.accounts.models import AccountEvent, SignInAttempt, User
from d8coop.accounts.selectors import SignInLock, normalize_email, sign_in_lock

Kind = AccountEvent.Kind


class ApiTokenExists(Exception):
    """The user already has a token: revoke it first."""


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    lock: SignInLock | None = None  # set when the attempt was refused without a check


def account_record_event(
    *,
    kind: str,
    user: User | None = None,
    email: str = "",
    ip: str | None = None,
    detail: str = "",
    at: datetime | None = None,
) -> AccountEvent:
    """Append one event to the audit trail. `email` defaults to the user's address."""
    if not email and user is not None:
        email = user.email
    return AccountEvent.objects.create(
        user=user,
        email=normalize_email(email),
        kind=kind,
        ip=ip,
        detail=detail[:300],
        at=at or timezone.now(),
    )


@transaction.atomic
def sign_in_attempt_record(
    *, email: str, ip: str | None, user: User | None, at: datetime | None = None
) -> SignInAttempt:
    """Record one password check (counted by the lock-out) and its audit event."""
    at = at or timezone.now()
    attempt = SignInAttempt.objects.create(
        email=normalize_email(email), ip=ip, succeeded=user is not None, at=at
    )
    kind = Kind.SIGNED_IN if user is not None else Kind.SIGN_IN_FAILED
    account_record_event(kind=kind, user=user, email=email, ip=ip, at=at)
    return attempt


def sign_in_attempt(
    *,
    email: str,
    ip: str | None,
    check_password: Callable[[], User | None],
    now: datetime | None = None,
) -> SignInOutcome:
    """Check a password unless sign-in is locked for this address or IP address.

    A locked attempt is refused without checking the password (even a right one) and recorded
    as `sign_in_refused_locked`; it does not extend the lock. Otherwise `check_password` runs,
    outside any transaction (hashing is slow), and its result is recorded.
    """
    now = now or timezone.now()
    lock = sign_in_lock(email=email, ip=ip, now=now)
    if lock is not None:
        detail = f"locked by {lock.reason} until {lock.until.isoformat()}"
        account_record_event(
            kind=Kind.SIGN_IN_REFUSED_LOCKED, email=email, ip=ip, detail=detail, at=now
        )
        return SignInOutcome(user=None, lock=lock)
    user = check_password()
    sign_in_attempt_record(email=email, ip=ip, user=user, at=now)
    return SignInOutcome(user=user)


@transaction.atomic
def api_token_create(*, user: User, ip: str | None, via: str = "web") -> Token:
    """Give the user an API token; the caller shows its key once. One token per user."""
    try:
        with transaction.atomic():
            token = Token.objects.create(user=user)
    except IntegrityError as exc:
        raise ApiTokenExists from exc
    account_record_event(
        kind=Kind.TOKEN_CREATED, user=user, ip=ip, detail=f"{token.key[:6]}… via {via}"
    )
    return token


@transaction.atomic
def api_token_revoke(*, user: User, ip: str | None) -> bool:
    """Delete the user's own token (there is no way to name another's); False if none."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is None:
        return False
    prefix = token.key[:6]
    token.delete()
    account_record_event(kind=Kind.TOKEN_REVOKED, user=user, ip=ip, detail=f"{prefix}…")
    return True
