"""Accounts: people sign in with their e-mail address and a password, are locked out after
repeated failures, reset a forgotten password by e-mail, and keep one API token each.

Roles come from positions: `focal_point_appoint` makes a user's person the holder of a
member state's focal-point position, and the previous holder's holding ends the day before.

Every write here records an `AccountEvent`, the audit trail the administrators read in the back
office. Events hold who, what, when and from where; never a password or a token key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from d8coop.accounts.models import AccountEvent, SignInAttempt, User
from d8coop.accounts.selectors import SignInLock, normalize_email, sign_in_lock
from d8coop.cooperation.models import Body
from d8coop.core.models import Source, Visibility
from d8coop.members.models import MemberState, Person, Position, PositionHolding

PLATFORM_USERS_SOURCE = "platform-users"

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


def platform_users_source() -> Source:
    """The source of people and positions entered by the platform's operators."""
    source, _ = Source.objects.get_or_create(
        key=PLATFORM_USERS_SOURCE, defaults={"title": "Entered by the platform's operators"}
    )
    return source


def _focal_point_position(*, state: MemberState, bodies: list[Body]) -> Position:
    """The state's focal-point position for exactly these bodies (none: all bodies), reusing
    a members-only one that exists (operators' own first), else a new members-only one.

    Public positions (those the seed page published) are never taken over here: appointing
    someone must not publish their name; the secretariat makes a position public explicitly.
    """
    wanted = {body.pk for body in bodies}
    candidates = (
        Position.objects.filter(
            member_state=state, is_focal_point=True, visibility=Visibility.MEMBERS
        )
        .prefetch_related("bodies")
        .select_related("source")
        .order_by("pk")
    )
    matching = [p for p in candidates if {b.pk for b in p.bodies.all()} == wanted]
    matching.sort(key=lambda p: p.source.key != PLATFORM_USERS_SOURCE)
    if matching:
        return matching[0]
    names = ", ".join(body.short_name or body.name for body in bodies)
    role = f"Focal point of {state.name}" + (f" for {names}" if names else "")
    base = slugify(f"focal-point-{state.code}-{'-'.join(b.slug for b in bodies)}")[:90]
    slug, n = base, 1
    while Position.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    position = Position.objects.create(
        slug=slug,
        role=role,
        member_state=state,
        is_focal_point=True,
        visibility=Visibility.MEMBERS,
        source=platform_users_source(),
    )
    position.bodies.set(bodies)
    return position


@transaction.atomic
def focal_point_appoint(
    *,
    user: User,
    state: MemberState,
    bodies: list[Body],
    started_on: date,
    name: str = "",
    by: User | None = None,
) -> PositionHolding:
    """Make the user the focal point of the state (for these bodies only, if any) from a day.

    The user's person is created (named `name`, else the account's name) if they have none.
    The position is reused or created (see `_focal_point_position`); whoever held it ends
    their holding the day before, so the open work of the position passes to the successor.
    Records `role_granted` for the user and `role_ended` for each predecessor with an account.
    """
    person = Person.objects.filter(user=user).first()
    if person is None:
        person = Person.objects.create(
            name=name or user.get_full_name() or user.email,
            user=user,
            source=platform_users_source(),
        )
    position = _focal_point_position(state=state, bodies=bodies)
    ended_on = started_on - timedelta(days=1)
    predecessors = (
        PositionHolding.objects.select_for_update(of=("self",))
        .filter(position=position, ended_on__isnull=True)
        .exclude(person=person)
        .select_related("person__user")
    )
    by_whom = f" by {by.email}" if by is not None else ""
    for holding in predecessors:
        # A holding that started that day or later then covers no day at all: the successor
        # alone holds the position from `started_on`.
        holding.ended_on = ended_on
        holding.save(update_fields=["ended_on"])
        predecessor = holding.person.user
        if predecessor is not None:
            account_record_event(
                kind=Kind.ROLE_ENDED,
                user=predecessor,
                detail=f"{position.slug} until {holding.ended_on}: succeeded by {user.email}"
                + by_whom,
            )
    holding = PositionHolding.objects.create(
        position=position, person=person, started_on=started_on, source=platform_users_source()
    )
    limits = ", ".join(body.slug for body in bodies) or "all bodies"
    account_record_event(
        kind=Kind.ROLE_GRANTED,
        user=user,
        detail=f"focal point of {state.code} ({limits}) as {position.slug} from {started_on}"
        + by_whom,
    )
    return holding
