"""Deadlines: from a duration or a local date-time to one UTC instant, exact from Africa/Lagos to
Asia/Jayapura, through Egypt's daylight saving time (back since 2023: the last Friday of April
00:00 → 01:00, the last Thursday of October 24:00 → 23:00), month ends and weekends."""

# ruff: noqa: F811 - the fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from d8coop.consultations import services
from d8coop.consultations.deadlines import (
    DeadlineError,
    deadline_after,
    deadline_at,
    parse_duration,
)
from d8coop.consultations.models import Consultation, Round
from tests.consultations_support import (  # noqa: F401 - fixtures
    _media,
    _reference_data_once,
    circulate,
    reference_data,
)

LAGOS, ISTANBUL, JAYAPURA, CAIRO = (
    "Africa/Lagos",
    "Europe/Istanbul",
    "Asia/Jayapura",
    "Africa/Cairo",
)


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --------------------------------------------------------------------------- durations

DURATIONS = [
    # (zone, circulated (local), duration, deadline in UTC, adjustment)
    # Lagos, UTC+01:00 all year; 2024 is a leap year: 31 January + 1 month = 29 February
    (LAGOS, (2024, 1, 31, 9, 0), "one month", utc(2024, 2, 29, 8, 0), ""),
    # Istanbul, UTC+02:00 in winter 2015: 31 January + 1 month = 28 February
    (ISTANBUL, (2015, 1, 31, 12, 0), "one (1) month", utc(2015, 2, 28, 10, 0), ""),
    # the seed: 28 January 2015 17:00 + 1 month = 28 February 17:00
    (ISTANBUL, (2015, 1, 28, 17, 0), "within one (1) month", utc(2015, 2, 28, 15, 0), ""),
    # calendar days keep the wall time across Türkiye's last DST start (29 March 2015)
    (ISTANBUL, (2015, 3, 20, 12, 0), "10 days", utc(2015, 3, 30, 9, 0), ""),
    # hours are elapsed time: 72 hours across the same change end at 13:00 local
    (ISTANBUL, (2015, 3, 27, 12, 0), "72 hours", utc(2015, 3, 30, 10, 0), ""),
    # Istanbul since 2016 is UTC+03:00 all year
    (ISTANBUL, (2024, 10, 31, 18, 0), "P1M", utc(2024, 11, 30, 15, 0), ""),
    # Jayapura, UTC+09:00: 31 March + 1 month = 30 April
    (JAYAPURA, (2023, 3, 31, 10, 0), "one month", utc(2023, 4, 30, 1, 0), ""),
    # late evening in Jayapura is still the previous day in UTC
    (JAYAPURA, (2024, 1, 31, 23, 30), "1 month", utc(2024, 2, 29, 14, 30), ""),
    (JAYAPURA, (2024, 12, 20, 8, 0), "2 weeks", utc(2025, 1, 2, 23, 0), ""),
    # Cairo, DST start 2023 (Friday 28 April, 00:00 -> 01:00): 00:30 does not exist; the
    # deadline moves forward by the hour of the gap, to 01:30 EEST = 22:30 UTC
    (CAIRO, (2023, 3, 28, 0, 30), "one month", utc(2023, 4, 27, 22, 30), "gap"),
    # Cairo, DST end 2023 (Thursday 26 October, 24:00 -> 23:00): 23:30 happens twice; the
    # later instant (UTC+02:00) is taken, 21:30 UTC rather than 20:30 UTC
    (CAIRO, (2023, 10, 16, 23, 30), "10 days", utc(2023, 10, 26, 21, 30), "fold"),
    # Cairo 2024: gap on Friday 26 April, fold on Thursday 31 October
    (CAIRO, (2024, 3, 26, 0, 15), "one month", utc(2024, 4, 25, 22, 15), "gap"),
    (CAIRO, (2024, 10, 30, 23, 45), "one day", utc(2024, 10, 31, 21, 45), "fold"),
    # Cairo in summer is UTC+03:00, in winter UTC+02:00
    (CAIRO, (2024, 6, 1, 12, 0), "30 days", utc(2024, 7, 1, 9, 0), ""),
    (CAIRO, (2024, 12, 1, 12, 0), "one week", utc(2024, 12, 8, 10, 0), ""),
]


@pytest.mark.parametrize(("zone", "start", "text", "expected", "adjustment"), DURATIONS)
def test_a_duration_gives_the_exact_utc_instant(zone, start, text, expected, adjustment):
    deadline = deadline_after(local(zone, *start), parse_duration(text), zone=zone)

    assert deadline.instant == expected
    assert deadline.adjustment == adjustment


def test_a_year_from_29_february_ends_on_28_february():
    deadline = deadline_after(local(LAGOS, 2024, 2, 29, 10, 0), parse_duration("P1Y"), zone=LAGOS)

    assert deadline.instant == utc(2025, 2, 28, 9, 0)


def test_a_duration_is_counted_in_the_declared_zone_not_the_circulators():
    # 28 January 2015 23:30 in Istanbul is already 29 January 06:30 in Jayapura
    circulated = local(ISTANBUL, 2015, 1, 28, 23, 30)

    deadline = deadline_after(circulated, parse_duration("one month"), zone=JAYAPURA)

    # 29 January + 1 month: 2015 has no 29 February, so the end of February
    assert deadline.local.isoformat() == "2015-02-28T06:30:00+09:00"
    assert deadline.instant == utc(2015, 2, 27, 21, 30)


@pytest.mark.parametrize(
    ("text", "months", "days", "minutes"),
    [
        ("one (1) month", 1, 0, 0),
        ("within two (2) weeks", 0, 14, 0),
        ("72 hours", 0, 0, 4320),
        ("10 days", 0, 10, 0),
        ("a year", 12, 0, 0),
        ("P10D", 0, 10, 0),
        ("PT72H", 0, 0, 4320),
    ],
)
def test_durations_are_read_as_written(text, months, days, minutes):
    duration = parse_duration(text)

    assert (duration.months, duration.days, duration.minutes) == (months, days, minutes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "“soon” is not a duration. Write for example “one month”"),
        ("two (3) days", "the number in words disagrees with the 3 in parentheses"),
        ("0 days", "a silence period lasts from one minute to two years"),
        ("P1DT2H", "mixes calendar days or months with hours"),
        ("", "is not a duration"),
    ],
)
def test_an_unreadable_duration_is_refused_with_a_message(text, message):
    with pytest.raises(DeadlineError) as refusal:
        parse_duration(text)

    assert message in refusal.value.message


# --------------------------------------------------------------------------- explicit instants


def test_an_explicit_cairo_time_in_the_spring_gap_is_refused():
    with pytest.raises(DeadlineError) as refusal:
        deadline_at(datetime(2023, 4, 28, 0, 30), zone=CAIRO)

    assert refusal.value.code == "local_time_gap"
    assert refusal.value.message == (
        "2023-04-28 00:30 does not exist in Africa/Cairo: the clocks jump forward from "
        "2023-04-28 00:00 to 2023-04-28 01:00. Choose a time before the jump or after it."
    )


def test_an_explicit_cairo_time_in_the_autumn_fold_is_refused():
    with pytest.raises(DeadlineError) as refusal:
        deadline_at(datetime(2023, 10, 26, 23, 30), zone=CAIRO)

    assert refusal.value.code == "local_time_fold"
    assert refusal.value.message == (
        "2023-10-26 23:30 happens twice in Africa/Cairo: the clocks go back from "
        "2023-10-27 00:00 to 2023-10-26 23:00, so the hour before 2023-10-27 00:00 is lived "
        "twice. Choose a time outside that hour."
    )


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        (CAIRO, datetime(2023, 4, 27, 23, 59), utc(2023, 4, 27, 21, 59)),  # just before the gap
        (CAIRO, datetime(2023, 4, 28, 1, 0), utc(2023, 4, 27, 22, 0)),  # first minute after it
        (CAIRO, datetime(2023, 10, 26, 22, 59), utc(2023, 10, 26, 19, 59)),  # before the fold
        (CAIRO, datetime(2023, 10, 27, 0, 0), utc(2023, 10, 26, 22, 0)),  # after it
        (LAGOS, datetime(2025, 6, 30, 17, 0), utc(2025, 6, 30, 16, 0)),
        (JAYAPURA, datetime(2025, 6, 30, 17, 0), utc(2025, 6, 30, 8, 0)),
        (ISTANBUL, datetime(2025, 6, 30, 17, 0), utc(2025, 6, 30, 14, 0)),
    ],
)
def test_an_explicit_local_time_is_read_in_its_zone(zone, wall, expected):
    assert deadline_at(wall, zone=zone).instant == expected


def test_an_unknown_zone_is_refused():
    with pytest.raises(DeadlineError) as refusal:
        deadline_at(datetime(2025, 6, 30, 17, 0), zone="Mars/Olympus")

    assert refusal.value.code == "unknown_time_zone"


# --------------------------------------------------------------------------- weekends (rule 8)


def test_a_deadline_on_a_weekend_moves_to_the_next_working_day_when_asked():
    # 28 January 2015 17:00 + 10 days = Saturday 7 February
    circulated = local(ISTANBUL, 2015, 1, 28, 17, 0)
    weekend = frozenset({5, 6})

    plain = deadline_after(circulated, parse_duration("10 days"), zone=ISTANBUL)
    moved = deadline_after(
        circulated, parse_duration("10 days"), zone=ISTANBUL, weekend_days=weekend
    )

    assert (plain.instant, plain.moved_off_weekend) == (utc(2015, 2, 7, 15, 0), False)
    assert (moved.instant, moved.moved_off_weekend) == (utc(2015, 2, 9, 15, 0), True)
    assert moved.computed_local == datetime(2015, 2, 7, 17, 0)


def test_an_explicit_friday_moves_past_a_friday_saturday_weekend():
    deadline = deadline_at(datetime(2025, 7, 4, 12, 0), zone=CAIRO, weekend_days=frozenset({4, 5}))

    assert deadline.local.isoformat() == "2025-07-06T12:00:00+03:00"  # Sunday
    assert deadline.moved_off_weekend


# --------------------------------------------------------------------------- through the service


@pytest.mark.django_db
def test_a_circulated_deadline_is_stored_with_how_it_was_reached(secretariat, reference_data):
    round_ = circulate(
        secretariat,
        duration="one month",
        time_zone=CAIRO,
        now=local(CAIRO, 2023, 3, 28, 0, 30),
    )

    stored = Round.objects.get(pk=round_.pk)
    assert stored.deadline == utc(2023, 4, 27, 22, 30)
    assert (stored.time_zone, stored.deadline_adjustment) == (CAIRO, "gap")
    assert stored.deadline_computed_local == "2023-04-28 00:30"


@pytest.mark.django_db
def test_the_service_refuses_an_explicit_deadline_that_does_not_exist(secretariat, reference_data):
    with pytest.raises(services.Refused) as refusal:
        circulate(
            secretariat,
            duration="",
            deadline_local=datetime(2023, 4, 28, 0, 30),
            time_zone=CAIRO,
            now=local(CAIRO, 2023, 3, 1, 9, 0),
        )

    assert (refusal.value.code, refusal.value.field) == ("local_time_gap", "deadline_local")
    assert "does not exist in Africa/Cairo" in refusal.value.message
    assert Consultation.objects.count() == 0


@pytest.mark.django_db
def test_the_service_moves_a_weekend_deadline_off_the_secretariats_weekend(
    secretariat, reference_data
):
    # Türkiye's weekend (Saturday and Sunday) is the secretariat's
    round_ = circulate(secretariat, duration="10 days", move_off_weekend=True)

    assert round_.deadline == utc(2015, 2, 9, 15, 0)
    assert round_.deadline_moved_off_weekend
    assert round_.consultation.move_off_weekend


@pytest.mark.django_db
def test_a_deadline_in_the_past_is_refused(secretariat, reference_data):
    with pytest.raises(services.Refused) as refusal:
        circulate(secretariat, duration="", deadline_local=datetime(2015, 1, 1, 12, 0))

    assert refusal.value.code == "deadline_in_past"
    assert Consultation.objects.count() == 0
