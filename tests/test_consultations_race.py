"""Exactly once: two closers at once (the clock twice, the clock and the command) write one
result, one circular and one notice per participant. Needs PostgreSQL's row locks: skipped on
SQLite, which serialises writers at BEGIN IMMEDIATE so that no race can happen there."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from d8coop.consultations import services
from d8coop.consultations.models import Circular, Result, StatePosition
from d8coop.notifications.models import Kind, Notification
from tests.consultations_support import (  # noqa: F401 - fixtures
    SEED_DEADLINE_UTC,
    _media,
    circulate,
    focal_point,
)

AFTER = SEED_DEADLINE_UTC + timedelta(minutes=1)


@pytest.fixture
def due_round(secretariat, django_user_model):
    """A round already past its deadline, in a database other connections can see."""
    from d8coop.reference_data.loader import load_reference_data

    load_reference_data()
    focal_point(django_user_model, "tarik@tr-sme.example", "TR")
    return circulate(secretariat)


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers at BEGIN IMMEDIATE, so two closers never overlap; "
            "the race this test drives needs PostgreSQL's row locks (CI runs it there)."
        )


@pytest.mark.django_db(transaction=True)
def test_a_second_closer_waits_for_the_first_and_then_closes_nothing(due_round, monkeypatch):
    _skip_on_sqlite()
    # Given the first closer has won the row and is still writing its result
    updated = threading.Event()
    real = services._counting_answers

    def slow_counting(round_):
        updated.set()
        time.sleep(0.5)
        return real(round_)

    monkeypatch.setattr(services, "_counting_answers", slow_counting)
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            outcomes["first"] = services.round_close_due(round=due_round, now=AFTER, via="clock")
        finally:
            connections.close_all()

    def second() -> None:
        try:
            updated.wait(5)
            started = time.monotonic()
            outcomes["second"] = services.round_close_due(round=due_round, now=AFTER, via="command")
            outcomes["waited"] = time.monotonic() - started
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    # Then the second closer waited on the row, found it closed and wrote nothing
    assert isinstance(outcomes["first"], Result)
    assert outcomes["second"] is None
    assert outcomes["waited"] >= 0.3
    assert Result.objects.count() == 1
    assert Circular.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.CONSULTATION_RESULT).count() == 2


@pytest.mark.django_db(transaction=True)
def test_four_clocks_at_once_produce_one_result_and_one_circular(due_round):
    _skip_on_sqlite()
    start = threading.Barrier(4)
    closed: list[int] = []
    errors: list[BaseException] = []

    def clock() -> None:
        try:
            start.wait(5)
            closed.append(len(services.consultations_close_due(AFTER)))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clock) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    assert sorted(closed) == [0, 0, 0, 1]
    assert Result.objects.count() == 1
    assert Circular.objects.count() == 1
    assert StatePosition.objects.count() == 8
    recipients = Notification.objects.filter(kind=Kind.CONSULTATION_RESULT)
    assert sorted(recipients.values_list("recipient__email", flat=True)) == [
        "sara@d8-sec.example",
        "tarik@tr-sme.example",
    ]
