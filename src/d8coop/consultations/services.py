"""Consultations by silence procedure (tacit approval).

The secretariat circulates a draft (a text version, with an optional file) to member states
with an absolute deadline, computed once from a duration or taken from a local date-time in a
declared zone (see `deadlines`). Only a state's focal point answers for it: no objection,
comment, objection or amendment; which kinds break silence is frozen at circulation. The latest
answer before the deadline counts; every answer is kept; late answers and answers to a closed
round are refused and change nothing. At the deadline (`consultations_close_due`, run by the
clock and by `d8coop consultations close-due`) each round closes exactly once: a conditional
UPDATE lets one closer win and the one-result-per-round constraint backs it; silent states are
recorded as tacit acceptance, the result (adopted / not adopted) and a circular are written and
every participant is notified. A consultation may close a round at once when silence is broken
(as the OSCE does), and a broken round may be followed by a new round on a revised text.
Every write is atomic, names its actor and is kept by django-simple-history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import can_answer_for_state, is_secretariat
from d8coop.accounts.selectors import focal_point_users
from d8coop.consultations import deadlines
from d8coop.consultations.circulars import write_circular
from d8coop.consultations.files import CheckedFile, FileRefused, check_file
from d8coop.consultations.formatting import in_zone
from d8coop.consultations.models import (
    Answer,
    AnswerKind,
    Circular,
    Consultation,
    Dispatch,
    PositionKind,
    Result,
    ResultOutcome,
    Round,
    StatePosition,
    Version,
)
from d8coop.cooperation.models import Body, Outcome
from d8coop.core.refusals import Conflict, NotAllowed, Refused
from d8coop.core.time_zones import secretariat_zone
from d8coop.members.models import MemberState
from d8coop.notifications.models import Kind
from d8coop.notifications.services import notify

DEFAULT_BREAKING_KINDS = (AnswerKind.OBJECTION, AnswerKind.AMENDMENT)
BREAKABLE_KINDS = {AnswerKind.COMMENT, AnswerKind.OBJECTION, AnswerKind.AMENDMENT}
REMINDERS = (("7d", timedelta(days=7)), ("1d", timedelta(days=1)))


# --------------------------------------------------------------------------- refusals


class TooLate(Refused):
    """The deadline has passed or the round is closed."""

    code = "deadline_passed"
    status = 409


# --------------------------------------------------------------------------- helpers


def secretariat_weekend_days() -> frozenset[int]:
    """The secretariat's weekend, from the member state it sits in (Türkiye: Sat-Sun)."""
    code = settings.SECRETARIAT_COUNTRY
    days = MemberState.objects.filter(code=code).values_list("weekend_days", flat=True).first()
    return frozenset(days if days is not None else (5, 6))


def _checked(upload: Any, field: str) -> CheckedFile | None:
    if not upload:
        return None
    try:
        return check_file(upload)
    except FileRefused as refusal:
        raise Refused(refusal.message, code="invalid_file", field=field) from None


def _file_fields(checked: CheckedFile | None) -> dict[str, Any]:
    if checked is None:
        return {}
    return {
        "file": checked.file,
        "file_name": checked.name,
        "file_size": checked.size,
        "file_sha256": checked.sha256,
    }


def _deadline(
    *,
    now: datetime,
    duration: str,
    deadline_local: datetime | None,
    time_zone: str,
    move_off_weekend: bool,
) -> tuple[deadlines.Deadline, str]:
    """The deadline and the text it was declared as; refused if unreadable or not ahead."""
    weekend = secretariat_weekend_days() if move_off_weekend else frozenset()
    if bool(duration.strip()) == (deadline_local is not None):
        raise Refused(
            _("Give the deadline either as a duration or as a local date and time, not both."),
            code="invalid_deadline",
            field="duration",
        )
    try:
        if deadline_local is not None:
            deadline = deadlines.deadline_at(deadline_local, zone=time_zone, weekend_days=weekend)
            declared = f"{deadline_local:%Y-%m-%d %H:%M} {time_zone}"
        else:
            span = deadlines.parse_duration(duration)
            deadline = deadlines.deadline_after(now, span, zone=time_zone, weekend_days=weekend)
            declared = span.text
    except deadlines.DeadlineError as refusal:
        field = "deadline_local" if deadline_local is not None else "duration"
        if refusal.code == "unknown_time_zone":
            field = "time_zone"
        raise Refused(refusal.message, code=refusal.code, field=field) from None
    if deadline.instant <= now:
        raise Refused(
            _("The deadline, %(deadline)s, is not after the circulation.")
            % {"deadline": in_zone(deadline.instant, time_zone)},
            code="deadline_in_past",
            field="deadline_local",
        )
    return deadline, declared[:100]


def _recipients(codes: Iterable[str] | None, *, day) -> list[MemberState]:
    """The chosen states (default: the members of the day); a non-member is refused."""
    members = MemberState.objects.members_on(day).order_by("name")
    if codes is None:
        return list(members)
    wanted = sorted({code.strip().upper() for code in codes if code.strip()})
    if not wanted:
        raise Refused(
            _("Choose at least one member state."), code="no_recipients", field="recipients"
        )
    states = {state.code: state for state in MemberState.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in states]
    if unknown:
        raise Refused(
            _("Unknown member state code(s): %(codes)s.") % {"codes": ", ".join(unknown)},
            code="unknown_member_state",
            field="recipients",
        )
    member_codes = set(members.values_list("code", flat=True))
    outside = [states[code].name for code in wanted if code not in member_codes]
    if outside:
        raise Refused(
            _("%(states)s was not a member state on %(day)s and cannot receive this draft.")
            % {"states": ", ".join(outside), "day": day.isoformat()},
            code="not_a_member",
            field="recipients",
        )
    return sorted(states.values(), key=lambda state: state.name)


def _create_round(
    *,
    consultation: Consultation,
    number: int,
    version: Version,
    by: Any,
    now: datetime,
    deadline: deadlines.Deadline,
    declared: str,
    states: list[MemberState],
) -> Round:
    round_ = Round(
        consultation=consultation,
        number=number,
        version=version,
        circulated_by=by,
        circulated_at=now,
        deadline=deadline.instant,
        time_zone=deadline.zone,
        deadline_text=declared,
        deadline_computed_local=f"{deadline.computed_local:%Y-%m-%d %H:%M}",
        deadline_adjustment=deadline.adjustment,
        deadline_moved_off_weekend=deadline.moved_off_weekend,
    )
    round_._history_user = by
    round_.save()
    for state in states:
        dispatch = Dispatch(round=round_, member_state=state, sent_at=now)
        dispatch._history_user = by
        dispatch.save()
    _notify_circulated(round_, states, day=timezone.localdate(now))
    return round_


def _bodies(consultation: Consultation) -> list[int]:
    """The body whose focal points answer (none: every focal point of the state)."""
    return [consultation.body_id] if consultation.body_id else []


def _notify_circulated(round_: Round, states: list[MemberState], *, day) -> None:
    consultation = round_.consultation
    users = focal_point_users([s.code for s in states], body_ids=_bodies(consultation), day=day)

    def message() -> tuple[str, str]:
        subject = _("For your answer: %(title)s") % {"title": consultation.title}
        text = _(
            "The secretariat has circulated round %(round)s of “%(title)s” under the silence "
            "procedure. Answer before %(deadline)s; a state that does not answer is taken to "
            "accept the text."
        ) % {
            "round": round_.number,
            "title": consultation.title,
            "deadline": in_zone(round_.deadline, round_.time_zone),
        }
        return subject, text

    notify(
        users,
        kind=Kind.CONSULTATION_CIRCULATED,
        key=f"consultation-circulated:{round_.pk}",
        message=message,
        url=round_.get_absolute_url(),
    )


def _require_secretariat(by: Any) -> None:
    if not is_secretariat(by):
        raise NotAllowed(_("Only the secretariat circulates drafts and opens rounds."))


# --------------------------------------------------------------------------- circulation


@transaction.atomic
def consultation_circulate(
    *,
    by: Any,
    title: str,
    text: str = "",
    file: Any = None,
    body: Body | None = None,
    outcome: Outcome | None = None,
    recipients: Iterable[str] | None = None,
    duration: str = "",
    deadline_local: datetime | None = None,
    time_zone: str = "",
    breaking_kinds: Iterable[str] = DEFAULT_BREAKING_KINDS,
    close_on_break: bool = False,
    move_off_weekend: bool = False,
    now: datetime | None = None,
) -> Round:
    """Circulate a new draft: the consultation, its version 1, round 1 and one dispatch per
    recipient (default: the member states of the circulation day), and notify the recipients'
    focal points. The secretariat only; refusals raise `Refused`, writing nothing.
    """
    _require_secretariat(by)
    now = now or timezone.now()
    title = " ".join(title.split())
    if not title:
        raise Refused(_("Give the draft a title."), code="required", field="title")
    if not text.strip() and not file:
        raise Refused(
            _("Give the text of the draft, or attach it as a file."), code="required", field="text"
        )
    kinds = {str(kind) for kind in breaking_kinds}
    if not kinds or not kinds <= {str(k) for k in BREAKABLE_KINDS}:
        raise Refused(
            _("Choose which answers break silence: comment, objection or amendment."),
            code="invalid_breaking_kinds",
            field="breaking_kinds",
        )
    zone = time_zone or secretariat_zone().key
    deadline, declared = _deadline(
        now=now,
        duration=duration,
        deadline_local=deadline_local,
        time_zone=zone,
        move_off_weekend=move_off_weekend,
    )
    states = _recipients(recipients, day=timezone.localdate(now))
    checked = _checked(file, "file")
    consultation = Consultation(
        title=title[:300],
        body=body,
        outcome=outcome,
        comment_breaks_silence=AnswerKind.COMMENT in kinds,
        objection_breaks_silence=AnswerKind.OBJECTION in kinds,
        amendment_breaks_silence=AnswerKind.AMENDMENT in kinds,
        close_on_break=close_on_break,
        move_off_weekend=move_off_weekend,
        created_by=by,
        created_at=now,
    )
    consultation._history_user = by
    consultation.save()
    version = Version(
        consultation=consultation,
        number=1,
        text=text.strip(),
        created_by=by,
        created_at=now,
        **_file_fields(checked),
    )
    version._history_user = by
    version.save()
    return _create_round(
        consultation=consultation,
        number=1,
        version=version,
        by=by,
        now=now,
        deadline=deadline,
        declared=declared,
        states=states,
    )


@transaction.atomic
def round_open_next(
    *,
    by: Any,
    consultation: Consultation,
    text: str = "",
    file: Any = None,
    note: str = "",
    recipients: Iterable[str] | None = None,
    duration: str = "",
    deadline_local: datetime | None = None,
    time_zone: str = "",
    now: datetime | None = None,
) -> Round:
    """After a round closed as not adopted, circulate a revised text (a new version) in a new
    round; earlier rounds keep their record. The secretariat only."""
    _require_secretariat(by)
    now = now or timezone.now()
    last = (
        Round.objects.select_for_update(of=("self",))
        .filter(consultation=consultation)
        .select_related("result")
        .order_by("-number")
        .first()
    )
    result = getattr(last, "result", None) if last and last.closed_at else None
    if last is None or result is None or result.adopted:
        raise Conflict(
            _("A new round follows a round that closed with silence broken; this one has not."),
            code="no_new_round",
        )
    if not text.strip() and not file:
        raise Refused(
            _("Give the revised text, or attach it as a file."), code="required", field="text"
        )
    zone = time_zone or last.time_zone
    deadline, declared = _deadline(
        now=now,
        duration=duration,
        deadline_local=deadline_local,
        time_zone=zone,
        move_off_weekend=consultation.move_off_weekend,
    )
    states = _recipients(recipients, day=timezone.localdate(now))
    checked = _checked(file, "file")
    version = Version(
        consultation=consultation,
        number=consultation.versions.count() + 1,
        text=text.strip(),
        note=note.strip()[:500],
        created_by=by,
        created_at=now,
        **_file_fields(checked),
    )
    version._history_user = by
    version.save()
    return _create_round(
        consultation=consultation,
        number=last.number + 1,
        version=version,
        by=by,
        now=now,
        deadline=deadline,
        declared=declared,
        states=states,
    )


# --------------------------------------------------------------------------- answers


@transaction.atomic
def answer_submit(
    *,
    by: Any,
    round: Round,
    state_code: str,
    kind: str,
    text: str = "",
    file: Any = None,
    now: datetime | None = None,
) -> Answer:
    """Record the answer of a recipient state, given by its focal point, before the deadline.

    Refused (nothing written) for anyone but a focal point of the state, for a state the round
    was not sent to, after the deadline and once the round is closed. An answer that breaks
    silence closes the round at once when the consultation says so.
    """
    now = now or timezone.now()
    locked = (
        Round.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .get(pk=round.pk)
    )
    consultation = locked.consultation
    code = state_code.strip().upper()
    state = MemberState.objects.filter(code=code).first()
    if state is None or not locked.dispatches.filter(member_state=state).exists():
        raise Refused(
            _("This round was not sent to %(state)s.") % {"state": state or code},
            code="not_a_recipient",
            field="member_state",
        )
    if not can_answer_for_state(by, code, body_id=consultation.body_id, on=timezone.localdate(now)):
        if is_secretariat(by):
            message = _("The secretariat does not answer for a member state; its focal point does.")
        else:
            message = _("Only a focal point of %(state)s answers for it.") % {"state": state.name}
        raise NotAllowed(message)
    if locked.closed_at is not None:
        raise TooLate(
            _("Round %(round)s closed on %(closed)s; no answer can be added to it.")
            % {"round": locked.number, "closed": in_zone(locked.closed_at, locked.time_zone)},
            code="round_closed",
        )
    if now >= locked.deadline:
        raise TooLate(
            _("The deadline passed on %(deadline)s; the answer was not recorded.")
            % {"deadline": in_zone(locked.deadline, locked.time_zone)},
            code="deadline_passed",
        )
    if kind not in AnswerKind.values:
        raise Refused(
            _("Choose an answer: no objection, comment, objection or amendment."),
            code="invalid_kind",
            field="kind",
        )
    if kind != AnswerKind.NO_OBJECTION and not text.strip() and not file:
        raise Refused(
            _("Say what your %(kind)s is, in the text or in a file.")
            % {"kind": AnswerKind(kind).label.lower()},
            code="required",
            field="text",
        )
    checked = _checked(file, "file")
    answer = Answer(
        round=locked,
        member_state=state,
        kind=kind,
        text=text.strip(),
        breaks_silence=consultation.breaks_silence(kind),
        answered_by=by,
        answered_at=now,
        **_file_fields(checked),
    )
    answer._history_user = by
    answer.save()
    if answer.breaks_silence and consultation.close_on_break:
        _close(locked, now=now, by=by, via="silence broken", reason=Result.Reason.SILENCE_BROKEN)
    return answer


# --------------------------------------------------------------------------- closing


def _close(round_: Round, *, now: datetime, by: Any, via: str, reason: str) -> Result | None:
    """Close the round if it is still open; None if another closer got there first.

    The conditional UPDATE is the gate: of two closers at once, the database lets one change
    the row (the other waits for its commit, then matches nothing); the unique round of
    `Result` is the second guard. Call inside a transaction.
    """
    won = Round.objects.filter(pk=round_.pk, closed_at__isnull=True).update(closed_at=now)
    if not won:
        return None
    round_.refresh_from_db()
    Round.history.bulk_history_create([round_], update=True, default_user=by)
    lines = _counting_answers(round_)
    broken = [answer for answer in lines.values() if answer is not None and answer.breaks_silence]
    result = Result(
        round=round_,
        outcome=ResultOutcome.NOT_ADOPTED if broken else ResultOutcome.ADOPTED,
        reason=reason,
        decided_at=now,
        closed_by=by,
        closed_via=via,
    )
    result._history_user = by
    result.save()
    for state, answer in lines.items():
        position = StatePosition(
            result=result,
            member_state=state,
            kind=answer.kind if answer is not None else PositionKind.TACIT_ACCEPTANCE,
            answer=answer,
        )
        position._history_user = by
        position.save()
    circular = write_circular(round_, result, lines, now=now)
    _notify_result(round_, result, circular, day=timezone.localdate(now))
    return result


def _counting_answers(round_: Round) -> dict[MemberState, Answer | None]:
    """Each recipient state, by name, with its latest answer before the deadline (or None)."""
    states = [
        d.member_state for d in round_.dispatches.select_related("member_state").order_by("pk")
    ]
    latest: dict[int, Answer] = {}
    answers = round_.answers.filter(answered_at__lt=round_.deadline).order_by("answered_at", "pk")
    for answer in answers:
        latest[answer.member_state_id] = answer
    return {state: latest.get(state.pk) for state in sorted(states, key=lambda s: s.name)}


def result_participants(round_: Round, *, day) -> list[Any]:
    """Focal points of the recipient states, whoever circulated, and the secretariat staff."""
    codes = list(round_.dispatches.values_list("member_state__code", flat=True))
    users = focal_point_users(codes, body_ids=_bodies(round_.consultation), day=day)
    users.append(round_.circulated_by)
    users += list(get_user_model().objects.filter(is_staff=True, is_active=True))
    return users


def _notify_result(round_: Round, result: Result, circular: Circular, *, day) -> None:
    consultation = round_.consultation

    def message() -> tuple[str, str]:
        outcome = result.get_outcome_display()
        subject = _("Consultation result: %(title)s — %(outcome)s") % {
            "title": consultation.title,
            "outcome": outcome,
        }
        intro = _("Round %(round)s of “%(title)s” is closed. Result: %(outcome)s.") % {
            "round": round_.number,
            "title": consultation.title,
            "outcome": outcome,
        }
        return subject, f"{intro}\n\n{circular.text}"

    notify(
        result_participants(round_, day=day),
        kind=Kind.CONSULTATION_RESULT,
        key=f"consultation-result:{round_.pk}",
        message=message,
        url=round_.get_absolute_url(),
    )


def round_close_due(*, round: Round, now: datetime, via: str, by: Any = None) -> Result | None:
    """Close one round whose deadline has passed; None if not due or already closed."""
    if now < round.deadline:
        return None
    with transaction.atomic():
        return _close(round, now=now, by=by, via=via, reason=Result.Reason.DEADLINE)


def consultations_close_due(now: datetime, *, via: str = "clock") -> list[Result]:
    """Periodic job: close every open round whose deadline is at or before `now`, each in its
    own transaction. Idempotent: a closed round is never closed again."""
    closed = []
    for round_ in Round.objects.due(now).order_by("deadline", "pk"):
        result = round_close_due(round=round_, now=now, via=via)
        if result is not None:
            closed.append(result)
    return closed


def consultations_send_reminders(now: datetime) -> int:
    """Periodic job: 7 days and 1 day before a deadline, remind the focal points of states that
    have not answered. A reminder falls only in its window (after the mark, before the next one)
    and only if the round was circulated before the mark; each is sent once (its key)."""
    sent = 0
    for round_ in (
        Round.objects.open()
        .filter(deadline__gt=now, deadline__lte=now + REMINDERS[0][1])
        .select_related("consultation")
    ):
        label = _reminder_due(round_, now)
        if label is None:
            continue
        answered = round_.answers.values("member_state_id")
        codes = list(
            round_.dispatches.exclude(member_state_id__in=answered).values_list(
                "member_state__code", flat=True
            )
        )
        users = focal_point_users(
            codes, body_ids=_bodies(round_.consultation), day=timezone.localdate(now)
        )
        sent += len(
            notify(
                users,
                kind=Kind.CONSULTATION_REMINDER,
                key=f"consultation-reminder:{round_.pk}:{label}",
                message=_reminder_message(round_, label),
                url=round_.get_absolute_url(),
            )
        )
    return sent


def _reminder_due(round_: Round, now: datetime) -> str | None:
    (first, first_span), (last, last_span) = REMINDERS
    if now >= round_.deadline - last_span:
        return last if round_.circulated_at < round_.deadline - last_span else None
    if now >= round_.deadline - first_span:
        return first if round_.circulated_at < round_.deadline - first_span else None
    return None


def _reminder_message(round_: Round, label: str):
    def message() -> tuple[str, str]:
        left = _("7 days") if label == "7d" else _("1 day")
        subject = _("%(left)s left to answer: %(title)s") % {
            "left": left,
            "title": round_.consultation.title,
        }
        text = _(
            "Your state has not answered round %(round)s of “%(title)s”. The deadline is "
            "%(deadline)s; without an answer, the text is taken as accepted."
        ) % {
            "round": round_.number,
            "title": round_.consultation.title,
            "deadline": in_zone(round_.deadline, round_.time_zone),
        }
        return subject, text

    return message


# --------------------------------------------------------------------------- publication


@transaction.atomic
def consultation_set_result_public(
    *, by: Any, consultation: Consultation, public: bool, now: datetime | None = None
) -> Consultation:
    """Publish (or withdraw) the adopted result for the public. The secretariat only; only an
    adopted result may be published."""
    if not is_secretariat(by):
        raise NotAllowed(_("Only the secretariat publishes results."))
    now = now or timezone.now()
    if (
        public
        and not Result.objects.filter(
            round__consultation=consultation, outcome=ResultOutcome.ADOPTED
        ).exists()
    ):
        raise Refused(_("Only an adopted text can be published."), code="not_adopted")
    consultation.result_is_public = public
    consultation.published_at = now if public else None
    consultation.published_by = by if public else None
    consultation._history_user = by
    consultation.save(update_fields=["result_is_public", "published_at", "published_by"])
    return consultation
