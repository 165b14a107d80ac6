"""Reads about accounts: whether sign-in is locked for an e-mail address or an IP address, a
user's time zone, invitations."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from d8coop.accounts.models import Invitation, SignInAttempt
from d8coop.accounts.permissions import is_secretariat
from d8coop.core.time_zones import secretariat_zone


@dataclass(frozen=True)
class SignInLock:
    """Sign-in is refused until `until`, because of too many failures for `reason`."""

    until: datetime
    reason: str  # "email" or "ip"


def normalize_email(email: str) -> str:
    """Attempts are counted per address whatever its case (addresses are stored lower-case)."""
    return email.strip().lower()[:254]


def _lock_from(failures: QuerySet, *, limit: int, now: datetime) -> datetime | None:
    """The end of the lock if the latest `limit` failures fell within one lock period.

    A failure is only ever recorded while no lock holds, so the latest failure is the one
    that started the lock, and the lock lasts one period from it.
    """
    period = timedelta(minutes=settings.SIGN_IN_LOCK_MINUTES)
    times = list(
        failures.filter(succeeded=False, at__gt=now - 2 * period, at__lte=now)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit or times[0] - times[-1] > period:
        return None
    until = times[0] + period
    return until if now < until else None


def sign_in_lock(*, email: str, ip: str | None, now: datetime | None = None) -> SignInLock | None:
    """The lock on signing in as `email` from `ip` at `now`, or None if sign-in may be tried.

    Per address: SIGN_IN_MAX_FAILURES failures since its last successful sign-in, within
    SIGN_IN_LOCK_MINUTES. Per IP address: SIGN_IN_MAX_FAILURES_PER_IP failures for any
    addresses within the same period (a success does not reset this one).
    """
    now = now or timezone.now()
    email = normalize_email(email)
    by_email = SignInAttempt.objects.filter(email=email)
    last_success = (
        by_email.filter(succeeded=True, at__lte=now).order_by("-at").values_list("at", flat=True)
    ).first()
    if last_success is not None:
        by_email = by_email.filter(at__gt=last_success)
    until = _lock_from(by_email, limit=settings.SIGN_IN_MAX_FAILURES, now=now)
    if until is not None:
        return SignInLock(until=until, reason="email")
    if ip:
        by_ip = SignInAttempt.objects.filter(ip=ip)
        until = _lock_from(by_ip, limit=settings.SIGN_IN_MAX_FAILURES_PER_IP, now=now)
        if until is not None:
            return SignInLock(until=until, reason="ip")
    return None


def user_time_zone(user: Any) -> ZoneInfo:
    """The zone a user reads deadlines in: their own setting, else the zone of a member state
    whose focal point they are, else the secretariat's."""
    if user is not None and user.is_authenticated:
        if user.time_zone:
            return ZoneInfo(user.time_zone)
        from d8coop.accounts.permissions import focal_point_states
        from d8coop.members.models import MemberState

        codes = sorted(focal_point_states(user))
        if codes:
            zone = MemberState.objects.filter(code=codes[0]).values_list("time_zone", flat=True)
            if zone and zone[0]:
                return ZoneInfo(zone[0])
    return secretariat_zone()


def invitations_for(user: Any) -> QuerySet[Invitation]:
    """Every invitation, newest first, for the secretariat; none for anyone else."""
    if not is_secretariat(user):
        return Invitation.objects.none()
    return Invitation.objects.select_related(
        "member_state", "invited_by", "accepted_by", "revoked_by"
    ).prefetch_related("bodies")


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link holds `token`, whatever its status; None for any other text."""
    return (
        Invitation.objects.select_related("member_state", "invited_by")
        .prefetch_related("bodies")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def focal_point_users(codes: Iterable[str], *, body_ids: Collection[int], day: date) -> list[Any]:
    """Active users holding, on the day, a focal-point position of one of the states that acts
    for one of the bodies (a position naming no body acts for all; no body ids: any position)."""
    from d8coop.members.models import PositionHolding

    holdings = (
        PositionHolding.objects.current(day)
        .filter(
            position__is_focal_point=True,
            position__member_state__code__in=list(codes),
            person__user__isnull=False,
            person__user__is_active=True,
        )
        .select_related("person__user")
        .prefetch_related("position__bodies")
    )
    users = {}
    for holding in holdings:
        bodies = {body.pk for body in holding.position.bodies.all()}
        if not body_ids or not bodies or bodies & set(body_ids):
            users[holding.person.user.pk] = holding.person.user
    return list(users.values())
