"""The quota holds under concurrent nominations: two focal-point sessions nominating the last
place at once write one nomination, and the other is refused naming the quota. Needs
PostgreSQL's row locks: skipped on SQLite, which serialises writers at BEGIN IMMEDIATE so that
no race can happen there."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from d8coop.participation import services
from d8coop.participation.models import Nomination
from tests.participation_support import build_world


@pytest.fixture
def world(reference_data, secretariat, django_user_model):
    return build_world(secretariat, django_user_model)


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers at BEGIN IMMEDIATE, so two nominations never overlap; "
            "the race this test drives needs PostgreSQL's row locks (CI runs it there)."
        )


@pytest.fixture
def last_place(transactional_db, world):
    """Türkiye has one place left: quota 2, one nomination made."""
    services.nomination_create(by=world.tarik, event=world.event, sme=world.tr_smes[0])
    return world


@pytest.mark.django_db(transaction=True)
def test_two_nominations_for_the_last_place_at_once_write_one(last_place, monkeypatch):
    _skip_on_sqlite()
    w = last_place
    real = services.counted_nominations
    both_counting = threading.Barrier(2, timeout=3)

    def overlapping_count(event, state):
        # Wait, having counted, until the other nomination has counted too: without the lock
        # both get here seeing one place left; with it, the other waits on the event row until
        # this one commits, the barrier times out and this one goes on.
        counted = real(event, state)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counting.wait()
        return counted

    monkeypatch.setattr(services, "counted_nominations", overlapping_count)
    start = threading.Barrier(2)
    made: list[Nomination] = []
    refused: list[services.Refused] = []
    errors: list[BaseException] = []

    def nominate(sme) -> None:
        try:
            start.wait(5)
            made.append(services.nomination_create(by=w.tarik, event=w.event, sme=sme))
        except services.Refused as refusal:
            refused.append(refusal)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=nominate, args=(sme,)) for sme in w.tr_smes[1:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert errors == []
    assert len(made) == 1
    assert [r.code for r in refused] == ["quota_reached"]
    assert "quota of 2 places" in refused[0].message
    assert Nomination.objects.filter(member_state__code="TR").count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_states_nominating_at_once_each_keep_their_own_quota(last_place):
    """The event lock serialises nominations of different states too, and none is lost."""
    _skip_on_sqlite()
    w = last_place
    start = threading.Barrier(3)
    errors: list[BaseException] = []
    outcomes: list[str] = []

    def nominate(by, sme) -> None:
        try:
            start.wait(5)
            services.nomination_create(by=by, event=w.event, sme=sme)
            outcomes.append("made")
        except services.Refused as refusal:
            outcomes.append(refusal.code)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    jobs = [(w.tarik, w.tr_smes[1]), (w.tarik, w.tr_smes[2]), (w.maya, w.my_sme)]
    threads = [threading.Thread(target=nominate, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert errors == []
    assert sorted(outcomes) == ["made", "made", "quota_reached"]
    assert Nomination.objects.filter(member_state__code="TR").count() == 2
    assert Nomination.objects.filter(member_state__code="MY").count() == 1
