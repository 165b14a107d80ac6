"""Participation in exhibitions and workshops: every write, for the pages and the API alike.

The secretariat (the organizer) opens registration for a meeting of kind exhibition or workshop
(a window that closes before the meeting starts, a default quota per member state and an
optional capacity) and may give a state its own quota. Only a focal point of the SME's member
state nominates a validated SME of that state, inside the window and within the state's quota:
nominations neither withdrawn nor declined count. The quota holds under concurrent nominations:
each nomination locks the event row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serialises
writers) before counting. The organizer accepts (beyond the capacity: the waiting list), puts on
the waiting list or declines with a reason; when an accepted participant withdraws, the first on
the waiting list moves up. The SME's maintainer or the state's focal point confirms attendance;
after the meeting the organizer records attendance and participants answer a short survey once.
Every write is atomic, names its actor and is kept by django-simple-history.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import can_answer_for_state, is_secretariat
from d8coop.cooperation.models import Meeting
from d8coop.core.refusals import Conflict, NotAllowed, Refused
from d8coop.directory.models import SmeProfile
from d8coop.members.models import MemberState
from d8coop.notifications.models import Kind
from d8coop.notifications.services import notify
from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer

Status = Nomination.Status
EVENT_KINDS = (Meeting.Kind.EXHIBITION, Meeting.Kind.WORKSHOP)
# Nominations that hold one of the state's places.
NOT_COUNTING = (Status.WITHDRAWN, Status.DECLINED)
# Nominations that hold one of the event's places.
TAKING_PLACE = (Status.ACCEPTED, Status.CONFIRMED)
WITHDRAWABLE = (Status.NOMINATED, Status.ACCEPTED, Status.WAITLISTED, Status.CONFIRMED)
MAX_NUMBER = 100_000


# --------------------------------------------------------------------------- refusals


# --------------------------------------------------------------------------- dates


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def meeting_starts(meeting: Meeting) -> datetime | None:
    """The start of the meeting's first day, in the secretariat's zone (None if undated)."""
    return _day_start(meeting.period_earliest) if meeting.period_earliest else None


def meeting_ends(meeting: Meeting) -> datetime | None:
    """The end of the meeting's last day (the start of the next one)."""
    last = meeting.period_latest or meeting.period_earliest
    return _day_start(last + timedelta(days=1)) if last else None


def is_over(event: Event, now: datetime) -> bool:
    ends = meeting_ends(event.meeting)
    return ends is not None and now >= ends


def has_started(event: Event, now: datetime) -> bool:
    starts = meeting_starts(event.meeting)
    return starts is not None and now >= starts


def registration_is_open(event: Event, now: datetime) -> bool:
    return event.registration_opens <= now < event.registration_closes


def _when(instant: datetime) -> str:
    return timezone.localtime(instant).strftime("%Y-%m-%d %H:%M %Z")


# --------------------------------------------------------------------------- helpers


def _organizer_only(by: Any, message: str) -> None:
    if not is_secretariat(by):
        raise NotAllowed(message)


def _lock_event(event: Event) -> Event:
    """The event row, locked until the transaction ends (PostgreSQL; SQLite serialises)."""
    return Event.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=event.pk)


def _lock_nomination(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("event__meeting", "member_state", "sme__maintainer", "nominated_by")
        .get(pk=nomination.pk)
    )


def quota_for(event: Event, state: MemberState) -> int:
    places = Quota.objects.filter(event=event, member_state=state).values_list("places", flat=True)
    return places.first() if places.exists() else event.default_quota


def counted_nominations(event: Event, state: MemberState) -> int:
    """The state's nominations that hold one of its places (neither withdrawn nor declined)."""
    return (
        Nomination.objects.filter(event=event, member_state=state)
        .exclude(status__in=NOT_COUNTING)
        .count()
    )


def places_taken(event: Event) -> int:
    return Nomination.objects.filter(event=event, status__in=TAKING_PLACE).count()


def speaks_for(user: Any, nomination: Nomination) -> bool:
    """A focal point of the nomination's state (for the meeting's body)."""
    return can_answer_for_state(
        user, nomination.member_state.code, body_id=nomination.event.meeting.body_id
    )


def keeps_profile(user: Any, nomination: Nomination) -> bool:
    maintainer = nomination.sme.maintainer_id
    return bool(user and user.is_authenticated and maintainer and maintainer == user.pk)


def _whole(value: Any, field: str, *, low: int, label: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused(
            _("%(label)s must be a whole number.") % {"label": label}, code="invalid", field=field
        ) from None
    if number < low or number > MAX_NUMBER:
        raise Refused(
            _("%(label)s must be between %(low)s and %(high)s.")
            % {"label": label, "low": low, "high": MAX_NUMBER},
            code="out_of_range",
            field=field,
        )
    return number


# --------------------------------------------------------------------------- notices


def _recipients(nomination: Nomination) -> list[Any]:
    """The nominating focal point and the SME's maintainer, if any."""
    people = [nomination.nominated_by]
    if nomination.sme.maintainer is not None:
        people.append(nomination.sme.maintainer)
    return people


def event_url(event: Event) -> str:
    return reverse("participation:event", args=[event.meeting.slug])


def _notify_decision(nomination: Nomination) -> None:
    status = nomination.status
    sme, meeting = nomination.sme.name, nomination.event.meeting.title
    stamp = int((nomination.decided_at or timezone.now()).timestamp())

    def message() -> tuple[str, str]:
        values = {"sme": sme, "event": meeting}
        if status == Status.ACCEPTED:
            subject = _("%(sme)s is accepted at %(event)s") % values
            body = (
                _(
                    "%(sme)s is accepted at %(event)s. Please confirm attendance on the event's "
                    "participation page."
                )
                % values
            )
        elif status == Status.WAITLISTED:
            values["position"] = nomination.waitlist_position
            subject = _("%(sme)s is on the waiting list for %(event)s") % values
            body = (
                _(
                    "%(sme)s is number %(position)s on the waiting list for %(event)s. You will be "
                    "told if a place becomes free."
                )
                % values
            )
        else:
            values["reason"] = nomination.reason
            subject = _("%(sme)s is not accepted at %(event)s") % values
            body = _("%(sme)s is not accepted at %(event)s. Reason: %(reason)s") % values
        return subject, body

    notify(
        _recipients(nomination),
        kind=Kind.NOMINATION,
        key=f"nomination:{nomination.pk}:{status}:{stamp}",
        message=message,
        url=event_url(nomination.event),
    )


# --------------------------------------------------------------------------- the organizer


def _check_settings(
    meeting: Meeting, opens: datetime, closes: datetime, default_quota: Any, capacity: Any
) -> tuple[int, int | None]:
    if meeting.kind not in EVENT_KINDS:
        raise Refused(
            _("Participation is for exhibitions and workshops; this is a %(kind)s.")
            % {"kind": meeting.get_kind_display()},
            code="not_an_event",
            field="meeting",
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(_("The meeting is cancelled."), code="cancelled", field="meeting")
    starts = meeting_starts(meeting)
    if starts is None:
        raise Refused(
            _("The meeting has no dates yet; give it dates before opening registration."),
            code="undated",
            field="meeting",
        )
    if opens >= closes:
        raise Refused(
            _("Registration must open before it closes."),
            code="window_inverted",
            field="registration_closes",
        )
    if closes > starts:
        raise Refused(
            _("Registration must close before the meeting starts (%(start)s).")
            % {"start": _when(starts)},
            code="closes_after_start",
            field="registration_closes",
        )
    quota = _whole(default_quota, "default_quota", low=1, label=_("Places per member state"))
    if capacity in (None, ""):
        return quota, None
    return quota, _whole(capacity, "capacity", low=1, label=_("Places in all"))


def event_open(
    *,
    by: Any,
    meeting: Meeting,
    registration_opens: datetime,
    registration_closes: datetime,
    default_quota: Any,
    capacity: Any = None,
    notes: str = "",
) -> Event:
    """Open registration for an exhibition or workshop (the secretariat only)."""
    _organizer_only(by, _("Only the secretariat opens registration for an event."))
    quota, places = _check_settings(
        meeting, registration_opens, registration_closes, default_quota, capacity
    )
    with transaction.atomic():
        if Event.objects.filter(meeting=meeting).exists():
            raise Conflict(
                _("Registration is already open for this meeting; change its settings instead."),
                code="already_open",
            )
        return Event.objects.create(
            meeting=meeting, registration_opens=registration_opens,
            registration_closes=registration_closes, default_quota=quota, capacity=places,
            notes=notes.strip(), created_by=by,
        )  # fmt: skip


def event_update(
    *,
    by: Any,
    event: Event,
    registration_opens: datetime,
    registration_closes: datetime,
    default_quota: Any,
    capacity: Any = None,
    notes: str = "",
) -> Event:
    """Change an event's window, default quota, capacity or notes (the secretariat only)."""
    _organizer_only(by, _("Only the secretariat changes an event's settings."))
    quota, places = _check_settings(
        event.meeting, registration_opens, registration_closes, default_quota, capacity
    )
    with transaction.atomic():
        locked = _lock_event(event)
        locked.registration_opens = registration_opens
        locked.registration_closes = registration_closes
        locked.default_quota = quota
        locked.capacity = places
        locked.notes = notes.strip()
        locked.save()
    return locked


def quota_set(*, by: Any, event: Event, member_state: MemberState, places: Any) -> Quota:
    """Give a member state its own number of places; never fewer than it already uses."""
    _organizer_only(by, _("Only the secretariat sets quotas."))
    number = _whole(places, "places", low=0, label=_("Places"))
    with transaction.atomic():
        _lock_event(event)
        used = counted_nominations(event, member_state)
        if number < used:
            raise Conflict(
                _(
                    "%(state)s already has %(used)s nominations at this event; the quota cannot "
                    "be lower."
                )
                % {"state": member_state.name, "used": used},
                code="below_nominations",
                field="places",
            )
        quota, _created = Quota.objects.update_or_create(
            event=event, member_state=member_state, defaults={"places": number}
        )
    return quota


# --------------------------------------------------------------------------- focal points


def nomination_create(
    *, by: Any, event: Event, sme: SmeProfile, note: str = "", now: datetime | None = None
) -> Nomination:
    """A focal point of the SME's member state nominates it, inside the window and the quota."""
    now = now or timezone.now()
    state = sme.member_state
    if not can_answer_for_state(by, state.code, body_id=event.meeting.body_id):
        raise NotAllowed(
            _("Only a focal point of %(state)s nominates its SMEs.") % {"state": state.name},
            field="sme",
        )
    if sme.status != SmeProfile.Status.VALIDATED:
        raise Refused(
            _("%(sme)s is not validated; validate its profile before nominating it.")
            % {"sme": sme.name},
            code="sme_not_validated",
            field="sme",
        )
    if now < event.registration_opens:
        raise Conflict(
            _("Registration opens on %(when)s.") % {"when": _when(event.registration_opens)},
            code="not_yet_open",
        )
    if now >= event.registration_closes:
        raise Conflict(
            _("Registration closed on %(when)s.") % {"when": _when(event.registration_closes)},
            code="closed",
        )
    with transaction.atomic():
        locked = _lock_event(event)
        existing = Nomination.objects.filter(event=locked, sme=sme).first()
        if existing is not None and existing.status != Status.WITHDRAWN:
            raise Conflict(
                _("%(sme)s is already nominated for this event (%(status)s).")
                % {"sme": sme.name, "status": existing.get_status_display()},
                code="already_nominated",
                field="sme",
            )
        quota = quota_for(locked, state)
        if counted_nominations(locked, state) >= quota:
            raise Conflict(
                _(
                    "%(state)s has used its quota of %(quota)s places at this event; withdraw "
                    "a nomination first."
                )
                % {"state": state.name, "quota": quota},
                code="quota_reached",
                field="sme",
            )
        if existing is not None:  # nominated again after a withdrawal
            existing.status = Status.NOMINATED
            existing.note = note.strip()
            existing.nominated_by = by
            existing.nominated_at = now
            existing.decided_by = existing.decided_at = existing.confirmed_at = None
            existing.waitlist_position = None
            existing.reason = ""
            existing.save()
            return existing
        return Nomination.objects.create(
            event=locked, member_state=state, sme=sme, note=note.strip(), nominated_by=by,
            nominated_at=now,
        )  # fmt: skip


def _promote_from_waiting_list(event: Event, by: Any, now: datetime) -> Nomination | None:
    """Move the first on the waiting list up if a place is free (event row locked)."""
    if event.capacity is not None and places_taken(event) >= event.capacity:
        return None
    first = (
        Nomination.objects.select_for_update()
        .filter(event=event, status=Status.WAITLISTED)
        .order_by("waitlist_position", "pk")
        .first()
    )
    if first is None:
        return None
    first.status = Status.ACCEPTED
    first.waitlist_position = None
    first.decided_by = by
    first.decided_at = now
    first.save()
    first = _lock_nomination(first)
    _notify_decision(first)
    return first


def nomination_withdraw(
    *, by: Any, nomination: Nomination, now: datetime | None = None
) -> Nomination:
    """The state's focal point withdraws a nomination before the event starts; a place it held
    goes to the first on the waiting list."""
    now = now or timezone.now()
    if not speaks_for(by, nomination):
        raise NotAllowed(_("Only a focal point of the nominating state withdraws a nomination."))
    with transaction.atomic():
        event = _lock_event(nomination.event)
        locked = _lock_nomination(nomination)
        if has_started(event, now):
            raise Conflict(_("The event has started; nominations can no longer be withdrawn."),
                           code="started")  # fmt: skip
        if locked.status not in WITHDRAWABLE:
            raise Conflict(
                _("A nomination that is %(status)s cannot be withdrawn.")
                % {"status": locked.get_status_display().lower()},
                code="wrong_status",
            )
        held_place = locked.status in TAKING_PLACE
        locked.status = Status.WITHDRAWN
        locked.waitlist_position = None
        locked.save()
        if held_place:
            _promote_from_waiting_list(event, by, now)
    return locked


def nomination_confirm(
    *, by: Any, nomination: Nomination, now: datetime | None = None
) -> Nomination:
    """The SME's maintainer or the state's focal point confirms attendance of an accepted SME."""
    now = now or timezone.now()
    if not (keeps_profile(by, nomination) or speaks_for(by, nomination)):
        raise NotAllowed(
            _("Only the SME's contact or a focal point of its state confirms attendance.")
        )
    with transaction.atomic():
        event = _lock_event(nomination.event)
        locked = _lock_nomination(nomination)
        if locked.status != Status.ACCEPTED:
            raise Conflict(
                _("Only an accepted nomination is confirmed; this one is %(status)s.")
                % {"status": locked.get_status_display().lower()},
                code="wrong_status",
            )
        if has_started(event, now):
            raise Conflict(_("The event has started."), code="started")
        locked.status = Status.CONFIRMED
        locked.confirmed_at = now
        locked.save()
    return locked


# --------------------------------------------------------------------------- decisions


def _decide(nomination: Nomination, by: Any, now: datetime, allowed: tuple[str, ...]) -> tuple:
    event = _lock_event(nomination.event)
    locked = _lock_nomination(nomination)
    if locked.status not in allowed:
        raise Conflict(
            _("This nomination is %(status)s; that decision does not apply.")
            % {"status": locked.get_status_display().lower()},
            code="wrong_status",
        )
    if has_started(event, now):
        raise Conflict(_("The event has started; decisions are closed."), code="started")
    locked.decided_by = by
    locked.decided_at = now
    return event, locked


def _to_waiting_list(event: Event, nomination: Nomination) -> None:
    last = Nomination.objects.filter(event=event, status=Status.WAITLISTED).aggregate(
        last=Max("waitlist_position")
    )["last"]
    nomination.status = Status.WAITLISTED
    nomination.waitlist_position = (last or 0) + 1


def nomination_accept(
    *, by: Any, nomination: Nomination, now: datetime | None = None
) -> Nomination:
    """Accept within the capacity; beyond it the nomination goes to the waiting list."""
    _organizer_only(by, _("Only the secretariat accepts nominations."))
    now = now or timezone.now()
    with transaction.atomic():
        event, locked = _decide(nomination, by, now, (Status.NOMINATED, Status.WAITLISTED))
        if event.capacity is not None and places_taken(event) >= event.capacity:
            if locked.status == Status.WAITLISTED:
                raise Conflict(
                    _("All %(capacity)s places are taken; the nomination stays on the waiting "
                      "list.") % {"capacity": event.capacity},
                    code="full",
                )  # fmt: skip
            _to_waiting_list(event, locked)
        else:
            locked.status = Status.ACCEPTED
            locked.waitlist_position = None
        locked.reason = ""
        locked.save()
        _notify_decision(locked)
    return locked


def nomination_waitlist(
    *, by: Any, nomination: Nomination, now: datetime | None = None
) -> Nomination:
    _organizer_only(by, _("Only the secretariat keeps the waiting list."))
    now = now or timezone.now()
    with transaction.atomic():
        event, locked = _decide(nomination, by, now, (Status.NOMINATED,))
        _to_waiting_list(event, locked)
        locked.save()
        _notify_decision(locked)
    return locked


def nomination_decline(
    *, by: Any, nomination: Nomination, reason: str, now: datetime | None = None
) -> Nomination:
    _organizer_only(by, _("Only the secretariat declines nominations."))
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise Refused(
            _("Give the reason for not accepting the nomination."),
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        _event, locked = _decide(nomination, by, now, (Status.NOMINATED, Status.WAITLISTED))
        locked.status = Status.DECLINED
        locked.waitlist_position = None
        locked.reason = reason
        locked.save()
        _notify_decision(locked)
    return locked


def attendance_mark(
    *, by: Any, nomination: Nomination, attended: bool, now: datetime | None = None
) -> Nomination:
    """After the meeting, the organizer records who came (and may correct it)."""
    _organizer_only(by, _("Only the secretariat records attendance."))
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(nomination.event)
        locked = _lock_nomination(nomination)
        if not is_over(event, now):
            raise Conflict(_("Attendance is recorded after the event ends."), code="not_over")
        allowed = (*TAKING_PLACE, Status.ATTENDED, Status.NO_SHOW)
        if locked.status not in allowed:
            raise Conflict(
                _("Only accepted participants attend; this nomination is %(status)s.")
                % {"status": locked.get_status_display().lower()},
                code="wrong_status",
            )
        if attended is False and hasattr(locked, "survey_answer"):
            raise Conflict(_("This participant answered the survey."), code="answered")
        locked.status = Status.ATTENDED if attended else Status.NO_SHOW
        locked.decided_by = by
        locked.decided_at = now
        locked.save()
    return locked


# --------------------------------------------------------------------------- after the event


def survey_answer(
    *,
    by: Any,
    nomination: Nomination,
    contacts_made: Any,
    deals_expected: Any,
    comments: str = "",
    now: datetime | None = None,
) -> SurveyAnswer:
    """The SME's maintainer or its state's focal point answers once, after the event, for a
    participant who attended."""
    now = now or timezone.now()
    if not (keeps_profile(by, nomination) or speaks_for(by, nomination)):
        raise NotAllowed(
            _("Only the SME's contact or a focal point of its state answers the survey.")
        )
    contacts = _whole(contacts_made, "contacts_made", low=0, label=_("Business contacts made"))
    deals = _whole(deals_expected, "deals_expected", low=0, label=_("Deals expected"))
    with transaction.atomic():
        event = _lock_event(nomination.event)
        locked = _lock_nomination(nomination)
        if not is_over(event, now):
            raise Conflict(_("The survey opens after the event ends."), code="not_over")
        if locked.status != Status.ATTENDED:
            raise Conflict(
                _("Only participants who attended answer the survey."), code="not_attended"
            )
        if SurveyAnswer.objects.filter(nomination=locked).exists():
            raise Conflict(_("The survey is already answered for this participant."),
                           code="already_answered")  # fmt: skip
        return SurveyAnswer.objects.create(
            nomination=locked, contacts_made=contacts, deals_expected=deals,
            comments=(comments or "").strip(), answered_by=by, answered_at=now,
        )  # fmt: skip


def participation_send_survey_invitations(now: datetime | None = None) -> list[Nomination]:
    """Periodic: invite each attended participant of a finished event to the survey, once.

    Each nomination is claimed by a conditional UPDATE before its notice is written, so two
    clocks at once invite nobody twice (and the notice key backs it)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Nomination.objects.filter(
        status=Status.ATTENDED,
        survey_invited_at__isnull=True,
        survey_answer__isnull=True,
    ).filter(
        Q(event__meeting__period_latest__lt=today)
        | Q(event__meeting__period_latest__isnull=True, event__meeting__period_earliest__lt=today)
    )
    invited = []
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = Nomination.objects.filter(pk=pk, survey_invited_at__isnull=True).update(
                survey_invited_at=now
            )
            if not claimed:
                continue
            nomination = Nomination.objects.select_related(
                "event__meeting", "sme__maintainer", "nominated_by", "member_state"
            ).get(pk=pk)
            sme, meeting = nomination.sme.name, nomination.event.meeting.title

            def message(sme=sme, meeting=meeting) -> tuple[str, str]:
                values = {"sme": sme, "event": meeting}
                return (
                    _("How did %(event)s go for %(sme)s?") % values,
                    _(
                        "Please answer the short survey for %(sme)s after %(event)s: business "
                        "contacts made and deals expected."
                    )
                    % values,
                )

            notify(
                _recipients(nomination),
                kind=Kind.EVENT_SURVEY,
                key=f"nomination:{pk}:survey",
                message=message,
                url=event_url(nomination.event),
            )
            invited.append(nomination)
    return invited
