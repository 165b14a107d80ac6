"""Tests for d8coop.core.periods: reading free-text dates and due periods."""

from __future__ import annotations

import ast
import itertools
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from d8coop.core import periods
from d8coop.core.periods import Period, PeriodError, parse_period

EN_DASH, EM_DASH = "\u2013", "\u2014"


def words(text: str) -> list[str]:
    return text.split()


MONTH_NAMES = words(
    "January February March April May June July August September October November December"
)
MONTH_ABBREVIATIONS = [name[:3] for name in MONTH_NAMES]
REFERENCE = date(2015, 1, 31)

D = date

ACCEPTED = [
    # text, earliest, latest, tentative
    ("26-28 January 2015", D(2015, 1, 26), D(2015, 1, 28), False),
    ("28 February - 2 March 2010", D(2010, 2, 28), D(2010, 3, 2), False),
    (f"28 February {EN_DASH} 2 March 2010", D(2010, 2, 28), D(2010, 3, 2), False),
    (f"28 February {EM_DASH} 2 March 2010", D(2010, 2, 28), D(2010, 3, 2), False),
    (f"February 28 {EN_DASH} March 02 2010", D(2010, 2, 28), D(2010, 3, 2), False),
    ("06-07 December 2010", D(2010, 12, 6), D(2010, 12, 7), False),
    ("7 December 2010", D(2010, 12, 7), D(2010, 12, 7), False),
    ("December 7, 2010", D(2010, 12, 7), D(2010, 12, 7), False),
    ("18th and 19th November, 2014", D(2014, 11, 18), D(2014, 11, 19), False),
    ("18-19 November, 2014", D(2014, 11, 18), D(2014, 11, 19), False),
    ("15-16 August 2013", D(2013, 8, 15), D(2013, 8, 16), False),
    ("30 December 2014 - 2 January 2015", D(2014, 12, 30), D(2015, 1, 2), False),
    ("2015-01-26", D(2015, 1, 26), D(2015, 1, 26), False),
    ("2015-01-26/2015-01-28", D(2015, 1, 26), D(2015, 1, 28), False),
    ("January 2015", D(2015, 1, 1), D(2015, 1, 31), False),
    ("February 2016", D(2016, 2, 1), D(2016, 2, 29), False),
    ("2015", D(2015, 1, 1), D(2015, 12, 31), False),
    ("2015-2016", D(2015, 1, 1), D(2016, 12, 31), False),
    (f"2015{EN_DASH}2016", D(2015, 1, 1), D(2016, 12, 31), False),
    ("for the next two years (2015-2016)", D(2015, 1, 1), D(2016, 12, 31), False),
    ("first half of 2015", D(2015, 1, 1), D(2015, 6, 30), False),
    ("second half of 2015", D(2015, 7, 1), D(2015, 12, 31), False),
    ("the second half of 2015", D(2015, 7, 1), D(2015, 12, 31), False),
    ("H2 2015", D(2015, 7, 1), D(2015, 12, 31), False),
    ("3rd quarter of 2015", D(2015, 7, 1), D(2015, 9, 30), False),
    ("third quarter of 2015", D(2015, 7, 1), D(2015, 9, 30), False),
    ("Q3 2015", D(2015, 7, 1), D(2015, 9, 30), False),
    ("the last quarter of 2015", D(2015, 10, 1), D(2015, 12, 31), False),
    ("fourth quarter 2015", D(2015, 10, 1), D(2015, 12, 31), False),
    ("first quarter of 2016", D(2016, 1, 1), D(2016, 3, 31), False),
    ("early 2010", D(2010, 1, 1), D(2010, 4, 30), True),
    ("mid 2010", D(2010, 5, 1), D(2010, 8, 31), True),
    ("mid-2010", D(2010, 5, 1), D(2010, 8, 31), True),
    ("late 2010", D(2010, 9, 1), D(2010, 12, 31), True),
    ("in the last quarter of 2015 (to be confirmed)", D(2015, 10, 1), D(2015, 12, 31), True),
    ("26-28 January 2015 (tbc)", D(2015, 1, 26), D(2015, 1, 28), True),
    ("Q3 2015 TBC", D(2015, 7, 1), D(2015, 9, 30), True),
    ("January 2015, to be confirmed", D(2015, 1, 1), D(2015, 1, 31), True),
    # tolerance: prefixes, case, spacing, abbreviations, ordinal suffixes
    ("in 2015", D(2015, 1, 1), D(2015, 12, 31), False),
    ("during 2015", D(2015, 1, 1), D(2015, 12, 31), False),
    ("in the first half of 2015", D(2015, 1, 1), D(2015, 6, 30), False),
    ("  7   DECEMBER   2010 ", D(2010, 12, 7), D(2010, 12, 7), False),
    ("Dec 7 2010", D(2010, 12, 7), D(2010, 12, 7), False),
    ("Sept 3, 2015", D(2015, 9, 3), D(2015, 9, 3), False),
    ("1st-4th March 2015", D(2015, 3, 1), D(2015, 3, 4), False),
    ("2nd and 3rd May 2015", D(2015, 5, 2), D(2015, 5, 3), False),
    ("January 26-28, 2015", D(2015, 1, 26), D(2015, 1, 28), False),
    ("29 February 2016", D(2016, 2, 29), D(2016, 2, 29), False),
    ("Q1 2100", D(2100, 1, 1), D(2100, 3, 31), False),
    ("1900", D(1900, 1, 1), D(1900, 12, 31), False),
]

RELATIVE = [
    # text, relative_to, earliest, latest
    ("within one (1) month", REFERENCE, REFERENCE, D(2015, 2, 28)),
    ("within one month", REFERENCE, REFERENCE, D(2015, 2, 28)),
    ("within 1 month", D(2016, 1, 31), D(2016, 1, 31), D(2016, 2, 29)),
    ("within 30 days", REFERENCE, REFERENCE, D(2015, 3, 2)),
    ("within two (2) weeks", REFERENCE, REFERENCE, D(2015, 2, 14)),
    ("within three months", D(2015, 11, 30), D(2015, 11, 30), D(2016, 2, 29)),
    ("within a year", D(2016, 2, 29), D(2016, 2, 29), D(2017, 2, 28)),
    ("within one year", REFERENCE, REFERENCE, D(2016, 1, 31)),
    ("Within  Twelve (12) Months", REFERENCE, REFERENCE, D(2016, 1, 31)),
]

REFUSED = [
    # text, a fragment the message must contain
    ("", "empty"),
    ("   ", "empty"),
    ("soon", "no year"),
    ("next year", "no year"),
    ("January", "no year"),
    ("Q5 2015", "no 'Q5' quarter"),
    ("fifth quarter of 2015", "no 'fifth' quarter"),
    ("third half of 2015", "no 'third' half"),
    ("H3 2015", "no 'H3' half"),
    ("31 February 2015", "February 2015 has no day 31"),
    ("2015-02-30", "February 2015 has no day 30"),
    ("2015-13-01", "no month 13"),
    ("30-28 January 2015", "before it starts"),
    ("2016-2015", "before it starts"),
    ("30 December - 2 January 2015", "write the year on both sides"),
    ("2015-01-28/2015-01-26", "before it starts"),
    ("within one month", "reference date"),
    ("sometime in 2015ish", "none of the accepted forms"),
    ("13/14/2015", "ambiguous"),
    ("1899", "1899 is outside 1900..2100"),
    ("2101", "2101 is outside 1900..2100"),
    ("15 March 1899", "outside 1900..2100"),
    ("Q1 2101", "outside 1900..2100"),
    ("by the end of 2015", "none of the accepted forms"),
    ("for the next three years (2015-2016)", "says 3 year(s)"),
    ("tbc", "no date"),
]

REFUSED_WITH_REFERENCE = [
    ("within one (2) months", "disagrees"),
    ("within fifteen days", "'fifteen' is not a number"),
    ("within 0 days", "at least 1"),
    ("within 9999 years", "out of range"),
]


def quarter_starts(year: int) -> list[date]:
    return [date(year, month, 1) for month in (1, 4, 7, 10)]


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(("text", "earliest", "latest", "tentative"), ACCEPTED)
def test_accepted_form_gives_exact_dates_and_keeps_the_text(text, earliest, latest, tentative):
    period = parse_period(text)
    assert (period.earliest, period.latest, period.tentative) == (earliest, latest, tentative)
    assert period.text == text.strip()


@pytest.mark.parametrize(("text", "relative_to", "earliest", "latest"), RELATIVE)
def test_relative_form_runs_from_the_reference_date(text, relative_to, earliest, latest):
    period = parse_period(text, relative_to=relative_to)
    assert (period.earliest, period.latest, period.tentative) == (earliest, latest, False)
    assert period.text == text


@pytest.mark.parametrize(("text", "fragment"), REFUSED)
def test_unreadable_text_is_refused_with_a_specific_message(text, fragment):
    with pytest.raises(PeriodError) as refusal:
        parse_period(text)
    message = str(refusal.value)
    assert fragment in message
    assert text.strip() in message
    assert "Accepted forms include" in message


@pytest.mark.parametrize(("text", "fragment"), REFUSED_WITH_REFERENCE)
def test_bad_relative_count_is_refused_even_with_a_reference_date(text, fragment):
    with pytest.raises(PeriodError, match=r"Accepted forms") as refusal:
        parse_period(text, relative_to=REFERENCE)
    assert fragment in str(refusal.value)
    assert text in str(refusal.value)


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


def test_last_quarter_to_be_confirmed_is_tentative():
    period = parse_period("in the last quarter of 2015 (to be confirmed)")
    assert period.tentative
    assert (period.earliest, period.latest) == (date(2015, 10, 1), date(2015, 12, 31))


def test_early_mid_and_late_are_always_tentative_and_tile_the_year():
    parts = [parse_period(f"{part} 2012") for part in ("early", "mid", "late")]
    assert all(part.tentative for part in parts)
    assert parts[0].earliest == date(2012, 1, 1)
    assert parts[-1].latest == date(2012, 12, 31)
    for before, after in itertools.pairwise(parts):
        assert after.earliest == before.latest + timedelta(days=1)


def test_reference_date_is_ignored_by_absolute_forms():
    assert parse_period("Q3 2015", relative_to=REFERENCE) == parse_period("Q3 2015")


def test_period_refuses_to_end_before_it_starts():
    with pytest.raises(PeriodError, match="ends"):
        Period("backwards", date(2015, 1, 2), date(2015, 1, 1))


def test_single_day_period_is_single_day_and_a_range_is_not():
    assert parse_period("7 December 2010").is_single_day()
    assert not parse_period("6-7 December 2010").is_single_day()


def test_sort_key_orders_by_earliest_then_latest():
    texts = ["2015", "Q1 2015", "January 2015", "2014-12-31"]
    ordered = sorted((parse_period(text) for text in texts), key=lambda p: p.sort_key)
    assert [period.text for period in ordered] == ["2014-12-31", "January 2015", "Q1 2015", "2015"]


def test_status_helpers_compare_today_with_the_period():
    period = parse_period("26-28 January 2015")
    assert period.is_upcoming(date(2015, 1, 25))
    assert period.is_current(date(2015, 1, 26))
    assert period.is_current(date(2015, 1, 28))
    assert period.is_overdue(date(2015, 1, 29))


def test_module_imports_only_the_standard_library_and_never_django():
    tree = ast.parse(Path(periods.__file__).read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }
    assert "django" not in imported
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# --------------------------------------------------------------------------- properties

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
DASHES = st.sampled_from(["-", " - ", EN_DASH, f" {EN_DASH} ", EM_DASH, f" {EM_DASH} "])


@st.composite
def date_ranges(draw: st.DrawFn) -> tuple[date, date]:
    first = draw(DATES)
    last = draw(st.dates(min_value=first, max_value=date(2100, 12, 31)))
    return first, last


@given(date_ranges(), DASHES, st.sampled_from([MONTH_NAMES, MONTH_ABBREVIATIONS]))
def test_any_written_out_date_range_parses_to_exactly_its_dates(dates, dash, names):
    first, last = dates
    text = (
        f"{first.day} {names[first.month - 1]} {first.year}{dash}"
        f"{last.day} {names[last.month - 1]} {last.year}"
    )
    period = parse_period(text)
    assert (period.earliest, period.latest, period.tentative) == (first, last, False)


@given(st.integers(min_value=1900, max_value=2100), st.integers(min_value=1, max_value=4))
def test_quarter_covers_exactly_its_three_months(year, quarter):
    period = parse_period(f"Q{quarter} {year}")
    starts = [*quarter_starts(year), date(year + 1, 1, 1)]
    assert period.earliest == starts[quarter - 1]
    assert period.latest == starts[quarter] - timedelta(days=1)


@given(st.integers(min_value=1900, max_value=2100))
def test_quarters_of_a_year_tile_it_without_gap_or_overlap(year):
    quarters = [parse_period(f"Q{n} {year}") for n in range(1, 5)]
    assert quarters[0].earliest == date(year, 1, 1)
    assert quarters[-1].latest == date(year, 12, 31)
    for before, after in itertools.pairwise(quarters):
        assert after.earliest == before.latest + timedelta(days=1)


@given(DATES, st.integers(min_value=1, max_value=9999))
def test_within_n_days_spans_exactly_n_days_from_the_reference(relative_to, days):
    period = parse_period(f"within {days} days", relative_to=relative_to)
    assert period.earliest == relative_to
    assert period.latest - period.earliest == timedelta(days=days)


TOKENS = st.sampled_from(
    [
        *MONTH_NAMES,
        *MONTH_ABBREVIATIONS,
        *words("0 1 2 3 12 28 29 30 31 32 99 0000 1899 1900 2015 2016 2100 2101 9999"),
        *words("- / ( ) , and of in the within for next half quarter q h"),
        EN_DASH,
        EM_DASH,
        *words("Q0 Q4 Q5 H1 H3 1st 2nd 3rd 31st first last fifth early mid late tbc"),
        *words("day days week weeks month months year years one two twelve (1) (2)"),
    ]
)


def assert_reads_or_refuses(text: str, relative_to: date | None) -> None:
    try:
        period = parse_period(text, relative_to=relative_to)
    except PeriodError:
        return
    assert period.earliest <= period.latest
    assert period.text == text.strip()


@settings(max_examples=500)
@given(st.text(), st.none() | DATES)
def test_any_text_either_parses_consistently_or_raises_period_error(text, relative_to):
    assert_reads_or_refuses(text, relative_to)


@settings(max_examples=500)
@given(st.lists(TOKENS, max_size=8), st.sampled_from([" ", "", "  "]), st.none() | DATES)
def test_any_jumble_of_date_words_parses_consistently_or_raises_period_error(
    tokens, joiner, relative_to
):
    assert_reads_or_refuses(joiner.join(tokens), relative_to)


@given(date_ranges(), DATES)
def test_exactly_one_of_overdue_upcoming_and_current_holds(dates, today):
    period = Period("generated", *dates)
    flags = [period.is_overdue(today), period.is_upcoming(today), period.is_current(today)]
    assert flags.count(True) == 1
