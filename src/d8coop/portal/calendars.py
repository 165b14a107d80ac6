"""The events calendar: filters, grouping by year, and iCalendar (RFC 5545) output."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from d8coop.cooperation.models import Meeting
from d8coop.cooperation.selectors import in_body_family

ICS_STATUS = {
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.PLANNED: "CONFIRMED",
    Meeting.Status.TO_BE_CONFIRMED: "TENTATIVE",
    Meeting.Status.POSTPONED: "TENTATIVE",
    Meeting.Status.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class MeetingFilters:
    body: str = ""
    kind: str = ""
    status: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> MeetingFilters:
        year = query.get("year", "")
        return cls(
            body=query.get("body", ""),
            kind=query.get("kind", "") if query.get("kind") in Meeting.Kind.values else "",
            status=query.get("status", "") if query.get("status") in Meeting.Status.values else "",
            year=int(year) if year.isdigit() and len(year) == 4 else None,
        )

    def apply(self, meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
        if self.body:
            meetings = meetings.filter(in_body_family(self.body))
        if self.kind:
            meetings = meetings.filter(kind=self.kind)
        if self.status:
            meetings = meetings.filter(status=self.status)
        if self.year:
            meetings = meetings.filter(
                period_earliest__year__lte=self.year, period_latest__year__gte=self.year
            )
        return meetings


def group_by_year(meetings: Iterable[Meeting]) -> list[tuple[int | None, list[Meeting]]]:
    def year(meeting: Meeting) -> int | None:
        return meeting.period_earliest.year if meeting.period_earliest else None

    return [(key, list(group)) for key, group in itertools.groupby(meetings, key=year)]


# Dates wider than this are a window the meeting falls in ("third quarter of 2015"), not its days.
EXACT_DAYS_AT_MOST = 14


def _event(request: HttpRequest, meeting: Meeting, stamp) -> Event:
    event = Event()
    # Stable across hosts and database rebuilds, so subscribers never see a meeting twice.
    event.add("uid", f"{meeting.slug}@{settings.STABLE_ID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("summary", meeting.title)
    # All-day events: DTEND is exclusive in RFC 5545.
    event.add("dtstart", meeting.period_earliest)
    event.add("dtend", meeting.period_latest + timedelta(days=1))
    window = (meeting.period_latest - meeting.period_earliest).days >= EXACT_DAYS_AT_MOST
    status = ICS_STATUS.get(meeting.status, "CONFIRMED")
    if meeting.period_tentative or (window and status == "CONFIRMED"):
        status = "TENTATIVE"
    event.add("status", status)
    if window:
        event.add("transp", "TRANSPARENT")  # a window of dates does not make anyone busy
    location = ", ".join(p for p in [meeting.venue, meeting.place] if p)
    if meeting.mode == Meeting.Mode.ONLINE:
        location = location or str(_("Online"))
    if location:
        event.add("location", location)
    description = meeting.summary or ""
    if meeting.period_tentative or window:
        note = _("Dates to be confirmed: %(dates)s.") % {"dates": meeting.period_text}
        description = f"{note} {description}".strip()
    if description:
        event.add("description", description)
    event.add("url", request.build_absolute_uri(meeting.get_absolute_url()))
    event.add("categories", [meeting.get_kind_display()])
    return event


def ics_response(request: HttpRequest, meetings: Iterable[Meeting], *, filename: str):
    calendar = Calendar()
    calendar.add("prodid", "-//D-8 Industrial Cooperation Platform//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", str(_("D-8 industrial cooperation: meetings and events")))
    stamp = timezone.now()
    for meeting in meetings:
        calendar.add_component(_event(request, meeting, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
