"""CSV and XLSX exports of opportunities, for focal points (their states') and the secretariat
(all), every status, through `core.spreadsheets` (formulas defused)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from d8coop.core import spreadsheets
from d8coop.opportunities.models import Opportunity

COLUMNS = [
    "slug",
    "title",
    "status",
    "host_state",
    "region",
    "isic_section",
    "isic_division",
    "size_amount",
    "currency",
    "size_usd",
    "size_usd_rate_year",
    "instrument",
    "stage",
    "valid_until",
    "incentives",
    "description",
    "contact",
    "created_by",
    "created_at",
    "submitted_at",
    "vetted_by",
    "vetted_at",
    "published_at",
    "closed_at",
    "close_reason",
    "return_reasons",
    "renewals",
    "url",
]


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "hour", None) is not None:
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def row_of(opportunity: Opportunity, *, base_url: str = "") -> list[Any]:
    """One opportunity as plain values (numbers stay numbers, dates as ISO 8601 text)."""
    return [
        opportunity.slug,
        opportunity.title,
        opportunity.status,
        opportunity.host_state.code,
        opportunity.region,
        opportunity.isic_section,
        opportunity.isic_division,
        opportunity.size_amount,
        opportunity.currency,
        opportunity.size_usd,
        opportunity.size_usd_rate_year,
        opportunity.instrument,
        opportunity.stage,
        _iso(opportunity.valid_until),
        opportunity.incentives,
        opportunity.description,
        opportunity.contact.role if opportunity.contact else "",
        opportunity.created_by.email if opportunity.created_by else "",
        _iso(opportunity.created_at),
        _iso(opportunity.submitted_at),
        opportunity.vetted_by.email if opportunity.vetted_by else "",
        _iso(opportunity.vetted_at),
        _iso(opportunity.published_at),
        _iso(opportunity.closed_at),
        opportunity.close_reason,
        opportunity.return_reasons,
        opportunity.renewals,
        base_url + opportunity.get_absolute_url(),
    ]


def to_csv(opportunities: Iterable[Opportunity], *, base_url: str = "") -> str:
    return spreadsheets.to_csv(COLUMNS, (row_of(o, base_url=base_url) for o in opportunities))


def to_xlsx(opportunities: Iterable[Opportunity], *, base_url: str = "") -> bytes:
    rows = (row_of(o, base_url=base_url) for o in opportunities)
    return spreadsheets.to_xlsx(COLUMNS, rows, sheet="opportunities")
