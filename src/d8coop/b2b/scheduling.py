"""The B2B schedule as plain data: slots from sessions, and a greedy assignment of meetings.

Framework-free: takes plain values, returns plain values, so the properties (no participant
twice in a slot, no table twice in a slot, nothing dropped silently) are easy to test.

The assignment keeps the meetings it is given as fixed (a rebuild does not move what
participants were already told), then places the others one at a time, always the most
constrained first: the request with the fewest slots still open to both participants, ties
broken by the busier pair (more requests between them), then by request id. Each goes into the
earliest slot where both are free and a table is free, at the lowest free table. With at least
2d - 1 slots (d: the most meetings any participant has) and a table for every pair that could
meet at once, this places every request: a request conflicts with at most 2(d - 1) others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

NO_SLOTS = "no_slots"
PARTICIPANT_FULL = "participant_full"
NO_COMMON_SLOT = "no_common_slot"
NO_TABLE = "no_table"


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime


@dataclass(frozen=True)
class Pair:
    request_id: int
    a: int  # participant (nomination) ids
    b: int


@dataclass
class Assignment:
    placed: dict[int, tuple[int, int]] = field(default_factory=dict)  # request -> (slot, table)
    unscheduled: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # code, who


def session_slots(
    sessions: Iterable[tuple[date, time, time]], *, minutes: int, zone: str
) -> list[Slot]:
    """Consecutive slots of `minutes` in each session (local wall times in `zone`), as UTC.

    Elapsed time: a session across a change of the clocks has its real length.
    """
    tz = ZoneInfo(zone)
    length = timedelta(minutes=minutes)
    slots: set[Slot] = set()
    for day, starts, ends in sessions:
        start = datetime.combine(day, starts, tzinfo=tz).astimezone(ZoneInfo("UTC"))
        end = datetime.combine(day, ends, tzinfo=tz).astimezone(ZoneInfo("UTC"))
        while start + length <= end:
            slots.add(Slot(start, start + length))
            start += length
    return sorted(slots, key=lambda slot: slot.start)


def assign(
    pairs: Sequence[Pair],
    *,
    slot_count: int,
    tables: int,
    fixed: dict[int, tuple[int, int]] | None = None,
) -> Assignment:
    """Place each pair in a (slot index, table number from 1); `fixed` placements stay."""
    result = Assignment()
    busy: dict[int, set[int]] = {}  # participant -> slot indexes taken
    taken: dict[int, set[int]] = {}  # slot index -> tables taken
    by_id = {pair.request_id: pair for pair in pairs}
    for request_id, (slot, table) in sorted((fixed or {}).items()):
        pair = by_id[request_id]
        result.placed[request_id] = (slot, table)
        busy.setdefault(pair.a, set()).add(slot)
        busy.setdefault(pair.b, set()).add(slot)
        taken.setdefault(slot, set()).add(table)
    degree = Counter()
    for pair in pairs:
        degree[pair.a] += 1
        degree[pair.b] += 1
    waiting = [pair for pair in pairs if pair.request_id not in result.placed]
    slots = range(slot_count)

    def open_slots(pair: Pair) -> list[int]:
        both = busy.get(pair.a, set()) | busy.get(pair.b, set())
        return [s for s in slots if s not in both and len(taken.get(s, ())) < tables]

    while waiting:
        options = {pair.request_id: open_slots(pair) for pair in waiting}
        pair = min(
            waiting,
            key=lambda p: (len(options[p.request_id]), -(degree[p.a] + degree[p.b]), p.request_id),
        )
        waiting.remove(pair)
        free = options[pair.request_id]
        if not free:
            result.unscheduled[pair.request_id] = _reason(pair, slot_count, busy)
            continue
        slot = free[0]
        table = min(set(range(1, tables + 1)) - taken.get(slot, set()))
        result.placed[pair.request_id] = (slot, table)
        busy.setdefault(pair.a, set()).add(slot)
        busy.setdefault(pair.b, set()).add(slot)
        taken.setdefault(slot, set()).add(table)
    return result


def _reason(pair: Pair, slot_count: int, busy: dict[int, set[int]]) -> tuple[str, int | None]:
    if slot_count == 0:
        return NO_SLOTS, None
    for who in (pair.a, pair.b):
        if len(busy.get(who, ())) >= slot_count:
            return PARTICIPANT_FULL, who
    if len(busy.get(pair.a, set()) | busy.get(pair.b, set())) >= slot_count:
        return NO_COMMON_SLOT, None
    return NO_TABLE, None
