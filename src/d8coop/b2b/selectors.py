"""Reads for the B2B pages, with their relations fetched up front (no query per row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from d8coop.b2b import permissions, services
from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting
from d8coop.directory.models import Product
from d8coop.participation.models import Event, Nomination

REQUEST_RELATIONS = ("sender__sme__member_state", "recipient__sme__member_state")


@dataclass(frozen=True)
class MyMeeting:
    starts: datetime  # local
    ends: datetime
    table: int
    other: Nomination
    request: MeetingRequest


def meetings(event: Event):
    return (
        ScheduledMeeting.objects.filter(event=event)
        .select_related(*(f"request__{r}" for r in REQUEST_RELATIONS))
        .order_by("slot_start", "table")
    )


def schedule_of(event: Event, nomination: Nomination, zone: ZoneInfo) -> list[MyMeeting]:
    rows = meetings(event).filter(seats__nomination=nomination)
    return [
        MyMeeting(
            starts=m.slot_start.astimezone(zone),
            ends=m.slot_end.astimezone(zone),
            table=m.table,
            other=m.request.other(nomination.pk),
            request=m.request,
        )
        for m in rows
    ]


def participant_view(event: Event, acting: Nomination) -> dict:
    """What one participant sees: the others, its requests either way, its schedule."""
    requests = list(
        MeetingRequest.objects.filter(event=event)
        .filter(Q(sender=acting) | Q(recipient=acting))
        .select_related(*REQUEST_RELATIONS, "scheduled")
        .order_by("-created_at", "-pk")
    )
    open_with = {r.other(acting.pk).pk for r in requests if r.status in MeetingRequest.OPEN}
    products = Prefetch("sme__products", queryset=Product.objects.order_by("hs_code"))
    others = list(permissions.participants(event).exclude(pk=acting.pk).prefetch_related(products))
    for other in others:
        other.has_open_request = other.pk in open_with
    b2b = B2bSettings.objects.filter(event=event).first()
    zone = ZoneInfo(b2b.time_zone) if b2b else ZoneInfo(services.event_zone(event))
    return {
        "others": others,
        "incoming": [r for r in requests if r.recipient_id == acting.pk],
        "outgoing": [r for r in requests if r.sender_id == acting.pk],
        "schedule": schedule_of(event, acting, zone) if b2b else [],
        "zone": zone.key,
    }


def organizer_view(event: Event, b2b: B2bSettings) -> dict:
    """The grid of slots by tables, and the accepted requests not scheduled."""
    zone = ZoneInfo(b2b.time_zone)
    slots = services.slots_of(b2b)
    cells: dict[tuple[datetime, int], ScheduledMeeting] = {
        (m.slot_start, m.table): m for m in meetings(event)
    }
    grid = [
        {
            "starts": slot.start.astimezone(zone),
            "ends": slot.end.astimezone(zone),
            "cells": [cells.get((slot.start, table)) for table in range(1, b2b.tables + 1)],
        }
        for slot in slots
    ]
    unscheduled = (
        MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED)
        .filter(scheduled__isnull=True)
        .select_related(*REQUEST_RELATIONS)
        .order_by("pk")
    )
    counts = {
        status: MeetingRequest.objects.filter(event=event, status=status).count()
        for status in MeetingRequest.Status.values
    }
    return {
        "grid": grid,
        "table_numbers": list(range(1, b2b.tables + 1)),
        "unscheduled": list(unscheduled),
        "scheduled_count": len(cells),
        "counts": [(MeetingRequest.Status(s).label, n) for s, n in counts.items()],
        "participant_count": permissions.participants(event).count(),
        "participants": list(permissions.participants(event)),
    }
