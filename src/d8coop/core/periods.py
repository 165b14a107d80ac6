"""Read the free-text dates and due periods found in D-8 records.

``parse_period(text)`` turns a text such as ``"26-28 January 2015"`` into a
:class:`Period`: the text exactly as written (stripped), an earliest and a
latest date (both inclusive) and a ``tentative`` flag.  The parser never
guesses: a text it cannot read raises :class:`PeriodError` (a ``ValueError``)
whose message names the text, says what was not understood and lists examples
of accepted forms.

Normalisation before matching
-----------------------------
* case is ignored, runs of whitespace count as one space, commas are ignored;
* the en dash, em dash (and other Unicode dashes) count as a hyphen;
* days may carry an ordinal suffix: ``1st``, ``2nd``, ``3rd``, ``18th``;
* months are full English names or three-letter abbreviations (``Sept`` too),
  optionally followed by a dot;
* a leading ``in``, ``during``, ``in the``, ``during the`` or ``the`` is dropped;
* the tentative markers ``(to be confirmed)``, ``(tbc)``, ``to be confirmed``
  and ``tbc`` may appear anywhere; they are removed and set ``tentative``.

Accepted forms (``D`` day, ``M`` month name, ``Y`` four-digit year, ``-`` any dash)
---------------------------------------------------------------------------------
======================================  ========================================================
``YYYY-MM-DD``                          that day (ISO 8601)
``YYYY-MM-DD/YYYY-MM-DD``               that range (ISO 8601)
``D M Y``                               ``7 December 2010``
``D-D M Y``, ``D and D M Y``            ``26-28 January 2015``, ``18th and 19th November, 2014``
``D M - D M Y``                         ``28 February - 2 March 2010``
``D M Y - D M Y``                       ``30 December 2014 - 2 January 2015``
``M D Y``                               ``December 7, 2010``
``M D-D Y``, ``M D - M D Y``            ``January 26-28, 2015``, ``February 28 - March 02 2010``
``M D Y - M D Y``                       ``December 30, 2014 - January 2, 2015``
``M Y``                                 the whole month: ``January 2015``
``Y``                                   the whole year: ``2015``
``Y-Y``                                 1 Jan of the first to 31 Dec of the last
``<ordinal> half [of] Y``, ``H1 Y``     first = Jan-Jun, second (or last) = Jul-Dec
``<ordinal> quarter [of] Y``, ``Q1 Y``  first..fourth, 1st..4th, or last
``early|mid|late Y``, ``mid-Y``         see the convention below (always tentative)
``for the next N years (Y-Y)``          the years in parentheses; N must agree
``within N days|weeks|months|years``    needs ``relative_to``
======================================  ========================================================

Years must lie in 1900..2100.  A range whose end is before its start is
refused; so is ``30 December - 2 January 2015``, where the year of the start is
not written (write both years rather than let the parser assume one).

Convention for ``early``, ``mid`` and ``late``
----------------------------------------------
These split the year into thirds: ``early Y`` is 1 January to 30 April,
``mid Y`` 1 May to 31 August and ``late Y`` 1 September to 31 December.  The
split is our convention, not the writer's, so such periods are ALWAYS
``tentative=True``.

Relative forms
--------------
``within N <unit>`` runs from ``relative_to`` (earliest) to ``relative_to``
plus the duration (latest).  ``N`` is a number in digits, a word from ``one``
to ``twelve``, or ``a``/``an``; ``within one (1) month`` gives both, and they
must agree.  Days and weeks are exact; months and years are calendar months
and years, clamped to the end of a shorter month (31 January + 1 month is
28 or 29 February; 29 February + 1 year is 28 February).  Without
``relative_to`` these forms are refused.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, TypeAlias

__all__ = ["Period", "PeriodError", "parse_period"]

MIN_YEAR = 1900
MAX_YEAR = 2100

EXAMPLES = (
    "'26-28 January 2015', '28 February - 2 March 2010', 'December 7, 2010', "
    "'2015-01-26', '2015-01-26/2015-01-28', 'January 2015', '2015', '2015-2016', "
    "'second half of 2015', 'Q3 2015', 'last quarter of 2015 (to be confirmed)', "
    "'mid 2010', 'within one (1) month'"
)


class PeriodError(ValueError):
    """A period text that cannot be read, or an inconsistent :class:`Period`."""


@dataclass(frozen=True)
class Period:
    """A stated period: the text as written and the inclusive dates it covers."""

    text: str
    earliest: date
    latest: date
    tentative: bool = False

    def __post_init__(self) -> None:
        if self.earliest > self.latest:
            raise PeriodError(
                f"Period {self.text!r} ends ({self.latest.isoformat()}) "
                f"before it starts ({self.earliest.isoformat()})"
            )

    def is_overdue(self, today: date) -> bool:
        """The whole period lies before ``today``."""
        return today > self.latest

    def is_upcoming(self, today: date) -> bool:
        """The whole period lies after ``today``."""
        return self.earliest > today

    def is_current(self, today: date) -> bool:
        """``today`` falls within the period."""
        return self.earliest <= today <= self.latest

    def is_single_day(self) -> bool:
        return self.earliest == self.latest

    @property
    def sort_key(self) -> tuple[date, date]:
        return (self.earliest, self.latest)


# --------------------------------------------------------------------------- vocabulary

MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}

NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
NUMBER_WORDS |= {"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}

ORDINALS = {
    **dict.fromkeys(("first", "1st"), 1),
    **dict.fromkeys(("second", "2nd"), 2),
    **dict.fromkeys(("third", "3rd"), 3),
    **dict.fromkeys(("fourth", "4th"), 4),
}


class _Span(NamedTuple):
    earliest: date
    latest: date
    tentative: bool = False


class _Unreadable(Exception):
    """Internal: why a text was refused; ``parse_period`` turns it into PeriodError."""


# --------------------------------------------------------------------------- regexes

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DASH = r"\s*-\s*"
_TO = r"(?:\s*-\s*|\s+and\s+)"  # between the two ends of a range of days
_ORD = r"(?:st|nd|rd|th)?"
D1, D2 = rf"(?P<d1>\d{{1,2}}){_ORD}", rf"(?P<d2>\d{{1,2}}){_ORD}"
M1, M2 = rf"(?P<m1>{_MONTH})", rf"(?P<m2>{_MONTH})"
Y1, Y2 = r"(?P<y1>\d{4})", r"(?P<y2>\d{4})"
ISO1 = r"(?P<y1>\d{4})-(?P<m1>\d{2})-(?P<d1>\d{2})"
ISO2 = r"(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})"
_NUMBER = r"(?P<n>[a-z]+|\d{1,4})(?:\s*\(\s*(?P<check>\d{1,4})\s*\))?"
_FRACTION = r"(?:(?P<word>[a-z0-9]+)\s+{noun}\s+(?:of\s+)?|{letter}(?P<n>\d{{1,2}})\s+(?:of\s+)?)"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"^{pattern}$", re.ASCII)


ISO_RE = _compile(ISO1)
ISO_RANGE_RE = _compile(rf"{ISO1}\s*/\s*{ISO2}")
DAY_FIRST_RE = _compile(rf"(?:{D1}(?:\s+{M1}(?:\s+{Y1})?)?{_TO})?{D2}\s+{M2}\s+{Y2}")
MONTH_FIRST_RE = _compile(rf"{M1}\s+{D1}(?:(?:\s+{Y1})?{_TO}(?:{M2}\s+)?{D2})?\s+{Y2}")
MONTH_RE = _compile(rf"{M1}\s+{Y1}")
YEAR_RE = _compile(Y1)
YEAR_RANGE_RE = _compile(rf"{Y1}{_DASH}{Y2}")
HALF_RE = _compile(_FRACTION.format(noun="half", letter="h") + Y1)
QUARTER_RE = _compile(_FRACTION.format(noun="quarter", letter="q") + Y1)
PART_RE = _compile(rf"(?P<part>early|mid|late)(?:{_DASH}|\s+)(?:of\s+)?{Y1}")
NEXT_YEARS_RE = _compile(rf"for\s+the\s+next\s+{_NUMBER}\s+years?\s*\(\s*{Y1}{_DASH}{Y2}\s*\)")
WITHIN_RE = _compile(rf"within\s+{_NUMBER}\s+(?P<unit>day|week|month|year)s?")

_TENTATIVE_RE = re.compile(
    r"(?:-\s*)?(?:\(\s*(?:to\s+be\s+confirmed|tbc)\s*\)|\b(?:to\s+be\s+confirmed|tbc)\b)",
    re.ASCII,
)
_PREFIX_RE = re.compile(r"^(?:(?:in|during)\s+)?(?:the\s+)?", re.ASCII)
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


# --------------------------------------------------------------------------- helpers


def _year_number(raw: str) -> int:
    year = int(raw)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Unreadable(f"the year {year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return year


def _month_number(raw: str) -> int:
    return MONTHS[raw[:3]]


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            month_name = calendar.month_name[month]
            raise _Unreadable(f"{month_name} {year} has no day {day}") from None
        raise _Unreadable(f"there is no month {month}") from None


def _span(start: date, end: date, hint: str = "") -> _Span:
    if end < start:
        raise _Unreadable(f"it ends ({end}) before it starts ({start}){hint}")
    return _Span(start, end)


def _month_span(year: int, first_month: int, last_month: int) -> _Span:
    last_day = calendar.monthrange(year, last_month)[1]
    return _Span(date(year, first_month, 1), date(year, last_month, last_day))


def _count(match: re.Match[str]) -> int:
    """The number of a ``_NUMBER`` group: ``two``, ``2``, ``a`` or ``two (2)``."""
    raw = match["n"]
    if raw.isdigit():
        number = int(raw)
    elif raw in NUMBER_WORDS:
        number = NUMBER_WORDS[raw]
    else:
        raise _Unreadable(f"{raw!r} is not a number (use digits or one..twelve)")
    check = match["check"]
    if check is not None and int(check) != number:
        raise _Unreadable(f"the number {raw!r} disagrees with the {check} in parentheses")
    if number < 1:
        raise _Unreadable("the number must be at least 1")
    return number


def _add_months(start: date, months: int) -> date:
    """``start`` plus calendar months, clamped to the end of a shorter month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- handlers

Handler: TypeAlias = Callable[[re.Match[str], date | None], _Span]


def _iso(m: re.Match[str], _: date | None) -> _Span:
    day = _make_date(_year_number(m["y1"]), int(m["m1"]), int(m["d1"]))
    return _Span(day, day)


def _iso_range(m: re.Match[str], _: date | None) -> _Span:
    start = _make_date(_year_number(m["y1"]), int(m["m1"]), int(m["d1"]))
    end = _make_date(_year_number(m["y2"]), int(m["m2"]), int(m["d2"]))
    return _span(start, end)


def _day_range(m: re.Match[str], _: date | None) -> _Span:
    """Day-first and month-first texts: missing start parts come from the end."""
    end_year = _year_number(m["y2"])
    end_month = _month_number(m["m2"] or m["m1"])
    end = _make_date(end_year, end_month, int(m["d2"] or m["d1"]))
    if m["d2"] is None or m["d1"] is None:
        return _Span(end, end)
    start_year = _year_number(m["y1"]) if m["y1"] else end_year
    start_month = _month_number(m["m1"]) if m["m1"] else end_month
    hint = "" if m["y1"] else "; if it crosses a year, write the year on both sides"
    return _span(_make_date(start_year, start_month, int(m["d1"])), end, hint)


def _whole_month(m: re.Match[str], _: date | None) -> _Span:
    month = _month_number(m["m1"])
    return _month_span(_year_number(m["y1"]), month, month)


def _whole_year(m: re.Match[str], _: date | None) -> _Span:
    year = _year_number(m["y1"])
    return _month_span(year, 1, 12)


def _years(m: re.Match[str], _: date | None) -> _Span:
    first, last = _year_number(m["y1"]), _year_number(m["y2"])
    return _span(date(first, 1, 1), date(last, 12, 31))


def _fraction(m: re.Match[str], parts: int, noun: str) -> int:
    """Which half (``parts=2``) or quarter (``parts=4``) the text names, 1-based."""
    if m["n"] is not None:
        number = int(m["n"])
        label = f"{noun[0].upper()}{number}"
    else:
        label = m["word"]
        number = parts if label == "last" else ORDINALS.get(label, 0)
    if not 1 <= number <= parts:
        raise _Unreadable(f"there is no {label!r} {noun} (a year has {parts})")
    return number


def _half(m: re.Match[str], _: date | None) -> _Span:
    half = _fraction(m, 2, "half")
    return _month_span(_year_number(m["y1"]), 6 * half - 5, 6 * half)


def _quarter(m: re.Match[str], _: date | None) -> _Span:
    quarter = _fraction(m, 4, "quarter")
    return _month_span(_year_number(m["y1"]), 3 * quarter - 2, 3 * quarter)


def _part_of_year(m: re.Match[str], _: date | None) -> _Span:
    """``early``/``mid``/``late``: thirds of the year, always tentative."""
    first_month = {"early": 1, "mid": 5, "late": 9}[m["part"]]
    span = _month_span(_year_number(m["y1"]), first_month, first_month + 3)
    return span._replace(tentative=True)


def _next_years(m: re.Match[str], _: date | None) -> _Span:
    span = _years(m, None)
    stated, covered = _count(m), span.latest.year - span.earliest.year + 1
    if stated != covered:
        raise _Unreadable(f"it says {stated} year(s) but {m['y1']}-{m['y2']} is {covered}")
    return span


def _within(m: re.Match[str], relative_to: date | None) -> _Span:
    if relative_to is None:
        raise _Unreadable("it is relative, so a reference date (relative_to) is needed")
    count, unit = _count(m), m["unit"]
    try:
        if unit in ("day", "week"):
            end = relative_to + timedelta(days=count * (7 if unit == "week" else 1))
        else:
            end = _add_months(relative_to, count * (12 if unit == "year" else 1))
    except OverflowError:
        raise _Unreadable(f"{count} {unit}(s) after {relative_to} is out of range") from None
    return _Span(relative_to, end)


RULES: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (ISO_RE, _iso),
    (ISO_RANGE_RE, _iso_range),
    (DAY_FIRST_RE, _day_range),
    (MONTH_FIRST_RE, _day_range),
    (MONTH_RE, _whole_month),
    (YEAR_RE, _whole_year),
    (YEAR_RANGE_RE, _years),
    (HALF_RE, _half),
    (QUARTER_RE, _quarter),
    (PART_RE, _part_of_year),
    (NEXT_YEARS_RE, _next_years),
    (WITHIN_RE, _within),
)


# --------------------------------------------------------------------------- entry point


def _normalise(text: str) -> tuple[str, bool]:
    """Lower-case, unify dashes and spaces, drop commas, markers and prefixes."""
    cleaned = " ".join(text.translate(_DASHES).replace(",", " ").lower().split())
    without_markers = _TENTATIVE_RE.sub(" ", cleaned)
    tentative = without_markers != cleaned
    core = " ".join(without_markers.split())
    return _PREFIX_RE.sub("", core, count=1), tentative


def _diagnose(core: str) -> str:
    if not core:
        return "it holds a tentative marker but no date"
    if re.search(r"\d+\s*/\s*\d+\s*/\s*\d+", core, re.ASCII):
        return (
            "numeric dates such as 13/14/2015 are ambiguous; "
            "write the month as a word or use YYYY-MM-DD"
        )
    if not re.search(r"(?<!\d)\d{4}(?!\d)", core, re.ASCII):
        return "it gives no year (a four-digit year is required)"
    return "it matches none of the accepted forms"


def _read(core: str, relative_to: date | None) -> _Span:
    """Try each rule in order; the first whose pattern matches decides."""
    for pattern, handler in RULES:
        match = pattern.match(core)
        if match:
            return handler(match, relative_to)
    raise _Unreadable(_diagnose(core))


def parse_period(text: str, *, relative_to: date | None = None) -> Period:
    """Read ``text`` as a :class:`Period`; raise :class:`PeriodError` if unreadable.

    ``relative_to`` is the reference date for ``within ...`` forms and is
    ignored by every other form.
    """
    written = text.strip()
    if not written:
        raise PeriodError(f"The period text is empty. Accepted forms include {EXAMPLES}.")
    core, tentative = _normalise(written)
    try:
        span = _read(core, relative_to)
    except _Unreadable as refusal:
        raise PeriodError(
            f"Cannot read the period {written!r}: {refusal}. Accepted forms include {EXAMPLES}."
        ) from None
    return Period(written, span.earliest, span.latest, tentative or span.tentative)
