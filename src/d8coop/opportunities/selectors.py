"""Reads of opportunities: the listing's filters and text search, shared by pages and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from d8coop.accounts.permissions import focal_point_states, is_secretariat
from d8coop.fulltext import search as fulltext_search
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity
from d8coop.opportunities.permissions import PUBLIC_STATUSES, Status

LIST_RELATED = ("host_state", "contact")


@dataclass
class Filters:
    q: str = ""
    country: str = ""
    sector: str = ""
    size_min: Decimal | None = None
    size_max: Decimal | None = None
    instrument: str = ""
    stage: str = ""
    statuses: tuple[str, ...] = (Status.PUBLISHED,)


def apply_filters(opportunities: QuerySet[Opportunity], filters: Filters) -> QuerySet[Opportunity]:
    """Everything but the text: country, ISIC sector, size in US dollars, instrument, stage,
    status. A size filter leaves out opportunities whose size in US dollars is not known."""
    opportunities = opportunities.filter(status__in=filters.statuses)
    if filters.country:
        opportunities = opportunities.filter(host_state__code=filters.country.upper())
    if filters.sector:
        opportunities = opportunities.filter(isic_section=filters.sector.upper())
    if filters.size_min is not None:
        opportunities = opportunities.filter(size_usd__gte=filters.size_min)
    if filters.size_max is not None:
        opportunities = opportunities.filter(size_usd__lte=filters.size_max)
    if filters.instrument:
        opportunities = opportunities.filter(instrument=filters.instrument)
    if filters.stage:
        opportunities = opportunities.filter(stage=filters.stage)
    return opportunities


@dataclass
class Found:
    """A page of results: the opportunities in order and, when a text was searched, the
    highlighted passages of each (by primary key)."""

    opportunities: QuerySet[Opportunity] | list[Opportunity]
    snippets: dict[int, dict[str, Any]] = field(default_factory=dict)


def search(opportunities: QuerySet[Opportunity], filters: Filters) -> Found:
    """The filtered opportunities, newest first; with a text, only those matching it, best
    first, with highlighted passages (`d8coop.fulltext`)."""
    opportunities = apply_filters(opportunities, filters).select_related(*LIST_RELATED)
    q = filters.q.strip()
    if not q:
        return Found(opportunities.order_by("-published_at", "-created_at", "pk"))
    hits = fulltext_search(opportunities, q)
    by_pk = opportunities.in_bulk([hit.pk for hit in hits])
    ordered = [by_pk[hit.pk] for hit in hits if hit.pk in by_pk]
    return Found(ordered, {hit.pk: hit.snippets for hit in hits})


def export_rows(opportunities: QuerySet[Opportunity]) -> QuerySet[Opportunity]:
    return opportunities.select_related(
        "host_state", "contact", "created_by", "vetted_by"
    ).order_by("host_state__name", "-created_at", "pk")


def vetting_queue() -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(status=Status.SUBMITTED)
        .select_related(*LIST_RELATED)
        .order_by("submitted_at", "pk")
    )


def host_states_for(user: Any) -> QuerySet[MemberState]:
    """Member states (today) the user may prepare opportunities for."""
    states = MemberState.objects.members_on(timezone.localdate()).order_by("name")
    if is_secretariat(user):
        return states
    return states.filter(code__in=focal_point_states(user))


def public_statuses(include_past: bool) -> tuple[str, ...]:
    return tuple(PUBLIC_STATUSES) if include_past else (Status.PUBLISHED,)
