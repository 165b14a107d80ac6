"""The scheduling core, on random request graphs (no database)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, time

from hypothesis import given, settings
from hypothesis import strategies as st

from d8coop.b2b import scheduling
from d8coop.b2b.scheduling import Pair, assign, session_slots


@st.composite
def request_graphs(draw, max_participants: int = 12, max_requests: int = 40):
    """Distinct unordered pairs of participants, as requests with ids."""
    n = draw(st.integers(min_value=2, max_value=max_participants))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
            .filter(lambda e: e[0] != e[1])
            .map(lambda e: tuple(sorted(e))),
            unique=True,
            max_size=max_requests,
        )
    )
    return n, [Pair(request_id=i + 1, a=a, b=b) for i, (a, b) in enumerate(edges)]


def check_conflict_free(pairs, result, slot_count: int, tables: int) -> None:
    by_id = {p.request_id: p for p in pairs}
    seats, cells = Counter(), Counter()
    for request_id, (slot, table) in result.placed.items():
        assert 0 <= slot < slot_count and 1 <= table <= tables
        cells[(slot, table)] += 1
        seats[(by_id[request_id].a, slot)] += 1
        seats[(by_id[request_id].b, slot)] += 1
    assert all(count == 1 for count in cells.values()), "a table holds two meetings in a slot"
    assert all(count == 1 for count in seats.values()), "a participant has two meetings at once"
    # Nothing dropped silently: each request is placed or listed with a reason, not both.
    assert set(result.placed) | set(result.unscheduled) == set(by_id)
    assert not set(result.placed) & set(result.unscheduled)


@settings(max_examples=150, deadline=None)
@given(graph=request_graphs(), slot_count=st.integers(0, 10), tables=st.integers(1, 4))
def test_any_schedule_is_conflict_free_and_accounts_for_every_request(graph, slot_count, tables):
    _, pairs = graph
    result = assign(pairs, slot_count=slot_count, tables=tables)
    check_conflict_free(pairs, result, slot_count, tables)
    for code, _who in result.unscheduled.values():
        assert code in {scheduling.NO_SLOTS, scheduling.PARTICIPANT_FULL,
                        scheduling.NO_COMMON_SLOT, scheduling.NO_TABLE}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(graph=request_graphs(), extra=st.integers(0, 3))
def test_everything_is_scheduled_when_capacity_obviously_allows(graph, extra):
    """2d - 1 slots (d: the most requests of one participant) and a table for every pair that
    can meet at once (n // 2) always suffice."""
    n, pairs = graph
    degree = Counter([p.a for p in pairs] + [p.b for p in pairs])
    most = max(degree.values(), default=0)
    slot_count = max(2 * most - 1, 0) + extra
    tables = max(n // 2, 1)
    result = assign(pairs, slot_count=slot_count, tables=tables)
    check_conflict_free(pairs, result, slot_count, tables)
    assert result.unscheduled == {}


@settings(max_examples=100, deadline=None)
@given(graph=request_graphs(), slot_count=st.integers(1, 8), tables=st.integers(1, 3),
       keep=st.data())  # fmt: skip
def test_fixed_meetings_stay_where_they_are(graph, slot_count, tables, keep):
    _, pairs = graph
    first = assign(pairs, slot_count=slot_count, tables=tables)
    kept = {
        request_id: place
        for request_id, place in first.placed.items()
        if keep.draw(st.booleans(), label=f"keep {request_id}")
    }
    again = assign(pairs, slot_count=slot_count, tables=tables, fixed=kept)
    check_conflict_free(pairs, again, slot_count, tables)
    assert all(again.placed[request_id] == place for request_id, place in kept.items())


def test_the_assignment_is_deterministic():
    pairs = [Pair(i, a, b) for i, (a, b) in enumerate([(0, 1), (1, 2), (0, 2), (2, 3)], 1)]
    assert assign(pairs, slot_count=3, tables=1) == assign(list(pairs), slot_count=3, tables=1)


def test_the_most_constrained_request_is_placed_first():
    # Participant 0 is free in slot 0 only (fixed meeting in slot 1); request 2 (0 with 2)
    # must get slot 0 although request 1 (1 with 2) comes first by id.
    pairs = [Pair(1, 1, 2), Pair(2, 0, 2), Pair(3, 0, 3)]
    result = assign(pairs, slot_count=2, tables=2, fixed={3: (1, 1)})
    assert result.placed == {3: (1, 1), 2: (0, 1), 1: (1, 2)}
    assert result.unscheduled == {}


def test_slots_follow_the_local_clock_across_a_change_of_time():
    # Clocks go back in Europe/London on 25 October 2026 at 02:00: 00:30-02:30 local is
    # three hours of elapsed time, six 30-minute slots.
    slots = session_slots([(date(2026, 10, 25), time(0, 30), time(2, 30))], minutes=30,
                          zone="Europe/London")  # fmt: skip
    assert len(slots) == 6
    assert all(b.start == a.end for a, b in itertools.pairwise(slots))
