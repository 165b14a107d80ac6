"""CSV and XLSX exports of opportunities, for focal points (their states') and the secretariat
(all), every status. Text cells that a spreadsheet would read as a formula (starting with
= + - @, or a tab or carriage return) get a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(opportunities: Iterable[Opportunity], *, base_url: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for opportunity in opportunities:
        writer.writerow(
            ["" if v is None else safe_cell(v) for v in row_of(opportunity, base_url=base_url)]
        )
    return out.getvalue()


def to_xlsx(opportunities: Iterable[Opportunity], *, base_url: str = "") -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("opportunities")
    sheet.append(COLUMNS)
    for opportunity in opportunities:
        values = []
        for value in row_of(opportunity, base_url=base_url):
            if value is not None and not isinstance(value, (str, int)):
                value = float(value)  # Decimal: a number cell
            values.append(safe_cell(value))
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
