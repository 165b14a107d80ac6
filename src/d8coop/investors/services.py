"""Investors: self-registration with e-mail verification, profiles, expressions of interest in
published opportunities, and the leads the host focal point follows from them.

- Registering creates an *active* account with no role and an `Investor` profile whose
  `email_verified_at` is empty: the investor may sign in (to read their page, fix their profile
  and ask for a new link) but may not act (express interest) until the e-mail is verified. See
  docs/decisions/0015-investors-and-leads.md.
- Registering with an address that has an account changes nothing and tells the owner of the
  address by e-mail; the page says the same in both cases (no account enumeration).
- The verification link is signed (Django `signing`, its own salt) and expires after
  `VERIFICATION_MAX_AGE`; it names the account and the address, so changing the address
  voids older links.
- A lead moves forward only (new → contacted → meeting → negotiation → signed; skipping a step
  is allowed), or to dropped from any open stage; nothing moves after signed or dropped. Each
  move is an append-only `LeadStep` with the day it happened.

Every write is in a transaction and in the records' history; refusals raise `Refused`
with a message for the person and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from d8coop.accounts.models import User
from d8coop.accounts.permissions import can_act_for_state
from d8coop.accounts.selectors import normalize_email
from d8coop.core.classifications import ISO_3166_ALPHA_2, IsicSection
from d8coop.core.refusals import NotAllowed, Refused
from d8coop.investors.models import Interest, Investor, LeadStep
from d8coop.members.models import PositionHolding
from d8coop.notifications.emails import user_language
from d8coop.notifications.models import Kind as NoticeKind
from d8coop.notifications.services import notify
from d8coop.opportunities.models import Opportunity

Stage = Interest.Stage

VERIFICATION_SALT = "d8coop.investors.verify-email"
VERIFICATION_MAX_AGE = timedelta(days=3)
# Forward order of an open lead; `dropped` may follow any open stage.
FORWARD = [Stage.NEW, Stage.CONTACTED, Stage.MEETING, Stage.NEGOTIATION, Stage.SIGNED]
CLOSED = {Stage.SIGNED, Stage.DROPPED}


@dataclass(frozen=True)
class Profile:
    organization: str
    kind: str
    country: str
    sectors: list[str]
    instruments: list[str]
    ticket_min_usd: Decimal | None
    ticket_max_usd: Decimal | None
    description: str = ""


def profile_errors(profile: Profile) -> dict[str, str]:
    """What is wrong with a profile, by field (empty: nothing)."""
    errors: dict[str, str] = {}
    if not profile.organization.strip():
        errors["organization"] = _("Give the name of your organization.")
    if profile.kind not in Investor.Kind.values:
        errors["kind"] = _("Choose what kind of investor you are.")
    if profile.country.upper() not in ISO_3166_ALPHA_2:
        errors["country"] = _(
            "“%(value)s” is not an ISO 3166 country code: use two letters, e.g. MY or TR."
        ) % {"value": profile.country}
    unknown = [s for s in profile.sectors if s not in IsicSection.values]
    if unknown:
        errors["sectors"] = _("Unknown ISIC sections: %(codes)s.") % {"codes": ", ".join(unknown)}
    unknown = [i for i in profile.instruments if i not in Opportunity.Instrument.values]
    if unknown:
        errors["instruments"] = _("Unknown instruments: %(codes)s.") % {"codes": ", ".join(unknown)}
    low, high = profile.ticket_min_usd, profile.ticket_max_usd
    for name, value in (("ticket_min_usd", low), ("ticket_max_usd", high)):
        if value is not None and value < 0:
            errors[name] = _("A ticket size cannot be negative.")
    if low is not None and high is not None and low > high and "ticket_max_usd" not in errors:
        errors["ticket_max_usd"] = _(
            "The largest ticket (US$ %(high)s) is smaller than the smallest (US$ %(low)s)."
        ) % {"high": high, "low": low}
    return errors


def _check_profile(profile: Profile) -> None:
    errors = profile_errors(profile)
    if errors:
        field, message = next(iter(errors.items()))
        raise Refused(message, field=field)


def _apply_profile(investor: Investor, profile: Profile) -> None:
    investor.organization = profile.organization.strip()
    investor.kind = profile.kind
    investor.country = profile.country.upper()
    investor.sectors = sorted(set(profile.sectors))
    investor.instruments = sorted(set(profile.instruments))
    investor.ticket_min_usd = profile.ticket_min_usd
    investor.ticket_max_usd = profile.ticket_max_usd
    investor.description = profile.description.strip()


# --------------------------------------------------------------------------- e-mails


def _absolute(path: str) -> str:
    return settings.D8COOP_BASE_URL.rstrip("/") + path


def _send(user_or_email: Any, template: str, context: dict, *, language: str) -> None:
    with translation.override(language):
        subject = render_to_string(f"investors/email/{template}_subject.txt", context)
        text = render_to_string(f"investors/email/{template}.txt", context)
    to = user_or_email if isinstance(user_or_email, str) else user_or_email.email
    EmailMessage(" ".join(subject.split()), text, to=[to]).send()


def verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFICATION_SALT)


def investor_verification_send(*, user: User) -> None:
    """E-mail the investor a new verification link (nothing if already verified)."""
    investor = Investor.objects.filter(user=user).first()
    if investor is None or investor.email_verified_at is not None:
        raise Refused(_("Your e-mail address is already verified."), code="verified")
    link = _absolute(reverse("investors:verify", args=[verification_token(user)]))
    days = VERIFICATION_MAX_AGE.days
    context = {"investor": investor, "link": link, "days": days}
    _send(user, "verify", context, language=user_language(user))


@transaction.atomic
def investor_register(
    *, email: str, password: str, profile: Profile, language: str = ""
) -> Investor | None:
    """Create the account and the investor's profile, and e-mail the verification link.

    If the address has an account already, nothing is created and its owner is told by
    e-mail instead; returns None. The caller shows the same page either way.
    """
    _check_profile(profile)
    email = normalize_email(email)
    language = language if language in dict(settings.LANGUAGES) else ""
    if User.objects.filter(email__iexact=email).exists():
        sign_in = _absolute(reverse("accounts:sign-in"))
        reset = _absolute(reverse("accounts:password-reset"))
        context = {"sign_in": sign_in, "reset": reset}
        _send(email, "already_registered", context, language=language or settings.LANGUAGE_CODE)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, language=language)
    except IntegrityError:  # registered at the same instant: same answer as above
        return None
    investor = Investor(user=user)
    _apply_profile(investor, profile)
    investor.save()
    investor_verification_send(user=user)
    return investor


@transaction.atomic
def investor_verify(*, token: str, now=None) -> Investor:
    """Mark the address verified from the link's token; an expired or altered token is refused
    (`code` "expired" or "invalid"). Verifying twice is harmless."""
    try:
        data = signing.loads(
            token, salt=VERIFICATION_SALT, max_age=VERIFICATION_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise Refused(
            _("This link has expired: links work for %(days)d days. Sign in to get a new one.")
            % {"days": VERIFICATION_MAX_AGE.days},
            code="expired",
        ) from None
    except signing.BadSignature:
        raise Refused(
            _("This link is not valid: it may have been cut or changed. Copy the whole link from "
              "the e-mail, or sign in to get a new one."),
            code="invalid",
        ) from None  # fmt: skip
    investor = (
        Investor.objects.select_for_update()
        .select_related("user")
        .filter(user_id=data.get("u"), user__email=data.get("e"))
        .first()
    )
    if investor is None:
        raise Refused(
            _("This link no longer matches an account: the address may have changed."),
            code="invalid",
        )
    if investor.email_verified_at is None:
        investor.email_verified_at = now or timezone.now()
        investor.save(update_fields=["email_verified_at"])
    return investor


@transaction.atomic
def investor_update(*, user: User, profile: Profile) -> Investor:
    """The investor edits their own profile (there is no way to name another's)."""
    investor = Investor.objects.select_for_update().filter(user=user).first()
    if investor is None:
        raise Refused(_("Only registered investors have an investor profile."))
    _check_profile(profile)
    _apply_profile(investor, profile)
    investor.save()
    return investor


# --------------------------------------------------------------------------- interest


def verified_investor(user: Any) -> Investor | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    investor = Investor.objects.filter(user=user).first()
    if investor is None or investor.email_verified_at is None:
        return None
    return investor


def open_to_interest(opportunity: Opportunity, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return opportunity.status == Opportunity.Status.PUBLISHED and opportunity.valid_until >= today


def host_focal_points(opportunity: Opportunity, day: date | None = None) -> list[User]:
    """Users holding, on the day, a focal-point position of the host member state."""
    day = day or timezone.localdate()
    holdings = PositionHolding.objects.current(day).filter(
        position__is_focal_point=True,
        position__member_state_id=opportunity.host_state_id,
        person__user__isnull=False,
    )
    return list(User.objects.filter(pk__in=holdings.values("person__user")).order_by("pk"))


def _date(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@transaction.atomic
def interest_express(*, user: Any, opportunity: Opportunity, message: str) -> Interest:
    """A verified investor expresses interest in a published, valid opportunity, once; the
    host state's current focal points are notified."""
    if user is None or not user.is_authenticated:
        raise Refused(_("Sign in as a registered investor to express interest."))
    investor = Investor.objects.filter(user=user).first()
    if investor is None:
        raise Refused(_("Only registered investors express interest in opportunities."))
    if investor.email_verified_at is None:
        raise Refused(
            _("Verify your e-mail address first: open the link we sent you."), code="unverified"
        )
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if opportunity.status != Opportunity.Status.PUBLISHED:
        raise Refused(_("This opportunity is not published: it takes no interest."))
    today = timezone.localdate()
    if opportunity.valid_until < today:
        raise Refused(
            _("This opportunity expired on %(date)s: it takes no more interest.")
            % {"date": _date(opportunity.valid_until)}
        )
    message = message.strip()
    if not message:
        raise Refused(
            _("Write a short message for the host: who you are and what interests you."),
            field="message",
        )
    earlier = Interest.objects.filter(opportunity=opportunity, investor=investor).first()
    if earlier is not None:
        raise Refused(
            _("You already expressed interest in this opportunity on %(date)s (stage: %(stage)s).")
            % {"date": _date(timezone.localdate(earlier.created_at)),
               "stage": earlier.get_stage_display()},
            code="twice",
        )  # fmt: skip
    now = timezone.now()
    try:
        with transaction.atomic():
            interest = Interest.objects.create(
                opportunity=opportunity, investor=investor, message=message, created_at=now,
                stage=Stage.NEW, stage_on=timezone.localdate(now),
            )  # fmt: skip
    except IntegrityError:
        raise Refused(
            _("You already expressed interest in this opportunity."), code="twice"
        ) from None
    LeadStep.objects.create(
        interest=interest, stage=Stage.NEW, on=interest.stage_on, recorded_by=user,
        note="", recorded_at=now,
    )  # fmt: skip

    def message_text() -> tuple[str, str]:
        subject = _("Interest in “%(title)s” from %(organization)s") % {
            "title": opportunity.title, "organization": investor.organization}  # fmt: skip
        body = _(
            "%(organization)s (%(country)s) expressed interest in “%(title)s”. Their message:\n\n"
            "%(message)s\n\nFollow the lead on the platform and record each step with its date."
        ) % {"organization": investor.organization, "country": investor.country,
             "title": opportunity.title, "message": message}  # fmt: skip
        return subject, body

    notify(
        host_focal_points(opportunity, today),
        kind=NoticeKind.INTEREST_RECEIVED,
        key=f"investors-interest-{interest.pk}",
        message=message_text,
        url=reverse("investors:lead", args=[interest.pk]),
    )
    return interest


# --------------------------------------------------------------------------- leads


def can_follow_lead(user: Any, interest: Interest) -> bool:
    """The secretariat and the current focal points of the opportunity's host state."""
    return can_act_for_state(user, interest.opportunity.host_state.code)


def allowed_next_stages(interest: Interest) -> list[str]:
    if interest.stage in CLOSED:
        return []
    after = FORWARD[FORWARD.index(interest.stage) + 1 :]
    return [*after, Stage.DROPPED]


def _closed_message(interest: Interest) -> str:
    if interest.stage == Stage.SIGNED:
        return _(
            "This lead ended with an agreement signed on %(date)s: it cannot move any more. "
            "Record later work as a new expression of interest or in the note of the agreement."
        ) % {"date": _date(interest.stage_on)}
    return _(
        "This lead was dropped on %(date)s: it cannot move any more. If the investor comes back, "
        "they express interest again in another opportunity."
    ) % {"date": _date(interest.stage_on)}


@transaction.atomic
def lead_advance(
    *, user: Any, interest: Interest, stage: str, on: date, note: str = ""
) -> LeadStep:
    """Move the lead to `stage` on the day `on` (not in the future, not before the interest
    nor the previous step); the investor is notified."""
    interest = (
        Interest.objects.select_for_update(of=("self",))
        .select_related("opportunity__host_state", "investor__user")
        .get(pk=interest.pk)
    )
    if not can_follow_lead(user, interest):
        raise NotAllowed(
            _("Only the host state's focal points and the secretariat follow this lead.")
        )
    if interest.stage in CLOSED:
        raise Refused(_closed_message(interest), field="stage", code="closed")
    if stage not in Stage.values:
        raise Refused(_("Choose a stage from the list."), field="stage")
    if stage not in allowed_next_stages(interest):
        raise Refused(
            _("A lead moves forward only: from “%(current)s” it can go to %(allowed)s.")
            % {"current": interest.get_stage_display(),
               "allowed": ", ".join(f"“{Stage(s).label}”" for s in allowed_next_stages(interest))},
            field="stage",
        )  # fmt: skip
    today = timezone.localdate()
    if on > today:
        raise Refused(
            _("%(date)s is in the future: record a step once it happened.") % {"date": _date(on)},
            field="on",
        )
    expressed = timezone.localdate(interest.created_at)
    if on < expressed:
        raise Refused(
            _("%(date)s is before the investor expressed interest (%(expressed)s).")
            % {"date": _date(on), "expressed": _date(expressed)},
            field="on",
        )
    if on < interest.stage_on:
        raise Refused(
            _("%(date)s is before the previous step (“%(stage)s” on %(previous)s).")
            % {"date": _date(on), "stage": interest.get_stage_display(),
               "previous": _date(interest.stage_on)},
            field="on",
        )  # fmt: skip
    step = LeadStep.objects.create(
        interest=interest, stage=stage, on=on, note=note.strip(), recorded_by=user
    )
    interest.stage = stage
    interest.stage_on = on
    interest.save(update_fields=["stage", "stage_on"])
    opportunity = interest.opportunity

    def message_text() -> tuple[str, str]:
        subject = _("Your interest in “%(title)s”: %(stage)s") % {
            "title": opportunity.title, "stage": Stage(stage).label}  # fmt: skip
        body = _("The host of “%(title)s” recorded a new step on %(date)s: %(stage)s.") % {
            "title": opportunity.title, "date": _date(on), "stage": Stage(stage).label}  # fmt: skip
        if step.note:
            body += "\n\n" + step.note
        return subject, body

    notify(
        [interest.investor.user],
        kind=NoticeKind.LEAD_UPDATED,
        key=f"investors-lead-step-{step.pk}",
        message=message_text,
        url=reverse("investors:me"),
    )
    return step


def can_act_for_state_of(user: Any, opportunity: Opportunity) -> bool:
    """The secretariat and the host state's focal points (who follow its leads)."""
    return can_act_for_state(user, opportunity.host_state.code)
