"""Deadlines of a silence procedure: from "one month" or a local date-time to one UTC instant.

Plain values in, plain data out (no database): the service stores the instant and never reads
the text again, so a later change of time-zone rules cannot move a deadline already declared.

Rules, in the declared zone (default the secretariat's):
* months, years, weeks and days are calendar arithmetic on the local wall time of the
  circulation (31 January + 1 month is the end of February, same time of day); hours and
  minutes are exact elapsed time ("72 hours" is 72 real hours whatever the clocks do);
* a computed wall time that does not exist (clocks jump forward) is moved forward by the length
  of the jump, i.e. read with the offset in force before it, as RFC 5545 (iCalendar) and
  java.time do; a computed wall time that happens twice (clocks go back) takes the later of the
  two instants: either way nobody loses time, and the adjustment is reported;
* an explicit local date-time that does not exist or happens twice is refused: the person who
  typed it must say which instant they mean;
* optionally, a deadline on a weekend day of the secretariat moves to the same time on the next
  working day (rule 8 of the silence procedure; a setting, not a default).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from d8coop.core.periods import NUMBER_WORDS

__all__ = [
    "Deadline",
    "DeadlineError",
    "Duration",
    "deadline_after",
    "deadline_at",
    "parse_duration",
]

WALL = "%Y-%m-%d %H:%M"


class DeadlineError(ValueError):
    """A deadline that cannot be declared; the message says why and what to write instead."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Duration:
    """A silence period as declared: calendar parts (months, days) and exact parts (minutes)."""

    months: int = 0
    days: int = 0
    minutes: int = 0
    text: str = ""

    @property
    def is_calendar(self) -> bool:
        return bool(self.months or self.days)


@dataclass(frozen=True)
class Deadline:
    """The absolute deadline and how it was reached.

    `computed_local` is the wall time the rule gave before any adjustment; `adjustment` is ""
    (none), "gap" (moved forward past clocks jumping forward) or "fold" (later of two instants);
    `moved_off_weekend` says the weekend rule moved it.
    """

    instant: datetime  # aware, UTC
    zone: str
    computed_local: datetime  # naive wall time in `zone`
    adjustment: str = ""
    moved_off_weekend: bool = False

    @property
    def local(self) -> datetime:
        return self.instant.astimezone(ZoneInfo(self.zone))


# --------------------------------------------------------------------------- durations

_UNITS = {
    "minute": (0, 0, 1),
    "hour": (0, 0, 60),
    "day": (0, 1, 0),
    "week": (0, 7, 0),
    "month": (1, 0, 0),
    "year": (12, 0, 0),
}
_NUMBER = r"(?P<n>[a-z]+|\d{1,4})(?:\s*\(\s*(?P<check>\d{1,4})\s*\))?"
_DURATION_RE = re.compile(
    rf"^(?:within\s+)?{_NUMBER}\s*(?P<unit>minute|hour|day|week|month|year)s?$", re.ASCII
)
_ISO_RE = re.compile(
    r"^p(?:(?P<y>\d+)y)?(?:(?P<mo>\d+)m)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?"
    r"(?:t(?:(?P<h>\d+)h)?(?:(?P<mi>\d+)m)?)?$",
    re.ASCII,
)
DURATION_EXAMPLES = "“one month”, “one (1) month”, “72 hours”, “10 days”, “2 weeks”, “P1M”"
MAX_DAYS = 2 * 366


def _number(raw: str, check: str | None, text: str) -> int:
    if raw.isdigit():
        number = int(raw)
    elif raw in NUMBER_WORDS:
        number = NUMBER_WORDS[raw]
    else:
        raise DeadlineError(
            _("“%(text)s”: “%(word)s” is not a number; use digits or one to twelve.")
            % {"text": text, "word": raw},
            code="unreadable_duration",
        )
    if check is not None and int(check) != number:
        raise DeadlineError(
            _("“%(text)s”: the number in words disagrees with the %(check)s in parentheses.")
            % {"text": text, "check": check},
            code="unreadable_duration",
        )
    return number


def parse_duration(text: str) -> Duration:
    """Read "one (1) month", "72 hours", "10 days", "within 2 weeks" or ISO 8601 "P1M"."""
    written = " ".join(text.split())
    core = written.lower()
    iso = _ISO_RE.match(core) if core.startswith("p") else None
    if iso and any(iso.groupdict().values()):
        parts = {key: int(value or 0) for key, value in iso.groupdict().items()}
        duration = Duration(
            months=12 * parts["y"] + parts["mo"],
            days=7 * parts["w"] + parts["d"],
            minutes=60 * parts["h"] + parts["mi"],
            text=written,
        )
    elif match := _DURATION_RE.match(core):
        count = _number(match["n"], match["check"], written)
        months, days, minutes = (count * part for part in _UNITS[match["unit"]])
        duration = Duration(months=months, days=days, minutes=minutes, text=written)
    else:
        raise DeadlineError(
            _("“%(text)s” is not a duration. Write for example %(examples)s.")
            % {"text": written, "examples": DURATION_EXAMPLES},
            code="unreadable_duration",
        )
    if duration.is_calendar and duration.minutes:
        raise DeadlineError(
            _("“%(text)s” mixes calendar days or months with hours; use one or the other.")
            % {"text": written},
            code="unreadable_duration",
        )
    total_days = duration.months * 31 + duration.days + duration.minutes / 1440
    if total_days <= 0 or total_days > MAX_DAYS:
        raise DeadlineError(
            _("“%(text)s”: a silence period lasts from one minute to two years.")
            % {"text": written},
            code="duration_out_of_range",
        )
    return duration


# --------------------------------------------------------------------------- wall times


def _add_months(wall: datetime, months: int) -> datetime:
    """Calendar months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    index = wall.month - 1 + months
    year, month = wall.year + index // 12, index % 12 + 1
    return wall.replace(
        year=year, month=month, day=min(wall.day, calendar.monthrange(year, month)[1])
    )


def _kind_of(wall: datetime, zone: ZoneInfo) -> str:
    """ "" for an ordinary wall time, "gap" if it does not exist, "fold" if it happens twice."""
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return "gap" if round_trip != wall else "fold"


def _transition(wall: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Around a gap or fold at `wall`: the local clock just before and just after the change."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(first, second), max(first, second)
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):  # transitions fall on whole minutes
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    change = high.replace(second=0, microsecond=0)
    old_clock = (change + before).replace(tzinfo=None)
    new_clock = change.astimezone(zone).replace(tzinfo=None)
    return old_clock, new_clock


def _resolve(wall: datetime, zone: ZoneInfo) -> tuple[datetime, str]:
    """The instant of a computed wall time; a gap reads with the offset before it (moving the
    deadline forward by the gap), a fold takes the later instant."""
    kind = _kind_of(wall, zone)
    fold = 1 if kind == "fold" else 0
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC), kind


def _off_weekend(wall: datetime, weekend_days: frozenset[int]) -> datetime:
    for _day in range(7):
        if wall.weekday() not in weekend_days:
            return wall
        wall += timedelta(days=1)
    return wall  # a week of weekend days: nothing to move to


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as exc:
        raise DeadlineError(
            _("“%(name)s” is not a time zone name such as Europe/Istanbul or Asia/Jayapura.")
            % {"name": name},
            code="unknown_time_zone",
        ) from exc


# --------------------------------------------------------------------------- entry points


def deadline_after(
    start: datetime,
    duration: Duration,
    *,
    zone: str,
    weekend_days: frozenset[int] = frozenset(),
) -> Deadline:
    """The deadline `duration` after the aware instant `start`, declared in `zone`."""
    tz = _zone(zone)
    if not duration.is_calendar:
        # In UTC: adding to an aware local time would add wall-clock time, not elapsed time.
        instant = start.astimezone(UTC) + timedelta(minutes=duration.minutes)
        computed = instant.astimezone(tz).replace(tzinfo=None)
        if not weekend_days or computed.weekday() not in weekend_days:
            return Deadline(instant=instant, zone=zone, computed_local=computed)
        wall = computed
    else:
        local = start.astimezone(tz).replace(tzinfo=None)
        computed = _add_months(local, duration.months) + timedelta(days=duration.days)
        wall = computed
    moved = bool(weekend_days) and wall.weekday() in weekend_days
    wall = _off_weekend(wall, weekend_days) if moved else wall
    instant, kind = _resolve(wall, tz)
    return Deadline(
        instant=instant,
        zone=zone,
        computed_local=computed,
        adjustment=kind,
        moved_off_weekend=moved,
    )


def deadline_at(
    wall: datetime, *, zone: str, weekend_days: frozenset[int] = frozenset()
) -> Deadline:
    """The deadline at the local date-time `wall` (naive) in `zone`.

    A time that does not exist or happens twice there is refused with a message naming the
    zone and the change of the clocks.
    """
    tz = _zone(zone)
    wall = wall.replace(second=0, microsecond=0, tzinfo=None)
    kind = _kind_of(wall, tz)
    if kind:
        old_clock, new_clock = _transition(wall, tz)
        params = {
            "time": wall.strftime(WALL),
            "zone": zone,
            "old": old_clock.strftime(WALL),
            "new": new_clock.strftime(WALL),
        }
        if kind == "gap":
            message = _(
                "%(time)s does not exist in %(zone)s: the clocks jump forward from %(old)s to "
                "%(new)s. Choose a time before the jump or after it."
            )
        else:
            message = _(
                "%(time)s happens twice in %(zone)s: the clocks go back from %(old)s to %(new)s, "
                "so the hour before %(old)s is lived twice. Choose a time outside that hour."
            )
        raise DeadlineError(message % params, code=f"local_time_{kind}")
    moved = bool(weekend_days) and wall.weekday() in weekend_days
    target = _off_weekend(wall, weekend_days) if moved else wall
    instant, adjustment = _resolve(target, tz)
    return Deadline(
        instant=instant,
        zone=zone,
        computed_local=wall,
        adjustment=adjustment,
        moved_off_weekend=moved,
    )
