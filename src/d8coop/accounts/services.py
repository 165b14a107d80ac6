"""Accounts: people sign in with their e-mail address and a password (and, once they enrolled
an authenticator app, a code from it: required for secretariat staff), are locked out after
repeated failures, reset a forgotten password by e-mail, and keep one API token each. The
secretariat invites people by e-mail to take a role; accepting creates the account.

Roles come from positions: `focal_point_appoint` makes a user's person the holder of a
member state's focal-point position, and the previous holder's holding ends the day before.

Every write here records an `AccountEvent`, the audit trail the administrators read in the back
office. Events hold who, what, when and from where; never a password or a token key.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from d8coop.accounts import totp
from d8coop.accounts.models import (
    AccountEvent,
    Invitation,
    RecoveryCode,
    SignInAttempt,
    TwoFactorDevice,
    User,
)
from d8coop.accounts.permissions import is_secretariat
from d8coop.accounts.roles import secretariat_group
from d8coop.accounts.selectors import SignInLock, normalize_email, sign_in_lock
from d8coop.cooperation.models import Body
from d8coop.core.models import Source, Visibility
from d8coop.core.time_zones import secretariat_zone
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

    For a user with a two-factor device the right password is not yet a successful sign-in:
    it is recorded as `sign_in_code_requested` and no attempt is counted, so the failures
    before it still count towards the lock until `two_factor_sign_in` completes the sign-in.
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
    if user is not None and TwoFactorDevice.objects.filter(user=user).exists():
        account_record_event(kind=Kind.SIGN_IN_CODE_REQUESTED, user=user, ip=ip, at=now)
        return SignInOutcome(user=user)  # the password was right; the code comes next
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


# Two-factor authentication (TOTP, see `totp.py` and `verification.py`)


class WrongCode(Exception):
    """The code given is not the authenticator's current one."""


class TwoFactorAlreadyOn(Exception):
    """The user has a device already: turn it off first (if allowed)."""


class TwoFactorRequired(Exception):
    """Secretariat staff cannot turn two-factor authentication off."""


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: `device` is set when it was accepted."""

    device: TwoFactorDevice | None = None
    recovery_codes_left: int | None = None  # set when a recovery code was used
    lock: SignInLock | None = None  # sign-in is locked (before, or since, this check)
    wrong_password: bool = False

    @property
    def accepted(self) -> bool:
        return self.device is not None


def _recovery_codes_create(device: TwoFactorDevice) -> list[str]:
    codes = totp.new_recovery_codes()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=totp.recovery_code_hash(code)) for code in codes
    )
    return codes


@transaction.atomic
def two_factor_enable(
    *, user: User, secret: str, code: str, ip: str | None, now: datetime | None = None
) -> tuple[TwoFactorDevice, list[str]]:
    """Confirm the secret the user's app was given with a current code; returns the device and
    its recovery codes, for the caller to show once (only their hashes are kept).

    Raises WrongCode (nothing written) or TwoFactorAlreadyOn.
    """
    now = now or timezone.now()
    step = totp.matching_step(secret, totp.clean_code(code), at=now, after=0)
    if step is None:
        raise WrongCode
    try:
        with transaction.atomic():
            device = TwoFactorDevice.objects.create(
                user=user, secret=secret, created_at=now, last_used_step=step, last_used_at=now
            )
    except IntegrityError as exc:
        raise TwoFactorAlreadyOn from exc
    codes = _recovery_codes_create(device)
    account_record_event(kind=Kind.TWO_FACTOR_ENABLED, user=user, ip=ip, at=now)
    return device, codes


def _code_accept(device: TwoFactorDevice, code: str, *, now: datetime) -> CodeCheck | None:
    """Use up the code if it is right and unused: its time step, or its recovery code."""
    if totp.is_totp_shaped(code):
        step = totp.matching_step(device.secret, code, at=now, after=device.last_used_step)
        if step is None:
            return None
        device.last_used_step, device.last_used_at = step, now
        device.save(update_fields=["last_used_step", "last_used_at"])
        return CodeCheck(device=device)
    unused = device.recovery_codes.filter(used_at__isnull=True)
    used = unused.filter(code_hash=totp.recovery_code_hash(code)).update(used_at=now)
    if not used:
        return None
    return CodeCheck(device=device, recovery_codes_left=unused.count())


def _code_failure_record(*, user: User, ip: str | None, now: datetime, purpose: str) -> None:
    """A wrong code counts as a failed sign-in: the lock-out stops anyone trying codes."""
    SignInAttempt.objects.create(email=user.email, ip=ip, succeeded=False, at=now)
    account_record_event(kind=Kind.TWO_FACTOR_CODE_FAILED, user=user, ip=ip, at=now, detail=purpose)


def two_factor_code_check(
    *, user: User, code: str, ip: str | None, purpose: str, now: datetime | None = None
) -> CodeCheck:
    """Check a code of the user's authenticator app, or one of their recovery codes.

    Behind the sign-in lock-out: while a lock holds for the user's address or the IP address,
    no code is checked. A right code is used up (its time step, or the recovery code, is never
    accepted again); a wrong or reused one is recorded as a failed sign-in attempt and a
    `two_factor_code_failed` event, and the lock it may start is returned.
    """
    now = now or timezone.now()
    lock = sign_in_lock(email=user.email, ip=ip, now=now)
    if lock is not None:
        detail = f"code for {purpose}: locked by {lock.reason} until {lock.until.isoformat()}"
        account_record_event(
            kind=Kind.SIGN_IN_REFUSED_LOCKED, user=user, ip=ip, detail=detail, at=now
        )
        return CodeCheck(lock=lock)
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
        accepted = device and _code_accept(device, totp.clean_code(code), now=now)
        if accepted:
            if accepted.recovery_codes_left is not None:
                left = accepted.recovery_codes_left
                account_record_event(
                    kind=Kind.RECOVERY_CODE_USED, user=user, ip=ip, at=now,
                    detail=f"for {purpose}; {left} left",
                )  # fmt: skip
            return accepted
        _code_failure_record(user=user, ip=ip, now=now, purpose=purpose)
    return CodeCheck(lock=sign_in_lock(email=user.email, ip=ip, now=now))


def two_factor_sign_in(
    *, user: User, code: str, ip: str | None, now: datetime | None = None
) -> CodeCheck:
    """The second step of signing in: on a right code, the sign-in counts as successful (and
    clears the address's failures), as a right password alone does for users without a device.
    The caller then logs the user in."""
    now = now or timezone.now()
    check = two_factor_code_check(user=user, code=code, ip=ip, purpose="sign-in", now=now)
    if check.accepted:
        sign_in_attempt_record(email=user.email, ip=ip, user=user, at=now)
    return check


def two_factor_disable(
    *, user: User, password: str, code: str, ip: str | None, now: datetime | None = None
) -> CodeCheck:
    """Turn two-factor authentication off, for a user who gives their password and a code.

    Refused (TwoFactorRequired) for secretariat staff. A wrong password counts towards the
    lock-out like a failed sign-in, and so does a wrong code (see `two_factor_code_check`).
    """
    if is_secretariat(user):
        raise TwoFactorRequired
    now = now or timezone.now()
    lock = sign_in_lock(email=user.email, ip=ip, now=now)
    if lock is not None:
        return CodeCheck(lock=lock)
    if not user.check_password(password):
        SignInAttempt.objects.create(email=user.email, ip=ip, succeeded=False, at=now)
        account_record_event(
            kind=Kind.SIGN_IN_FAILED, user=user, ip=ip, at=now,
            detail="password to turn off two-factor authentication",
        )  # fmt: skip
        return CodeCheck(wrong_password=True, lock=sign_in_lock(email=user.email, ip=ip, now=now))
    purpose = "turning off two-factor authentication"
    check = two_factor_code_check(user=user, code=code, ip=ip, purpose=purpose, now=now)
    if check.accepted:
        with transaction.atomic():
            TwoFactorDevice.objects.filter(user=user).delete()
            account_record_event(kind=Kind.TWO_FACTOR_DISABLED, user=user, ip=ip, at=now)
    return check


@transaction.atomic
def two_factor_reset(*, device: TwoFactorDevice, by: User, ip: str | None) -> None:
    """An administrator removes a user's device (lost phone and recovery codes): the user
    signs in with their password alone, and staff are asked to enrol again at once."""
    user = device.user
    device.delete()
    account_record_event(
        kind=Kind.TWO_FACTOR_DISABLED, user=user, ip=ip, detail=f"reset by {by.email}"
    )


def recovery_codes_renew(
    *, user: User, code: str, ip: str | None, now: datetime | None = None
) -> tuple[CodeCheck, list[str]]:
    """New recovery codes for a code of the authenticator app; the old ones stop working.
    Returns the check and, if it passed, the new codes to show once."""
    now = now or timezone.now()
    purpose = "new recovery codes"
    check = two_factor_code_check(user=user, code=code, ip=ip, purpose=purpose, now=now)
    if not check.accepted:
        return check, []
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().get(user=user)
        device.recovery_codes.all().delete()
        codes = _recovery_codes_create(device)
        account_record_event(kind=Kind.RECOVERY_CODES_RENEWED, user=user, ip=ip, at=now)
    return check, codes


# Invitations


class InvitationRefused(Exception):
    """The invitation breaks a rule; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class InvitationUnusable(Exception):
    """The invitation was accepted, revoked or has expired: it cannot be accepted."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class InvitationForAnotherAddress(Exception):
    """The signed-in user's address is not the one invited."""


def invitation_errors(
    *,
    by: User,
    email: str,
    role: str,
    state: MemberState | None,
    bodies: list[Body],
    name: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """What stops `by` from sending this invitation, by field; empty when nothing does."""
    now = now or timezone.now()
    Role = Invitation.Role
    errors: dict[str, str] = {}
    if not is_secretariat(by):
        errors["role"] = str(_("Only the secretariat sends invitations."))
    elif role == Role.SECRETARIAT and not by.is_superuser:
        errors["role"] = str(_("Only secretariat administrators invite secretariat staff."))
    if role == Role.FOCAL_POINT:
        if state is None:
            errors["member_state"] = str(_("Choose the member state of the focal point."))
        elif (
            not MemberState.objects.members_on(timezone.localdate(now)).filter(pk=state.pk).exists()
        ):
            errors["member_state"] = str(_("This state is not a member of the D-8 today."))
        if not name.strip():
            errors["name"] = str(_("Give the focal point's name, as it will be listed."))
    elif state is not None or bodies:
        errors["member_state"] = str(_("A member state and bodies apply to focal points only."))
    pending = Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    if pending.exists():
        errors["email"] = str(
            _("An invitation to this address is pending. Revoke it to send a new one.")
        )
    return errors


def _invitation_email_send(invitation: Invitation, *, link: str) -> None:
    context = {"invitation": invitation, "link": link, "inviter": invitation.invited_by}
    with translation.override(invitation.language):
        zone = secretariat_zone()
        context.update(expires=timezone.localtime(invitation.expires_at, zone), zone=zone.key)
        context["role"] = invitation.get_role_display()
        subject = render_to_string("accounts/email/invitation_subject.txt", context)
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def invitation_send(
    *,
    by: User,
    email: str,
    role: str,
    state: MemberState | None = None,
    bodies: list[Body] | None = None,
    name: str = "",
    language: str = "en",
    ip: str | None,
    site_url: str,
    now: datetime | None = None,
) -> Invitation:
    """Invite a person by e-mail to take a role; the e-mail holds a single-use link to
    `site_url` + /accounts/invitations/<token>/, valid INVITATION_VALID_DAYS days.

    Raises InvitationRefused, with nothing written or sent, when `invitation_errors` finds
    anything. The e-mail goes out inside the transaction: if it cannot be sent, the
    invitation is not kept either.
    """
    now = now or timezone.now()
    bodies = bodies or []
    email = normalize_email(email)
    errors = invitation_errors(
        by=by, email=email, role=role, state=state, bodies=bodies, name=name, now=now
    )
    if errors:
        raise InvitationRefused(errors)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, role=role, member_state=state, name=name.strip(), language=language,
        token_hash=Invitation.hash_token(token), invited_by=by, created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )  # fmt: skip
    invitation.bodies.set(bodies)
    scope = f" of {state.code}" if state is not None else ""
    account_record_event(
        kind=Kind.INVITATION_SENT, email=email, ip=ip, at=now,
        detail=f"as {role}{scope} by {by.email}, until {invitation.expires_at.isoformat()}",
    )  # fmt: skip
    path = reverse("accounts:invitation-accept", args=[token])
    _invitation_email_send(invitation, link=site_url.rstrip("/") + path)
    return invitation


@transaction.atomic
def invitation_revoke(
    *, invitation: Invitation, by: User, ip: str | None, now: datetime | None = None
) -> bool:
    """Make a pending invitation's link stop working; False if it was no longer pending."""
    now = now or timezone.now()
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status_at(now) != Invitation.Status.PENDING:
        return False
    locked.revoked_at, locked.revoked_by = now, by
    locked.save(update_fields=["revoked_at", "revoked_by"])
    account_record_event(
        kind=Kind.INVITATION_REVOKED, email=locked.email, ip=ip, at=now,
        detail=f"as {locked.role} by {by.email}",
    )  # fmt: skip
    return True


def _role_grant(invitation: Invitation, user: User, *, on: date) -> None:
    Role = Invitation.Role
    by = invitation.invited_by
    by_whom = f" by {by.email}" if by is not None else ""
    if invitation.role == Role.FOCAL_POINT:
        assert invitation.member_state is not None  # a database constraint
        focal_point_appoint(
            user=user, state=invitation.member_state, bodies=list(invitation.bodies.all()),
            started_on=on, name=invitation.name, by=by,
        )  # fmt: skip
        return
    if invitation.role == Role.OBSERVER:
        user.user_permissions.add(Permission.objects.get(codename="view_members_only_data"))
        detail = "observer"
    else:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(secretariat_group())
        detail = "secretariat staff"
    account_record_event(kind=Kind.ROLE_GRANTED, user=user, detail=detail + by_whom)


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    ip: str | None,
    user: User | None = None,
    password: str | None = None,
    now: datetime | None = None,
) -> User:
    """Accept a pending invitation: as `user` (signed in with the invited address), or as a
    new account with `password` (already checked against the password validators).

    The role is granted at once (focal points through `focal_point_appoint`, from today).
    Raises InvitationUnusable or InvitationForAnotherAddress, with nothing written.
    """
    now = now or timezone.now()
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    status = locked.status_at(now)
    if status != Invitation.Status.PENDING:
        raise InvitationUnusable(status)
    if user is None:
        if User.objects.filter(email__iexact=locked.email).exists():
            raise InvitationForAnotherAddress
        user = User.objects.create_user(
            email=locked.email, password=password, language=locked.language
        )
    elif normalize_email(user.email) != normalize_email(locked.email):
        raise InvitationForAnotherAddress
    _role_grant(locked, user, on=timezone.localdate(now))
    locked.accepted_at, locked.accepted_by = now, user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    account_record_event(
        kind=Kind.INVITATION_ACCEPTED, user=user, ip=ip, at=now, detail=f"as {locked.role}"
    )
    return user
