"""Time zones by IANA name: validation and the secretariat's zone."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(name: str) -> None:
    if name and name not in known_time_zones():
        raise ValidationError(
            _("“%(name)s” is not a time zone name such as Europe/Istanbul or Asia/Jayapura."),
            code="unknown_time_zone",
            params={"name": name},
        )


def secretariat_zone() -> ZoneInfo:
    """The zone deadlines are declared in unless a consultation says otherwise."""
    return ZoneInfo(settings.TIME_ZONE)
