"""Two at once: opposite requests for the same pair, two schedule builds. Needs PostgreSQL's
row locks: skipped on SQLite, which serialises writers at BEGIN IMMEDIATE so that no race can
happen there (the unique index behind "one open request per pair" is tested in test_b2b)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from d8coop.b2b import services
from d8coop.b2b.models import MeetingRequest, ScheduledMeeting, Seat
from tests.b2b_support import build_world, configure


@pytest.fixture
def race_world(transactional_db, django_user_model, secretariat, outsider):
    world = build_world(django_user_model, secretariat, outsider)
    configure(world)
    return world


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers at BEGIN IMMEDIATE, so two writers never overlap; "
            "the race this test drives needs PostgreSQL's row locks (CI runs it there)."
        )


def run_together(*jobs) -> list[object]:
    """Start the jobs at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(index: int, job) -> None:
        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as error:  # recorded for the assertions
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_opposite_requests_at_once_leave_one_open_request(race_world):
    _skip_on_sqlite()
    w = race_world
    outcomes = run_together(
        lambda: services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1),
        lambda: services.request_send(by=w.fp_b, sender=w.b1, recipient=w.a1),
    )
    sent = [o for o in outcomes if isinstance(o, MeetingRequest)]
    refused = [o for o in outcomes if isinstance(o, services.Conflict)]
    assert (len(sent), len(refused)) == (1, 1), outcomes
    assert refused[0].code == "open_request_exists"
    assert MeetingRequest.objects.count() == 1


def test_two_builds_at_once_place_each_meeting_once(race_world):
    _skip_on_sqlite()
    w = race_world
    for sender, recipient, by, answer in [
        (w.a1, w.b1, w.maintainer_a1, w.fp_b),
        (w.a2, w.b1, w.maintainer_a2, w.fp_b),
        (w.a1, w.b2, w.maintainer_a1, w.fp_b),
    ]:
        request = services.request_send(by=by, sender=sender, recipient=recipient)
        services.request_accept(by=answer, request=request)
    outcomes = run_together(
        lambda: services.schedule_build(by=w.secretariat, event=w.event),
        lambda: services.schedule_build(by=w.secretariat, event=w.event),
    )
    assert all(isinstance(o, services.BuildResult) for o in outcomes), outcomes
    assert sorted(o.placed for o in outcomes) == [0, 3]  # the second found them all placed
    assert ScheduledMeeting.objects.count() == 3 and Seat.objects.count() == 6
