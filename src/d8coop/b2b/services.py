"""B2B meetings at an event: the secretariat sets the sessions (local days and times in the
event's zone, minutes per meeting, tables, how long a request stays open); participants (the
accepted or confirmed nominations, acting through their SME's maintainer or their state's focal
point) ask each other for a meeting and accept or decline; unanswered requests expire
(`requests_expire`, run by the clock); the secretariat builds the schedule, which places every
accepted request in a slot and at a table, or lists it as unscheduled with the reason, and may
freeze it. Every write is atomic, names its actor, is kept by django-simple-history and
notifies the participants concerned.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.selectors import focal_point_users
from d8coop.b2b import permissions, scheduling
from d8coop.b2b.models import (
    B2bSettings,
    MeetingRequest,
    ScheduledMeeting,
    Seat,
    Session,
    UnscheduledReason,
)
from d8coop.core.refusals import Conflict, NotAllowed, Refused
from d8coop.core.time_zones import known_time_zones, secretariat_zone
from d8coop.notifications.models import Kind
from d8coop.notifications.services import notify
from d8coop.participation.models import Event, Nomination

MAX_TABLES = 500
MAX_SLOT_MINUTES = 240
MAX_LIFETIME_HOURS = 24 * 30


# --------------------------------------------------------------------------- helpers


def _saved(obj: Any, by: Any) -> Any:
    obj._history_user = by
    obj.save()
    return obj


def _settings_of(event: Event, *, lock: bool = False) -> B2bSettings:
    query = B2bSettings.objects.filter(event=event)
    if lock:
        query = query.select_for_update()
    found = query.first()
    if found is None:
        raise Conflict(
            _("B2B meetings are not open for this event yet."), code="b2b_not_configured"
        )
    return found


def _not_frozen(b2b: B2bSettings) -> None:
    if b2b.frozen_at is not None:
        raise Conflict(
            _("The B2B schedule of this event is frozen: requests can no longer change."),
            code="schedule_frozen",
        )


def event_zone(event: Event) -> str:
    country = event.meeting.country
    return country.time_zone if country and country.time_zone else str(secretariat_zone())


def _users_of(nomination: Nomination) -> list[Any]:
    users = focal_point_users(
        [nomination.sme.member_state.code], body_ids=[], day=timezone.localdate()
    )
    if nomination.sme.maintainer is not None:
        users.append(nomination.sme.maintainer)
    return users


def _page(event: Event) -> str:
    return reverse("b2b:event", args=[event.meeting.slug])


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SessionInput:
    day: date
    starts: time
    ends: time


def b2b_configure(
    *,
    by: Any,
    event: Event,
    slot_minutes: int,
    tables: int,
    request_lifetime_hours: int,
    sessions: list[SessionInput],
    time_zone: str = "",
) -> B2bSettings:
    """Set (or change) the B2B sessions of an event: the secretariat only, before freezing.

    Sessions are local days and times in `time_zone` (default: the event's country's zone);
    they must not overlap, each must hold at least one meeting, and they must fall within the
    event's dates when the meeting has them. Meetings already scheduled in slots that no
    longer exist are dropped at the next build.
    """
    if not permissions.can_organize(by):
        raise NotAllowed(_("Only the secretariat organizes B2B meetings."))
    zone = time_zone.strip() or event_zone(event)
    _check_numbers(slot_minutes, tables, request_lifetime_hours, zone)
    _check_sessions(event, sessions, slot_minutes)
    with transaction.atomic():
        b2b = B2bSettings.objects.select_for_update().filter(event=event).first()
        if b2b is not None:
            _not_frozen(b2b)
        else:
            b2b = B2bSettings(event=event)
        b2b.time_zone = zone
        b2b.slot_minutes = slot_minutes
        b2b.tables = tables
        b2b.request_lifetime_hours = request_lifetime_hours
        b2b.configured_by = by
        b2b.configured_at = timezone.now()
        _saved(b2b, by)
        for old in b2b.sessions.all():
            old._history_user = by
            old.delete()
        for item in sorted(sessions, key=lambda s: (s.day, s.starts)):
            _saved(Session(settings=b2b, day=item.day, starts=item.starts, ends=item.ends), by)
    return b2b


def _check_numbers(slot_minutes: int, tables: int, lifetime: int, zone: str) -> None:
    if not 5 <= slot_minutes <= MAX_SLOT_MINUTES:
        raise Refused(
            _("A meeting lasts from 5 to %(max)s minutes.") % {"max": MAX_SLOT_MINUTES},
            code="invalid_slot_minutes",
            field="slot_minutes",
        )
    if not 1 <= tables <= MAX_TABLES:
        raise Refused(
            _("Give from 1 to %(max)s tables.") % {"max": MAX_TABLES},
            code="invalid_tables",
            field="tables",
        )
    if not 1 <= lifetime <= MAX_LIFETIME_HOURS:
        raise Refused(
            _("A request stays open from 1 to %(max)s hours.") % {"max": MAX_LIFETIME_HOURS},
            code="invalid_lifetime",
            field="request_lifetime_hours",
        )
    if zone not in known_time_zones():
        raise Refused(
            _("“%(name)s” is not a time zone name such as Europe/Istanbul.") % {"name": zone},
            code="unknown_time_zone",
            field="time_zone",
        )


def _check_sessions(event: Event, sessions: list[SessionInput], slot_minutes: int) -> None:
    if not sessions:
        raise Refused(
            _("Give at least one B2B session (a day, a start and an end time)."),
            code="no_sessions",
            field="sessions",
        )
    meeting = event.meeting
    ordered = sorted(sessions, key=lambda s: (s.day, s.starts))
    for index, item in enumerate(ordered):
        label = f"{item.day:%Y-%m-%d} {item.starts:%H:%M}-{item.ends:%H:%M}"
        length = datetime.combine(item.day, item.ends) - datetime.combine(item.day, item.starts)
        if length < timedelta(minutes=slot_minutes):
            raise Refused(
                _("The session %(session)s is shorter than one meeting (%(minutes)s minutes).")
                % {"session": label, "minutes": slot_minutes},
                code="session_too_short",
                field="sessions",
            )
        outside = (meeting.period_earliest and item.day < meeting.period_earliest) or (
            meeting.period_latest and item.day > meeting.period_latest
        )
        if outside:
            raise Refused(
                _("The session %(session)s is not within the dates of the event.")
                % {"session": label},
                code="session_outside_event",
                field="sessions",
            )
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if following and following.day == item.day and following.starts < item.ends:
            raise Refused(
                _("The sessions %(first)s and %(second)s overlap.")
                % {"first": label, "second": f"{following.starts:%H:%M}-{following.ends:%H:%M}"},
                code="sessions_overlap",
                field="sessions",
            )


def schedule_freeze(*, by: Any, event: Event, frozen: bool, now: datetime | None = None) -> None:
    """Freeze the schedule (no more requests or answers, no rebuild) or open it again."""
    if not permissions.can_organize(by):
        raise NotAllowed(_("Only the secretariat organizes B2B meetings."))
    with transaction.atomic():
        b2b = _settings_of(event, lock=True)
        b2b.frozen_at = (now or timezone.now()) if frozen else None
        _saved(b2b, by)


def slots_of(b2b: B2bSettings) -> list[scheduling.Slot]:
    sessions = [(s.day, s.starts, s.ends) for s in b2b.sessions.all()]
    return scheduling.session_slots(sessions, minutes=b2b.slot_minutes, zone=b2b.time_zone)


# --------------------------------------------------------------------------- requests


def request_send(
    *,
    by: Any,
    sender: Nomination,
    recipient: Nomination,
    message: str = "",
    now: datetime | None = None,
) -> MeetingRequest:
    """A participant asks another participant of the same event for a meeting.

    Refused: an actor who does not act for the sender, a sender or recipient who is not an
    accepted or confirmed participant of the event, oneself, a pair that already has an open
    (pending or accepted) request either way, B2B not set up or the schedule frozen.
    """
    now = now or timezone.now()
    event = sender.event
    if not permissions.can_act_for(by, sender):
        raise NotAllowed(_("You do not act for this participant."))
    if not permissions.is_participant(sender, event):
        raise Refused(
            _("%(sme)s is not an accepted participant of this event.") % {"sme": sender.sme},
            code="not_a_participant",
            field="sender",
        )
    if not permissions.is_participant(recipient, event):
        raise Refused(
            _("%(sme)s is not an accepted participant of this event.") % {"sme": recipient.sme},
            code="not_a_participant",
            field="recipient",
        )
    if recipient.pk == sender.pk:
        raise Refused(
            _("A participant cannot ask itself for a meeting."),
            code="to_oneself",
            field="recipient",
        )
    message = message.strip()
    if len(message) > 2000:
        raise Refused(
            _("Keep the message under 2,000 characters."), code="message_too_long", field="message"
        )
    with transaction.atomic():
        b2b = _settings_of(event, lock=True)
        _not_frozen(b2b)
        request = MeetingRequest(
            event=event, sender=sender, recipient=recipient, message=message, created_by=by,
            created_at=now, expires_at=now + timedelta(hours=b2b.request_lifetime_hours),
        )  # fmt: skip
        _refuse_open_pair(request)
        try:
            with transaction.atomic():
                _saved(request, by)
        except IntegrityError:
            raise _open_pair_conflict() from None
        _notify_request(request)
    return request


def _open_pair_conflict() -> Conflict:
    return Conflict(
        _("These two participants already have an open request; answer or cancel it first."),
        code="open_request_exists",
        field="recipient",
    )


def _refuse_open_pair(request: MeetingRequest) -> None:
    pair = {request.sender_id, request.recipient_id}
    open_ = MeetingRequest.objects.filter(
        sender_id__in=pair, recipient_id__in=pair, status__in=MeetingRequest.OPEN
    )
    if open_.exists():
        raise _open_pair_conflict()


def _notify_request(request: MeetingRequest) -> None:
    def message() -> tuple[str, str]:
        subject = _("B2B meeting request from %(sme)s") % {"sme": request.sender.sme.name}
        text = _(
            "%(sender)s asks %(recipient)s for a B2B meeting at %(event)s. Answer before "
            "%(expires)s (UTC), or the request expires."
        ) % {
            "sender": request.sender.sme.name,
            "recipient": request.recipient.sme.name,
            "event": request.event.meeting.title,
            "expires": f"{request.expires_at:%Y-%m-%d %H:%M}",
        }
        if request.message:
            text += "\n\n" + request.message
        return subject, text

    notify(
        _users_of(request.recipient),
        kind=Kind.B2B_REQUEST,
        key=f"b2b-request:{request.pk}",
        message=message,
        url=_page(request.event),
    )


def _locked_request(request: MeetingRequest) -> MeetingRequest:
    return (
        MeetingRequest.objects.select_for_update()
        .select_related(
            "event__meeting", "sender__sme__member_state", "recipient__sme__member_state"
        )
        .get(pk=request.pk)
    )


def _answer(
    *, by: Any, request: MeetingRequest, status: str, now: datetime | None
) -> MeetingRequest:
    now = now or timezone.now()
    if not permissions.can_act_for(by, request.recipient):
        raise NotAllowed(_("Only the participant asked may answer this request."))
    with transaction.atomic():
        _not_frozen(_settings_of(request.event, lock=True))
        locked = _locked_request(request)
        if locked.status != MeetingRequest.Status.PENDING:
            raise Conflict(
                _("This request is no longer awaiting an answer (it is %(status)s).")
                % {"status": locked.get_status_display().lower()},
                code="already_answered",
            )
        if locked.expires_at <= now:
            raise Conflict(_("This request has expired."), code="expired")
        for side in (locked.sender, locked.recipient):
            if not permissions.is_participant(side, locked.event):
                raise Conflict(
                    _("%(sme)s no longer takes part in this event.") % {"sme": side.sme},
                    code="not_a_participant",
                )
        locked.status = status
        locked.answered_by = by
        locked.answered_at = now
        _saved(locked, by)
        _notify_answer(locked)
    return locked


def request_accept(*, by: Any, request: MeetingRequest, now: datetime | None = None):
    """The recipient's side accepts; the meeting is placed at the next schedule build."""
    return _answer(by=by, request=request, status=MeetingRequest.Status.ACCEPTED, now=now)


def request_decline(*, by: Any, request: MeetingRequest, now: datetime | None = None):
    """The recipient's side declines; the pair may ask again later."""
    return _answer(by=by, request=request, status=MeetingRequest.Status.DECLINED, now=now)


def _notify_answer(request: MeetingRequest) -> None:
    accepted = request.status == MeetingRequest.Status.ACCEPTED

    def message() -> tuple[str, str]:
        values = {"sme": request.recipient.sme.name, "event": request.event.meeting.title}
        if accepted:
            return (
                _("%(sme)s accepted your B2B meeting request") % values,
                _("%(sme)s accepted to meet at %(event)s. The organizer will give the time and "
                  "the table in the B2B schedule.") % values,
            )  # fmt: skip
        return (
            _("%(sme)s declined your B2B meeting request") % values,
            _("%(sme)s declined to meet at %(event)s.") % values,
        )

    notify(
        _users_of(request.sender),
        kind=Kind.B2B_REQUEST,
        key=f"b2b-answer:{request.pk}",
        message=message,
        url=_page(request.event),
    )


def request_cancel(*, by: Any, request: MeetingRequest, now: datetime | None = None):
    """The sender's side withdraws a pending request; either side cancels an accepted one
    (its place in the schedule is freed). Not once the schedule is frozen."""
    now = now or timezone.now()
    with transaction.atomic():
        _not_frozen(_settings_of(request.event, lock=True))
        locked = _locked_request(request)
        sides = [locked.sender]
        if locked.status == MeetingRequest.Status.ACCEPTED:
            sides.append(locked.recipient)
        if not any(permissions.can_act_for(by, side) for side in sides):
            raise NotAllowed(_("You cannot cancel this request."))
        if locked.status not in MeetingRequest.OPEN:
            raise Conflict(_("This request is no longer open."), code="not_open")
        meeting = ScheduledMeeting.objects.filter(request=locked).first()
        if meeting is not None:
            meeting._history_user = by
            meeting.delete()
        locked.status = MeetingRequest.Status.CANCELLED
        locked.answered_by = by
        locked.answered_at = now
        locked.unscheduled_reason = ""
        _saved(locked, by)
    return locked


def requests_expire(now: datetime | None = None) -> int:
    """Expire pending requests past their time (periodic; idempotent). Returns how many."""
    now = now or timezone.now()
    count = 0
    due = MeetingRequest.objects.filter(status=MeetingRequest.Status.PENDING, expires_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            request = (
                MeetingRequest.objects.select_for_update()
                .filter(pk=pk, status=MeetingRequest.Status.PENDING, expires_at__lte=now)
                .select_related("event__meeting", "sender__sme", "recipient__sme")
                .first()
            )
            if request is None:
                continue  # answered or expired by someone else meanwhile
            request.status = MeetingRequest.Status.EXPIRED
            request.answered_at = now
            _saved(request, None)
            _notify_expired(request)
            count += 1
    return count


def _notify_expired(request: MeetingRequest) -> None:
    def message() -> tuple[str, str]:
        values = {"sme": request.recipient.sme.name, "event": request.event.meeting.title}
        return (
            _("Your B2B meeting request to %(sme)s expired") % values,
            _("%(sme)s did not answer your request to meet at %(event)s in time; you may ask "
              "again.") % values,
        )  # fmt: skip

    notify(
        _users_of(request.sender),
        kind=Kind.B2B_REQUEST,
        key=f"b2b-expired:{request.pk}",
        message=message,
        url=_page(request.event),
    )


# --------------------------------------------------------------------------- schedule


@dataclass
class BuildResult:
    kept: int = 0
    placed: int = 0
    removed: int = 0
    unscheduled: list[MeetingRequest] = field(default_factory=list)


def _reason_code(code: str, who: int | None, request: MeetingRequest) -> str:
    if code == scheduling.PARTICIPANT_FULL:
        side = who == request.sender_id
        return UnscheduledReason.SENDER_FULL if side else UnscheduledReason.RECIPIENT_FULL
    return {
        scheduling.NO_SLOTS: UnscheduledReason.NO_SLOTS,
        scheduling.NO_COMMON_SLOT: UnscheduledReason.NO_COMMON_SLOT,
        scheduling.NO_TABLE: UnscheduledReason.NO_TABLE,
    }[code]


def schedule_build(*, by: Any, event: Event, now: datetime | None = None) -> BuildResult:
    """Place every accepted request between current participants in a slot and at a table.

    Stable: a meeting already scheduled keeps its slot and table while its request is still
    accepted, both sides still take part and its slot and table still exist; the others are
    removed and the new ones placed around them (see `scheduling.assign`). A request that
    cannot be placed keeps the reason in `unscheduled_reason`; nothing is dropped silently.
    """
    now = now or timezone.now()
    if not permissions.can_organize(by):
        raise NotAllowed(_("Only the secretariat organizes B2B meetings."))
    with transaction.atomic():
        b2b = _settings_of(event, lock=True)
        _not_frozen(b2b)
        slots = slots_of(b2b)
        index = {slot.start: i for i, slot in enumerate(slots)}
        taking_part = set(permissions.participants(event).values_list("pk", flat=True))
        accepted = list(
            MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED)
            .filter(sender_id__in=taking_part, recipient_id__in=taking_part)
            .select_related("sender__sme", "recipient__sme")
            .order_by("pk")
        )
        wanted = {request.pk for request in accepted}
        result, fixed = BuildResult(), {}
        for meeting in ScheduledMeeting.objects.filter(event=event).order_by("pk"):
            slot = index.get(meeting.slot_start)
            if meeting.request_id in wanted and slot is not None and meeting.table <= b2b.tables:
                fixed[meeting.request_id] = (slot, meeting.table)
                result.kept += 1
            else:
                meeting._history_user = by
                meeting.delete()
                result.removed += 1
        pairs = [scheduling.Pair(r.pk, r.sender_id, r.recipient_id) for r in accepted]
        assignment = scheduling.assign(pairs, slot_count=len(slots), tables=b2b.tables, fixed=fixed)
        for request in accepted:
            reason = ""
            if request.pk in assignment.unscheduled:
                reason = _reason_code(*assignment.unscheduled[request.pk], request)
                result.unscheduled.append(request)
            elif request.pk not in fixed:
                slot, table = assignment.placed[request.pk]
                _place(request, slots[slot], table, by=by, now=now)
                result.placed += 1
            if request.unscheduled_reason != reason:
                request.unscheduled_reason = reason
                _saved(request, by)
        b2b.built_at, b2b.built_by = now, by
        _saved(b2b, by)
        _notify_schedules(event, taking_part)
    return result


def _place(request: MeetingRequest, slot: scheduling.Slot, table: int, *, by, now) -> None:
    meeting = _saved(
        ScheduledMeeting(
            request=request,
            event=request.event,
            slot_start=slot.start,
            slot_end=slot.end,
            table=table,
            scheduled_by=by,
            scheduled_at=now,
        ),
        by,
    )
    for nomination_id in (request.sender_id, request.recipient_id):
        _saved(Seat(meeting=meeting, nomination_id=nomination_id, slot_start=slot.start), by)


def _notify_schedules(event: Event, taking_part: set[int]) -> None:
    """Each participant whose list of meetings changed hears of it once per version."""
    seats = (
        Seat.objects.filter(meeting__event=event, nomination_id__in=taking_part)
        .order_by("nomination_id", "slot_start")
        .values_list("nomination_id", "slot_start", "meeting__table", "meeting__request_id")
    )
    lines: dict[int, list[str]] = {}
    for nomination_id, start, table, request_id in seats:
        lines.setdefault(nomination_id, []).append(f"{start.isoformat()}|{table}|{request_id}")
    nominations = Nomination.objects.filter(pk__in=lines).select_related(
        "sme__member_state", "sme__maintainer"
    )
    for nomination in nominations:
        version = hashlib.sha256("\n".join(lines[nomination.pk]).encode()).hexdigest()[:16]
        count = len(lines[nomination.pk])

        def message(nomination=nomination, count=count) -> tuple[str, str]:
            values = {"sme": nomination.sme.name, "event": event.meeting.title, "count": count}
            return (
                _("B2B schedule for %(sme)s at %(event)s") % values,
                _("The B2B schedule has been set or changed: %(sme)s has %(count)s meeting(s) "
                  "at %(event)s. See the times and tables on the B2B page; it can be printed.")
                % values,
            )  # fmt: skip

        notify(
            _users_of(nomination),
            kind=Kind.B2B_SCHEDULE,
            key=f"b2b-schedule:{nomination.pk}:{version}",
            message=message,
            url=reverse("b2b:print", args=[event.meeting.slug, nomination.pk]),
        )
