"""Instants as people read them: local date and time, the zone's name and its UTC offset."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats


def utc_offset(local: datetime) -> str:
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def in_zone(instant: datetime, zone: ZoneInfo | str) -> str:
    """E.g. "28 February 2015, 17:00 (Europe/Istanbul, UTC+02:00)", in the active language."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = instant.astimezone(tz)
    when = formats.date_format(local, "j F Y, H:i")
    return f"{when} ({tz.key}, {utc_offset(local)})"


def record_instant(instant: datetime, zone: str) -> str:
    """Language-neutral, for the record: "2015-02-28 17:00 Europe/Istanbul (UTC+02:00)"."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%Y-%m-%d %H:%M} {zone} ({utc_offset(local)})"
