"""Investment opportunities: every write, one function per step of the life cycle.

draft → submitted (by a focal point of the host state) → published or returned with reasons
(by the secretariat) → expired (by the clock, the day after `valid_until`), renewed (a new
validity date, published again) or closed (with a reason). A focal point acts for its own
state only; the secretariat may prepare and correct drafts for any state but only a focal
point submits. Each function checks who acts and what the record's state allows, refuses
with `Refused` (nothing written) or writes inside one transaction, naming the
actor in the record's history and queueing notifications.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import can_act_for_state, can_answer_for_state, is_secretariat
from d8coop.accounts.selectors import focal_point_users
from d8coop.core.classifications import IsicSection
from d8coop.core.refusals import Conflict, NotAllowed, Refused
from d8coop.core.uploads import validate_attachment
from d8coop.members.models import MemberState, Position, PositionHolding
from d8coop.notifications.models import Kind
from d8coop.notifications.services import notify
from d8coop.opportunities.models import Opportunity, OpportunityDocument
from d8coop.statistics.models import ExchangeRate

Status = Opportunity.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
SUBMITTABLE = (Status.DRAFT, Status.RETURNED)
RENEWABLE = (Status.PUBLISHED, Status.EXPIRED)
CLOSABLE = (Status.PUBLISHED, Status.EXPIRED)
# Reminders before the validity date ends, latest first: (label, days before).
REMINDERS = (("7d", 7), ("30d", 30))
FIELDS = (
    "title",
    "description",
    "region",
    "isic_section",
    "isic_division",
    "size_amount",
    "currency",
    "instrument",
    "stage",
    "incentives",
    "valid_until",
)


# --------------------------------------------------------------------------- refusals


# --------------------------------------------------------------------------- helpers


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def _require_manager(by: Any, state: MemberState, day: date) -> None:
    """A focal point of the host state, or the secretariat."""
    if not can_act_for_state(by, state.code, on=day):
        raise NotAllowed(
            _("Only a focal point of %(state)s or the secretariat may do this.")
            % {"state": state.name}
        )


def _require_status(opportunity: Opportunity, allowed: tuple[str, ...], message: str) -> None:
    if opportunity.status not in allowed:
        raise Conflict(message % {"status": opportunity.get_status_display()}, code="wrong_status")


def _locked(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("host_state")
        .get(pk=opportunity.pk)
    )


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalize the fields of an opportunity; refuse the first fault found."""
    cleaned = dict(values)
    for name in ("title", "description", "region", "incentives", "isic_division", "currency"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "title" in cleaned:
        cleaned["title"] = " ".join(cleaned["title"].split())
        if not cleaned["title"]:
            raise Refused(_("Give the opportunity a title."), code="required", field="title")
        if len(cleaned["title"]) > 200:
            raise Refused(_("The title is too long: at most 200 characters."), field="title")
    if "description" in cleaned and not cleaned["description"]:
        raise Refused(
            _("Describe the opportunity for investors."), code="required", field="description"
        )
    if "region" in cleaned and len(cleaned["region"]) > 120:
        raise Refused(_("The region is too long: at most 120 characters."), field="region")
    if "isic_section" in cleaned and cleaned["isic_section"] not in IsicSection.values:
        raise Refused(
            _("Choose the sector (ISIC section, a letter from A to U)."),
            code="invalid_sector",
            field="isic_section",
        )
    division = cleaned.get("isic_division", "")
    if division and not re.fullmatch(r"\d{2}", division):
        raise Refused(
            _("The ISIC division is two digits, e.g. 10."),
            code="invalid_division",
            field="isic_division",
        )
    if "instrument" in cleaned and cleaned["instrument"] not in Opportunity.Instrument.values:
        raise Refused(
            _("Choose the instrument: equity, joint venture, loan, PPP or offtake."),
            code="invalid_instrument",
            field="instrument",
        )
    if "stage" in cleaned and cleaned["stage"] not in Opportunity.Stage.values:
        raise Refused(_("Choose the stage of the project."), code="invalid_stage", field="stage")
    if "currency" in cleaned:
        cleaned["currency"] = cleaned["currency"].upper()
        if cleaned["currency"] and not re.fullmatch(r"[A-Z]{3}", cleaned["currency"]):
            raise Refused(
                _("The currency is its ISO 4217 code: three letters, e.g. USD or TRY."),
                code="invalid_currency",
                field="currency",
            )
    if "size_amount" in cleaned and cleaned["size_amount"] not in (None, ""):
        try:
            amount = Decimal(str(cleaned["size_amount"]))
        except InvalidOperation:
            raise Refused(
                _("The project size is a number, e.g. 2500000."), field="size_amount"
            ) from None
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e16"):
            raise Refused(
                _("The project size must be a positive amount below 10 quadrillion."),
                code="invalid_size",
                field="size_amount",
            )
        cleaned["size_amount"] = amount.quantize(Decimal("0.01"))
    elif "size_amount" in cleaned:
        cleaned["size_amount"] = None
    if "valid_until" in cleaned and not isinstance(cleaned["valid_until"], date):
        raise Refused(
            _("Give the date until which the opportunity is valid."),
            code="required",
            field="valid_until",
        )
    return cleaned


def _check_size(opportunity: Opportunity) -> None:
    if opportunity.size_amount is not None and not opportunity.currency:
        raise Refused(
            _("Give the currency of the project size (ISO 4217 code, e.g. USD)."),
            code="currency_required",
            field="currency",
        )


@dataclass(frozen=True)
class UsdConversion:
    """The size in US dollars and where it comes from; `amount` None with `reason` when the
    size cannot be converted."""

    amount: Decimal | None
    year: int | None
    rate: ExchangeRate | None
    reason: str


def usd_conversion(opportunity: Opportunity, *, year: int) -> UsdConversion:
    """Convert at the World Bank's annual average rate of the latest year, up to `year`, for
    which a rate of the currency is recorded (`statistics.ExchangeRate`)."""
    if opportunity.size_amount is None:
        return UsdConversion(None, None, None, _("The project size is not given."))
    if opportunity.currency == "USD":
        return UsdConversion(opportunity.size_amount, None, None, _("Given in US dollars."))
    if not opportunity.currency:
        return UsdConversion(None, None, None, _("The currency is not given."))
    rate = (
        ExchangeRate.objects.filter(currency=opportunity.currency, year__lte=year)
        .select_related("source")
        .order_by("-year")
        .first()
    )
    if rate is None:
        return UsdConversion(
            None,
            None,
            None,
            _("No annual exchange rate of %(currency)s to the US dollar is recorded.")
            % {"currency": opportunity.currency},
        )
    amount = (opportunity.size_amount / rate.lcu_per_usd).quantize(Decimal("0.01"))
    return UsdConversion(
        amount,
        rate.year,
        rate,
        _("Converted at the %(year)s annual average rate, %(rate)s %(currency)s per US dollar.")
        % {"year": rate.year, "rate": rate.lcu_per_usd.normalize(), "currency": rate.currency},
    )


def _convert(opportunity: Opportunity, now: datetime) -> None:
    conversion = usd_conversion(opportunity, year=_today(now).year)
    opportunity.size_usd = conversion.amount
    opportunity.size_usd_rate_year = conversion.year


def _contact_for(by: Any, state: MemberState, day: date) -> Position | None:
    """The host state's focal-point position: the acting user's own current one, else one
    that someone holds today (when the secretariat prepares a draft)."""
    holdings = PositionHolding.objects.current(day).filter(
        position__is_focal_point=True, position__member_state=state
    )
    own = holdings.filter(person__user=by).order_by("position_id").first() if by else None
    # Else prefer a holder with an account on the platform (who can follow up the leads).
    with_account = holdings.filter(person__user__isnull=False, person__user__is_active=True)
    chosen = own or with_account.order_by("position_id").first() or holdings.first()
    return chosen.position if chosen is not None else None


def _new_slug(title: str, state: MemberState) -> str:
    base = (slugify(title)[:120].strip("-") or "opportunity") + f"-{state.code.lower()}"
    slug, n = base, 1
    while Opportunity.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _save(opportunity: Opportunity, by: Any, reason: str) -> None:
    opportunity._history_user = by
    opportunity._change_reason = reason
    opportunity.save()


def _secretariat_users() -> list[Any]:
    return list(get_user_model().objects.filter(is_staff=True, is_active=True))


def host_focal_points(opportunity: Opportunity, day: date) -> list[Any]:
    return focal_point_users([opportunity.host_state.code], body_ids=[], day=day)


# --------------------------------------------------------------------------- drafts


@transaction.atomic
def opportunity_create(
    *, by: Any, host_state: MemberState, now: datetime | None = None, **fields: Any
) -> Opportunity:
    """A new draft of the host state, by one of its focal points or the secretariat."""
    now = now or timezone.now()
    day = _today(now)
    _require_manager(by, host_state, day)
    if not MemberState.objects.members_on(day).filter(pk=host_state.pk).exists():
        raise Refused(
            _("%(state)s is not a member state today.") % {"state": host_state.name},
            code="not_a_member",
            field="host_state",
        )
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name in FIELDS:
        fields.setdefault(name, None if name in ("size_amount", "valid_until") else "")
    cleaned = _clean(fields)
    opportunity = Opportunity(
        host_state=host_state,
        slug=_new_slug(cleaned["title"], host_state),
        created_by=by,
        created_at=now,
        contact=_contact_for(by, host_state, day),
        **cleaned,
    )
    _check_size(opportunity)
    _convert(opportunity, now)
    _save(opportunity, by, "created")
    return opportunity


@transaction.atomic
def opportunity_update(
    *, by: Any, opportunity: Opportunity, now: datetime | None = None, **fields: Any
) -> Opportunity:
    """Change a draft or a returned opportunity (the host state's focal points, the
    secretariat). The host state does not change."""
    now = now or timezone.now()
    locked = _locked(opportunity)
    _require_manager(by, locked.host_state, _today(now))
    _require_status(
        locked, EDITABLE, _("An opportunity that is %(status)s cannot be edited any more.")
    )
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in _clean(fields).items():
        setattr(locked, name, value)
    _check_size(locked)
    _convert(locked, now)
    _save(locked, by, "updated")
    return locked


@transaction.atomic
def opportunity_document_add(
    *, by: Any, opportunity: Opportunity, title: str, file: Any, now: datetime | None = None
) -> OpportunityDocument:
    """Attach a document (checked by content; its SHA-256 kept) to an opportunity that is not
    closed, by a focal point of the host state or the secretariat."""
    now = now or timezone.now()
    locked = _locked(opportunity)
    _require_manager(by, locked.host_state, _today(now))
    if locked.status == Status.CLOSED:
        raise Conflict(
            _("The opportunity is closed; no document can be added."), code="wrong_status"
        )
    title = " ".join((title or "").split())
    if not file:
        raise Refused(_("Choose a file to upload."), code="required", field="file")
    if not title:
        title = file.name[:200]
    if len(title) > 200:
        raise Refused(_("The title is too long: at most 200 characters."), field="title")
    try:
        validate_attachment(file)
    except ValidationError as error:
        raise Refused(" ".join(error.messages), code="invalid_file", field="file") from None
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    document = OpportunityDocument(
        opportunity=locked,
        title=title,
        file=file,
        sha256=digest.hexdigest(),
        uploaded_by=by,
        uploaded_at=now,
    )
    document._history_user = by
    document.save()
    return document


# --------------------------------------------------------------------------- life cycle


@transaction.atomic
def opportunity_submit(
    *, by: Any, opportunity: Opportunity, now: datetime | None = None
) -> Opportunity:
    """A focal point of the host state submits a draft (or a returned one) for vetting; the
    secretariat is notified. The validity date must still be ahead."""
    now = now or timezone.now()
    day = _today(now)
    locked = _locked(opportunity)
    state = locked.host_state
    if not can_answer_for_state(by, state.code, on=day):
        if is_secretariat(by):
            message = _("Only a focal point of %(state)s submits its opportunities.")
        else:
            message = _("Only a focal point of %(state)s may submit this opportunity.")
        raise NotAllowed(message % {"state": state.name})
    _require_status(
        locked, SUBMITTABLE, _("An opportunity that is %(status)s cannot be submitted.")
    )
    if locked.valid_until is None or locked.valid_until <= day:
        raise Refused(
            _("The validity date must be after today (%(today)s).") % {"today": day.isoformat()},
            code="validity_in_past",
            field="valid_until",
        )
    _check_size(locked)
    _convert(locked, now)
    locked.contact = _contact_for(by, state, day) or locked.contact
    locked.status = Status.SUBMITTED
    locked.submitted_at = now
    _save(locked, by, "submitted")

    def message() -> tuple[str, str]:
        subject = _("To vet: %(title)s") % {"title": locked.title}
        text = _(
            "%(state)s has submitted the investment opportunity “%(title)s” for vetting. "
            "Publish it or return it with your reasons."
        ) % {"state": state.name, "title": locked.title}
        return subject, text

    notify(
        _secretariat_users(),
        kind=Kind.OPPORTUNITY_SUBMITTED,
        key=f"opportunity-submitted:{locked.pk}:{now.timestamp():.0f}",
        message=message,
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def opportunity_vet(
    *,
    by: Any,
    opportunity: Opportunity,
    publish: bool,
    reasons: str = "",
    now: datetime | None = None,
) -> Opportunity:
    """The secretariat publishes a submitted opportunity or returns it with its reasons; the
    submitter and the host state's focal points are told."""
    now = now or timezone.now()
    day = _today(now)
    if not is_secretariat(by):
        raise NotAllowed(_("Only the secretariat vets opportunities."))
    locked = _locked(opportunity)
    _require_status(
        locked,
        (Status.SUBMITTED,),
        _("Only a submitted opportunity is vetted; this one is %(status)s."),
    )
    reasons = (reasons or "").strip()
    if publish:
        if locked.valid_until <= day:
            raise Conflict(
                _("Its validity date, %(date)s, has passed; return it so a new date is set.")
                % {"date": locked.valid_until.isoformat()},
                code="validity_in_past",
            )
        locked.status = Status.PUBLISHED
        locked.published_at = locked.published_at or now
        locked.return_reasons = ""
    else:
        if not reasons:
            raise Refused(
                _("Give the reasons for returning the opportunity."),
                code="reasons_required",
                field="reasons",
            )
        locked.status = Status.RETURNED
        locked.return_reasons = reasons
    locked.vetted_by = by
    locked.vetted_at = now
    _save(locked, by, "published" if publish else "returned")

    submitter = (
        locked.history.filter(history_change_reason="submitted")
        .order_by("-history_date")
        .values_list("history_user_id", flat=True)
        .first()
    )
    recipients = host_focal_points(locked, day)
    if submitter is not None:
        recipients += list(get_user_model().objects.filter(pk=submitter))

    def message() -> tuple[str, str]:
        if publish:
            subject = _("Published: %(title)s") % {"title": locked.title}
            text = _(
                "The secretariat has published the investment opportunity “%(title)s”. "
                "Investors can now find it."
            ) % {"title": locked.title}
        else:
            subject = _("Returned: %(title)s") % {"title": locked.title}
            text = _(
                "The secretariat has returned the investment opportunity “%(title)s” with "
                "these reasons:\n\n%(reasons)s\n\nEdit it and submit it again."
            ) % {"title": locked.title, "reasons": reasons}
        return subject, text

    notify(
        recipients,
        kind=Kind.OPPORTUNITY_VETTED,
        key=f"opportunity-vetted:{locked.pk}:{now.timestamp():.0f}",
        message=message,
        url=locked.get_absolute_url(),
    )
    return locked


@transaction.atomic
def opportunity_renew(
    *, by: Any, opportunity: Opportunity, valid_until: date | None, now: datetime | None = None
) -> Opportunity:
    """A new validity date (after today) for a published or expired opportunity, which is
    (again) published."""
    now = now or timezone.now()
    day = _today(now)
    locked = _locked(opportunity)
    _require_manager(by, locked.host_state, day)
    _require_status(
        locked,
        RENEWABLE,
        _("Only a published or expired opportunity is renewed; this one is %(status)s."),
    )
    if not isinstance(valid_until, date) or valid_until <= day:
        raise Refused(
            _("The new validity date must be after today (%(today)s).")
            % {"today": day.isoformat()},
            code="validity_in_past",
            field="valid_until",
        )
    locked.valid_until = valid_until
    locked.status = Status.PUBLISHED
    locked.renewals += 1
    _save(locked, by, "renewed")
    return locked


@transaction.atomic
def opportunity_close(
    *, by: Any, opportunity: Opportunity, reason: str, now: datetime | None = None
) -> Opportunity:
    """Close a published or expired opportunity, with the reason (e.g. an investor found)."""
    now = now or timezone.now()
    locked = _locked(opportunity)
    _require_manager(by, locked.host_state, _today(now))
    _require_status(
        locked,
        CLOSABLE,
        _("Only a published or expired opportunity is closed; this one is %(status)s."),
    )
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            _("Give the reason for closing the opportunity."),
            code="reason_required",
            field="reason",
        )
    locked.status = Status.CLOSED
    locked.close_reason = reason
    locked.closed_at = now
    _save(locked, by, "closed")
    return locked


# --------------------------------------------------------------------------- the clock


def opportunities_expire(now: datetime) -> int:
    """Published opportunities whose validity date has passed become expired (the day after
    `valid_until`); returns how many. Safe to run again: each one changes once."""
    day = _today(now)
    expired = 0
    due = Opportunity.objects.filter(status=Status.PUBLISHED, valid_until__lt=day)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            locked = (
                Opportunity.objects.select_for_update()
                .filter(pk=pk, status=Status.PUBLISHED, valid_until__lt=day)
                .first()
            )
            if locked is None:
                continue
            locked.status = Status.EXPIRED
            _save(locked, None, "expired by the clock")
            expired += 1
    return expired


def _reminder_label(valid_until: date, day: date) -> str | None:
    left = (valid_until - day).days
    for label, days in REMINDERS:
        if 0 <= left <= days:
            return label
    return None


def opportunities_remind_expiry(now: datetime) -> int:
    """Tell the host state's focal points 30 and 7 days before an opportunity's validity date
    ends; each reminder goes once (keyed by the validity date: a renewal starts again).
    A clock that missed days sends only the nearest reminder. Returns the notices sent."""
    day = _today(now)
    sent = 0
    latest = day + timedelta(days=max(days for _label, days in REMINDERS))
    due = Opportunity.objects.filter(
        status=Status.PUBLISHED, valid_until__gte=day, valid_until__lte=latest
    ).select_related("host_state")
    for opportunity in due:
        label = _reminder_label(opportunity.valid_until, day)
        if label is None:
            continue

        def message(opportunity: Opportunity = opportunity) -> tuple[str, str]:
            subject = _("Expires on %(date)s: %(title)s") % {
                "date": opportunity.valid_until.isoformat(),
                "title": opportunity.title,
            }
            text = _(
                "The investment opportunity “%(title)s” is valid until %(date)s. Renew it with "
                "a new validity date to keep it published, or close it."
            ) % {"title": opportunity.title, "date": opportunity.valid_until.isoformat()}
            return subject, text

        with transaction.atomic():
            sent += len(
                notify(
                    host_focal_points(opportunity, day),
                    kind=Kind.OPPORTUNITY_EXPIRING,
                    key=f"opportunity-expiring:{opportunity.pk}:"
                    f"{opportunity.valid_until.isoformat()}:{label}",
                    message=message,
                    url=opportunity.get_absolute_url(),
                )
            )
    return sent
