"""Template helpers: instants in a named zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

from d8coop.consultations import formatting

register = template.Library()


@register.filter
def in_zone(instant: datetime | None, zone: ZoneInfo | str) -> str:
    """`{{ round.deadline|in_zone:round.time_zone }}`: local date, time, zone and offset."""
    if instant is None:
        return ""
    return formatting.in_zone(instant, zone)


@register.filter
def zone_name(zone: ZoneInfo | str) -> str:
    return zone.key if isinstance(zone, ZoneInfo) else str(zone)
