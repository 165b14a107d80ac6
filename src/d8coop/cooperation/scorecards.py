"""Scorecards: how each task force and each member state is doing, from the record itself.

For a body or a state: meetings held per year, action items done on time / late / open /
overdue, consultation rounds answered and the median time to answer, the last day anything
moved, and a "stalled" flag when nothing moved for `SCORECARD_STALLED_DAYS`. A fixed number
of queries whatever the size of the record; the grouping is done here, in Python.

Done on time means the report that set the item to done gave a day on or before the latest
day of the due period; items done with no such report (or no due period) are "done, date
unknown", never guessed.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.accounts.permissions import can_see_members_data
from d8coop.consultations.models import Answer, Dispatch, Round
from d8coop.cooperation.models import ActionItem, Body, Meeting, ProgressReport, PublishedMetric
from d8coop.members.models import Membership, MemberState

Status = ActionItem.Status

# Public until the secretariat says otherwise: these figures come from public records.
PUBLIC_BY_DEFAULT = {"meetings", "action_items", "activity"}
# Outcomes of investors' expressions of interest (member states only): counts, no names, so
# always public (see d8coop.investors.outcomes and docs/decisions/0015-investors-and-leads.md).
INVESTMENT = "investment"
ITEM_COLUMNS = {
    "done_on_time": _("done on time"),
    "done_late": _("done late"),
    "done_undated": _("done, date unknown"),
    "open": _("open"),
    "overdue": _("overdue"),
    "closed_otherwise": _("cancelled or superseded"),
}


@dataclass
class Scorecard:
    key: str  # body slug or state code
    name: str
    url: str
    meetings_by_year: Counter[int] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    rounds_received: int = 0
    rounds_answered: int = 0
    answer_days: list[float] = field(default_factory=list)
    last_activity: date | None = None
    investment: dict[str, float | int | None] | None = None  # member states only

    @property
    def median_answer_days(self) -> float | None:
        return round(statistics.median(self.answer_days), 1) if self.answer_days else None

    @property
    def meetings_total(self) -> int:
        return sum(self.meetings_by_year.values())

    @property
    def items_total(self) -> int:
        return sum(self.items.values())

    def is_stalled(self, today: date) -> bool:
        limit = timedelta(days=settings.SCORECARD_STALLED_DAYS)
        return self.last_activity is None or today - self.last_activity > limit

    def moved(self, day: date | datetime | None) -> None:
        if isinstance(day, datetime):
            day = timezone.localdate(day)
        if day is not None and (self.last_activity is None or day > self.last_activity):
            self.last_activity = day


def _item_column(item: ActionItem, today: date) -> str:
    if item.status == Status.DONE:
        done_on = item.done_on or (
            item.result_meeting.period_latest if item.result_meeting_id else None
        )
        if done_on is None or item.period_latest is None:
            return "done_undated"
        return "done_on_time" if done_on <= item.period_latest else "done_late"
    if item.status in (Status.CANCELLED, Status.SUPERSEDED):
        return "closed_otherwise"
    if item.period_latest is not None and item.period_latest < today:
        return "overdue"
    return "open"


def _items(today: date) -> list[tuple[ActionItem, str]]:
    done = Q(progress_reports__status_after=Status.DONE) & ~Q(
        progress_reports__status_before=Status.DONE
    )
    items = (
        ActionItem.objects.select_related("outcome__meeting", "result_meeting")
        .prefetch_related("responsible_states")
        .annotate(done_on=Max("progress_reports__progress_on", filter=done))
    )
    return [(item, _item_column(item, today)) for item in items]


def _answer_facts() -> tuple[dict[tuple[int, int], datetime], dict[tuple[int, int], datetime]]:
    """(round, state) → when it was sent; (round, state) → its first answer."""
    sent = {
        (d.round_id, d.member_state_id): d.sent_at
        for d in Dispatch.objects.only("round_id", "member_state_id", "sent_at")
    }
    first: dict[tuple[int, int], datetime] = {}
    for answer in Answer.objects.only("round_id", "member_state_id", "answered_at"):
        key = (answer.round_id, answer.member_state_id)
        if key not in first or answer.answered_at < first[key]:
            first[key] = answer.answered_at
    return sent, first


def _count_answers(card: Scorecard, keys, sent, first) -> None:
    for key in keys:
        card.rounds_received += 1
        if key in first:
            card.rounds_answered += 1
            card.answer_days.append((first[key] - sent[key]).total_seconds() / 86400)
            card.moved(first[key])


def body_scorecards(today: date) -> list[Scorecard]:
    """One card per task force; a task force's card includes the bodies under it."""
    bodies = list(Body.objects.filter(kind=Body.Kind.TASK_FORCE).order_by("name"))
    family = {b.pk: b.pk for b in bodies}
    for child in Body.objects.filter(parent__in=bodies).only("pk", "parent_id"):
        family[child.pk] = child.parent_id
    cards = {b.pk: Scorecard(b.slug, b.name, b.get_absolute_url()) for b in bodies}
    held = Meeting.objects.filter(status=Meeting.Status.HELD, body_id__in=family)
    for meeting in held.only("body_id", "period_earliest", "period_latest"):
        card = cards[family[meeting.body_id]]
        if meeting.period_earliest:
            card.meetings_by_year[meeting.period_earliest.year] += 1
        card.moved(meeting.period_latest)
    for item, column in _items(today):
        if item.body_id in family:
            cards[family[item.body_id]].items[column] += 1
    reports = ProgressReport.objects.filter(action_item__body_id__in=family)
    for body_id, day in reports.values_list("action_item__body_id", "created_at"):
        cards[family[body_id]].moved(day)
    sent, first = _answer_facts()
    rounds = Round.objects.filter(consultation__body_id__in=family)
    round_body = dict(rounds.values_list("pk", "consultation__body_id"))
    keys_by_card = defaultdict(list)
    for key in sent:
        if key[0] in round_body:
            keys_by_card[family[round_body[key[0]]]].append(key)
    for body_id, keys in keys_by_card.items():
        _count_answers(cards[body_id], keys, sent, first)
    for circulated, body_id in rounds.values_list("circulated_at", "consultation__body_id"):
        cards[family[body_id]].moved(circulated)
    return list(cards.values())


def state_scorecards(today: date) -> list[Scorecard]:
    """One card per member state: meetings it hosted, items it answers for, its answers."""
    states = list(MemberState.objects.order_by("name"))
    cards = {s.pk: Scorecard(s.code, s.name, s.get_absolute_url()) for s in states}
    held = Meeting.objects.filter(status=Meeting.Status.HELD, country__isnull=False)
    for meeting in held.only("country_id", "period_earliest", "period_latest"):
        card = cards[meeting.country_id]
        if meeting.period_earliest:
            card.meetings_by_year[meeting.period_earliest.year] += 1
        card.moved(meeting.period_latest)
    memberships = defaultdict(list)
    for m in Membership.objects.only("member_state_id", "joined_on", "left_on"):
        memberships[m.member_state_id].append(m)
    for item, column in _items(today):
        if item.all_member_states:
            day = item.outcome.meeting.period_latest or item.outcome.meeting.period_earliest
            owners = [
                pk for pk, ms in memberships.items() if day and any(m.covers(day) for m in ms)
            ]
        else:
            owners = [state.pk for state in item.responsible_states.all()]
        for pk in owners:
            cards[pk].items[column] += 1
    reports = ProgressReport.objects.filter(member_state__isnull=False)
    for state_id, day in reports.values_list("member_state_id", "created_at"):
        cards[state_id].moved(day)
    sent, first = _answer_facts()
    keys_by_state = defaultdict(list)
    for key in sent:
        keys_by_state[key[1]].append(key)
    for state_id, keys in keys_by_state.items():
        _count_answers(cards[state_id], keys, sent, first)
    from d8coop.investors.outcomes import outcomes_by_state

    for state_id, outcome in outcomes_by_state().items():
        cards[state_id].investment = outcome.as_dict()
    return list(cards.values())


def shown_metrics(user: Any) -> set[str]:
    """The groups of figures this reader sees: all for members, the published ones otherwise."""
    if can_see_members_data(user):
        return set(PublishedMetric.Metric.values) | {INVESTMENT}
    return public_metrics() | {INVESTMENT}


def public_metrics() -> set[str]:
    """The groups of figures the public sees: the defaults, as the secretariat changed them."""
    chosen = dict(PublishedMetric.objects.values_list("metric", "public"))
    return {m for m in PublishedMetric.Metric.values if chosen.get(m, m in PUBLIC_BY_DEFAULT)}


# The two kinds of scorecard, by the name pages and the API select them with (`?by=`).
SUBJECTS = {
    "task-forces": (body_scorecards, _("Task forces")),
    "member-states": (state_scorecards, _("Member states")),
}


def investment_columns() -> dict[str, Any]:
    from d8coop.investors.outcomes import COLUMNS

    return COLUMNS


def write_csv(out, cards: list[Scorecard], shown: set[str], today: date) -> None:
    """One row per card, with the groups of figures in `shown` only."""
    years = sorted({year for card in cards for year in card.meetings_by_year})
    investment = INVESTMENT in shown and any(card.investment is not None for card in cards)
    header = ["key", "name"]
    if "meetings" in shown:
        header += [f"meetings_{year}" for year in years] + ["meetings_total"]
    if "action_items" in shown:
        header += [f"items_{column}" for column in ITEM_COLUMNS]
    if "consultations" in shown:
        header += ["rounds_received", "rounds_answered", "median_answer_days"]
    if "activity" in shown:
        header += ["last_activity", "stalled"]
    if investment:
        header += [f"investment_{column}" for column in investment_columns()]
    writer = csv.writer(out)
    writer.writerow(header)
    for card in cards:
        row: list = [card.key, card.name]
        if "meetings" in shown:
            row += [card.meetings_by_year.get(year, 0) for year in years] + [card.meetings_total]
        if "action_items" in shown:
            row += [card.items.get(column, 0) for column in ITEM_COLUMNS]
        if "consultations" in shown:
            median = card.median_answer_days
            row += [card.rounds_received, card.rounds_answered, "" if median is None else median]
        if "activity" in shown:
            last = card.last_activity.isoformat() if card.last_activity else ""
            row += [last, "yes" if card.is_stalled(today) else "no"]
        if investment:
            figures = card.investment or {}
            row += ["" if figures.get(c) is None else figures[c] for c in investment_columns()]
        writer.writerow(row)
