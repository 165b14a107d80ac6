"""The circular announcing a round's result, written once when the round closes and kept as
sent. It is a record of the registry, so it is written in the registry's language (English),
with instants in the declared zone and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from d8coop.consultations.formatting import record_instant
from d8coop.consultations.models import Answer, Circular, Result, Round
from d8coop.members.models import MemberState


def write_circular(
    round_: Round, result: Result, lines: dict[MemberState, Answer | None], *, now: datetime
) -> Circular:
    """The circular in the registry's language (English), as kept on record."""
    consultation = round_.consultation
    zone = round_.time_zone
    reference = f"D-8/SP/{round_.circulated_at:%Y}/{consultation.pk}-{round_.number}"
    outcome = "ADOPTED" if result.adopted else "NOT ADOPTED"
    answered = [(state, answer) for state, answer in lines.items() if answer is not None]
    silent = [state.name for state, answer in lines.items() if answer is None]
    parts = [
        f"Circular {reference}",
        f"Consultation by silence procedure: {consultation.title}",
        f"Round {round_.number}, text version {round_.version.number}, circulated on "
        f"{record_instant(round_.circulated_at, zone)} to {len(lines)} member states.",
        f"Deadline: {record_instant(round_.deadline, zone)}, "
        f"that is {round_.deadline.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    if result.adopted:
        parts.append(
            f"Result: {outcome}. No member state broke silence before the deadline; "
            "the text is adopted."
        )
    else:
        breakers = ", ".join(
            f"{state.name} ({answer.get_kind_display().lower()})"
            for state, answer in answered
            if answer.breaks_silence
        )
        closed = (
            "The round was closed at once when silence was broken."
            if result.reason == Result.Reason.SILENCE_BROKEN
            else "The round closed at the deadline."
        )
        parts.append(f"Result: {outcome}. Silence was broken by {breakers}. {closed}")
    parts += ["", "Answers that count (the latest of each state before the deadline):"]
    for state, answer in answered:
        line = (
            f"- {state.name}: {answer.get_kind_display().lower()}, "
            f"{record_instant(answer.answered_at, zone)}"
        )
        if answer.text:
            line += f": “{answer.text}”"
        parts.append(line)
    if not answered:
        parts.append("- none")
    parts.append(
        "Tacit acceptance (no answer before the deadline): " + (", ".join(silent) or "none") + "."
    )
    parts.append(f"Issued on {record_instant(now, zone)}.")
    circular = Circular(
        round=round_,
        reference=reference,
        subject=f"{consultation.title}: {outcome.lower()} (round {round_.number})"[:300],
        text="\n".join(parts),
        issued_at=now,
    )
    circular.save()
    return circular
