"""Reads about consultations: what a user sees, what awaits their answer, who counts for what.

`consultations_visible_to` and `consultations_awaiting_answer` are the stable entry points
for other apps (the workspace dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from d8coop.accounts.permissions import focal_point_bodies, focal_point_states
from d8coop.consultations.models import (
    Answer,
    Consultation,
    Dispatch,
    PositionKind,
    Result,
    ResultOutcome,
    Round,
    StatePosition,
    Version,
)
from d8coop.consultations.permissions import consultations_queryset_for
from d8coop.members.models import MemberState


def consultations_visible_to(user: Any) -> QuerySet[Consultation]:
    """The consultations the user may see, newest first, each with its rounds' results."""
    return (
        consultations_queryset_for(user)
        .select_related("body")
        .prefetch_related(
            Prefetch(
                "rounds",
                queryset=Round.objects.select_related("result").order_by("number"),
            )
        )
    )


def consultations_awaiting_answer(user: Any, *, now: datetime | None = None) -> list[Round]:
    """Open rounds, before their deadline, sent to a state the user answers for that has not
    answered yet. Each round carries `awaiting_states`: those states, by name."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    rule = Q(pk__in=[])
    codes = focal_point_states(user, on=day)
    for code in codes:
        bodies = focal_point_bodies(user, code, on=day)
        unanswered = Dispatch.objects.filter(round=OuterRef("pk"), member_state__code=code).exclude(
            Exists(
                Answer.objects.filter(
                    round_id=OuterRef("round_id"), member_state_id=OuterRef("member_state_id")
                )
            )
        )
        state_rule = Q(Exists(unanswered))
        if bodies is not None:
            state_rule &= Q(consultation__body__isnull=True) | Q(consultation__body_id__in=bodies)
        rule |= state_rule
    rounds = list(
        Round.objects.open()
        .filter(deadline__gt=now)
        .filter(rule)
        .select_related("consultation", "version")
        .prefetch_related(
            Prefetch("dispatches", queryset=Dispatch.objects.select_related("member_state")),
            Prefetch("answers", queryset=Answer.objects.only("pk", "round_id", "member_state_id")),
        )
        .order_by("deadline")
    )
    for round_ in rounds:
        answered = {answer.member_state_id for answer in round_.answers.all()}
        round_.awaiting_states = [
            dispatch.member_state
            for dispatch in round_.dispatches.all()
            if dispatch.member_state.code in codes and dispatch.member_state_id not in answered
        ]
    return rounds


def consultation_with_record(consultation: Consultation) -> Consultation:
    """The consultation with versions, rounds, dispatches, answers, results and circulars
    fetched in a fixed number of queries."""
    answers = Answer.objects.select_related("member_state", "answered_by").order_by(
        "answered_at", "pk"
    )
    positions = StatePosition.objects.select_related("member_state", "answer")
    rounds = Round.objects.select_related(
        "version", "circulated_by", "result__closed_by", "circular"
    ).prefetch_related(
        Prefetch("dispatches", queryset=Dispatch.objects.select_related("member_state")),
        Prefetch("answers", queryset=answers),
        Prefetch("result__positions", queryset=positions),
    )
    return (
        Consultation.objects.select_related("body", "outcome__meeting", "created_by")
        .prefetch_related(
            Prefetch("versions", queryset=Version.objects.order_by("number")),
            Prefetch("rounds", queryset=rounds.order_by("number")),
        )
        .get(pk=consultation.pk)
    )


@dataclass
class StateLine:
    """One recipient state in one round: the answer that counts now and those it replaced."""

    state: MemberState
    counting: Answer | None = None
    superseded: list[Answer] = field(default_factory=list)
    position: str = ""  # the kind recorded in the result, once closed

    @property
    def is_tacit(self) -> bool:
        return self.position == PositionKind.TACIT_ACCEPTANCE


def round_lines(round_: Round) -> list[StateLine]:
    """Per recipient state (by name), from the prefetched dispatches, answers and result."""
    lines = {d.member_state_id: StateLine(state=d.member_state) for d in round_.dispatches.all()}
    for answer in sorted(round_.answers.all(), key=lambda a: (a.answered_at, a.pk)):
        line = lines.get(answer.member_state_id)
        if line is None:
            continue
        if line.counting is not None:
            line.superseded.append(line.counting)
        line.counting = answer
    result = getattr(round_, "result", None) if round_.closed_at else None
    if result is not None:
        for position in result.positions.all():
            if position.member_state_id in lines:
                lines[position.member_state_id].position = position.kind
    return sorted(lines.values(), key=lambda line: line.state.name)


@dataclass
class Matrix:
    """States (rows) by rounds (columns); `cells[state_id][round_number]` is a StateLine or None
    when the round was not sent to that state."""

    consultation: Consultation
    rounds: list[Round]
    states: list[MemberState]
    cells: dict[int, dict[int, StateLine | None]]

    def rows(self) -> list[tuple[MemberState, list[StateLine | None]]]:
        return [
            (state, [self.cells[state.pk].get(r.number) for r in self.rounds])
            for state in self.states
        ]


def comment_matrix(consultation: Consultation) -> Matrix:
    """The comment matrix of a consultation fetched with `consultation_with_record`."""
    rounds = list(consultation.rounds.all())
    states: dict[int, MemberState] = {}
    cells: dict[int, dict[int, StateLine | None]] = {}
    for round_ in rounds:
        for line in round_lines(round_):
            states[line.state.pk] = line.state
            cells.setdefault(line.state.pk, {})[round_.number] = line
    ordered = sorted(states.values(), key=lambda state: state.name)
    return Matrix(consultation=consultation, rounds=rounds, states=ordered, cells=cells)


def published_results() -> QuerySet[Consultation]:
    """Consultations whose adopted result the secretariat has published, for the public."""
    adopted = Result.objects.filter(
        round__consultation=OuterRef("pk"), outcome=ResultOutcome.ADOPTED
    )
    return (
        Consultation.objects.filter(result_is_public=True)
        .filter(Exists(adopted))
        .select_related("body")
        .order_by("-published_at", "-pk")
    )
