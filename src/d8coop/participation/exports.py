"""Exports for organizers: an event's nominations and survey answers as CSV or XLSX, through
`core.spreadsheets` (text a spreadsheet would run as a formula is defused)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from d8coop.core import spreadsheets
from d8coop.participation.models import Event, Nomination, SurveyAnswer

FORMATS = ("csv", "xlsx")


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


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(event: Event, what: str, fmt: str) -> HttpResponse:
    header, rows = nomination_rows(event) if what == "nominations" else survey_rows(event)
    if fmt == "csv":
        body = spreadsheets.to_csv(header, rows).encode("utf-8-sig")  # a BOM: Excel reads UTF-8
    else:
        body = spreadsheets.to_xlsx(header, rows, sheet=what)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"{event.meeting.slug}-{what}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
