"""Exports for organizers: an event's nominations and survey answers as CSV or XLSX.

Text typed by users (SME names, notes, comments) may start with a character a spreadsheet reads
as a formula (`=`, `+`, `-`, `@`, tab, carriage return): such cells are written with a leading
apostrophe, so they open as text (OWASP's advice against CSV injection). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from d8coop.participation.models import Event, Nomination, SurveyAnswer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")


def safe_cell(value: Any) -> Any:
    """A cell that never runs as a formula: numbers as they are, text defused, times as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _user(user: Any) -> str:
    return user.email if user is not None else ""


def nomination_rows(event: Event) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Member state"), _("SME"), _("Status"), _("Place on the waiting list"),
        _("Nominated by"), _("Nominated"), _("Decided by"), _("Decided"), _("Reason"),
        _("Confirmed"), _("Note"),
    ]  # fmt: skip
    nominations = Nomination.objects.filter(event=event).select_related(
        "member_state", "sme", "nominated_by", "decided_by"
    )
    rows = [
        [
            n.member_state.name,
            n.sme.name,
            n.get_status_display(),
            n.waitlist_position,
            _user(n.nominated_by),
            n.nominated_at,
            _user(n.decided_by),
            n.decided_at,
            n.reason,
            n.confirmed_at,
            n.note,
        ]
        for n in nominations
    ]
    return [str(h) for h in header], rows


def survey_rows(event: Event) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Member state"), _("SME"), _("Business contacts made"), _("Deals expected"),
        _("Comments"), _("Answered by"), _("Answered"),
    ]  # fmt: skip
    answers = (
        SurveyAnswer.objects.filter(nomination__event=event)
        .select_related("nomination__member_state", "nomination__sme", "answered_by")
        .order_by("nomination__member_state__name", "nomination__sme__name")
    )
    rows = [
        [
            a.nomination.member_state.name,
            a.nomination.sme.name,
            a.contacts_made,
            a.deals_expected,
            a.comments,
            _user(a.answered_by),
            a.answered_at,
        ]
        for a in answers
    ]
    return [str(h) for h in header], rows


def as_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(event: Event, what: str, fmt: str) -> HttpResponse:
    header, rows = nomination_rows(event) if what == "nominations" else survey_rows(event)
    body = as_csv(header, rows) if fmt == "csv" else as_xlsx(header, rows, what)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"{event.meeting.slug}-{what}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
