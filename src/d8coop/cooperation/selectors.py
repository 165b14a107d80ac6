"""Reads that span relations, shaped for pages and feeds, with a fixed number of queries."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome, Term
from d8coop.core.models import Visibility
from d8coop.core.permissions import can_see_members_data
from d8coop.members.models import ContactNumber, MemberState, Position
from d8coop.portal.models import NewsItem


def body_family_ids(body: Body) -> list[int]:
    """A body and the bodies under it (the SME Task Force and its Governmental Bodies)."""
    return [body.pk, *body.children.values_list("pk", flat=True)]


def meetings_with_place() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("country", "body", "host")


def held_meetings(body_ids: list[int]) -> QuerySet[Meeting]:
    outcomes = Outcome.objects.order_by("order")
    return (
        meetings_with_place()
        .filter(body_id__in=body_ids, status=Meeting.Status.HELD)
        .prefetch_related(Prefetch("outcomes", queryset=outcomes), "documents", "back_to_back")
    )


def documents_of(body_ids: list[int]) -> QuerySet[Document]:
    return (
        Document.objects.filter(Q(body_id__in=body_ids) | Q(adopted_at__body_id__in=body_ids))
        .select_related("adopted_at")
        .distinct()
    )


def action_items() -> QuerySet[ActionItem]:
    return ActionItem.objects.select_related("body", "outcome__meeting").prefetch_related(
        Prefetch("responsible_states", queryset=MemberState.objects.order_by("name"))
    )


def planned_meetings(body_ids: list[int], today: date) -> QuerySet[Meeting]:
    return (
        meetings_with_place()
        .filter(body_id__in=body_ids)
        .exclude(status__in=[Meeting.Status.HELD, Meeting.Status.CANCELLED])
        .order_by("period_earliest")
    )


def terms_of_all() -> QuerySet[Term]:
    return Term.objects.select_related("member_state", "decided_at").order_by("role", "pk")


def terms_of(body: Body) -> QuerySet[Term]:
    return terms_of_all().filter(body=body)


def contacts_visible_to(user, *, body_ids: list[int] | None = None) -> QuerySet[Position]:
    """Positions with their holders and numbers, members-only ones removed for outsiders."""
    numbers = ContactNumber.objects.order_by("order", "pk")
    if not can_see_members_data(user):
        numbers = numbers.filter(visibility=Visibility.PUBLIC)
    positions = Position.objects.visible_to(user)
    if body_ids is not None:
        positions = positions.filter(bodies__in=body_ids).distinct()
    return positions.select_related("organization", "member_state").prefetch_related(
        Prefetch("numbers", queryset=numbers), "holdings__person", "bodies"
    )


def news_of(body_ids: list[int]) -> QuerySet[NewsItem]:
    return NewsItem.objects.published().filter(bodies__in=body_ids).distinct()


def body_page(body: Body, tab: str, user, today: date) -> dict:
    """The content of one of the four tabs of a body's page."""
    ids = body_family_ids(body)
    if tab == "achievements":
        return {
            "held_meetings": held_meetings(ids),
            "documents": documents_of(ids),
            "done_items": action_items().filter(body_id__in=ids, status=ActionItem.Status.DONE),
            "outcomes_elsewhere": Outcome.objects.filter(body_id__in=ids)
            .exclude(meeting__body_id__in=ids)
            .select_related("meeting"),
        }
    if tab == "activities":
        return {
            "open_items": action_items().filter(body_id__in=ids).open(),
            "planned_meetings": planned_meetings(ids, today),
        }
    if tab == "contacts":
        return {"terms": terms_of(body), "contacts": contacts_visible_to(user, body_ids=ids)}
    return {
        "news": news_of(ids),
        "events": meetings_with_place().filter(body_id__in=ids),
    }
