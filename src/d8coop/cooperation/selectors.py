"""Reads that span relations, shaped for pages and feeds, with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from d8coop.cooperation.models import ActionItem, Body, Document, Meeting, Outcome, Term
from d8coop.members.models import (
    ContactNumber,
    Membership,
    MemberState,
    Position,
    PositionHolding,
)
from d8coop.portal.models import NewsItem

TAB_LIMIT = 15
CONTACTS_LIMIT = 24


def body_family_ids(body: Body) -> list[int]:
    """A body and the bodies under it (the SME Task Force and its Governmental Bodies)."""
    return [body.pk, *body.children.values_list("pk", flat=True)]


def reviewing_body_ids(item: ActionItem) -> set[int]:
    """Bodies whose meetings may review an item: its own, the one above it, those under it."""
    ids = {item.body_id, *Body.objects.filter(parent_id=item.body_id).values_list("pk", flat=True)}
    if item.body.parent_id:
        ids.add(item.body.parent_id)
    return ids


def bodies_in_family(slug: str) -> QuerySet[Body]:
    """The body named by its slug and the bodies under it."""
    return Body.objects.filter(Q(slug=slug) | Q(parent__slug=slug))


def in_body_family(slug: str) -> Q:
    """Rows of the body named by its slug, or of a body under it."""
    return Q(body__in=bodies_in_family(slug))


def meetings_with_place() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("country", "body", "host")


def held_meetings(body_ids: list[int]) -> QuerySet[Meeting]:
    outcomes = Outcome.objects.order_by("order")
    return (
        meetings_with_place()
        .filter(body_id__in=body_ids, status=Meeting.Status.HELD)
        .prefetch_related(Prefetch("outcomes", queryset=outcomes), "back_to_back")
    )


def documents_of(body_ids: list[int]) -> QuerySet[Document]:
    return (
        Document.objects.filter(Q(body_id__in=body_ids) | Q(adopted_at__body_id__in=body_ids))
        .select_related("adopted_at")
        .distinct()
    )


def action_items() -> QuerySet[ActionItem]:
    return ActionItem.objects.prefetch_related(
        Prefetch("responsible_states", queryset=MemberState.objects.order_by("name"))
    )


def planned_meetings(body_ids: list[int], today: date) -> QuerySet[Meeting]:
    return (
        meetings_with_place()
        .filter(body_id__in=body_ids)
        .upcoming(today)
        .order_by("period_earliest")
    )


def terms_of_all() -> QuerySet[Term]:
    return Term.objects.select_related("member_state", "decided_at").order_by("role", "pk")


def terms_of(body: Body) -> QuerySet[Term]:
    return terms_of_all().filter(body=body)


def contacts_visible_to(user, *, body_ids: list[int] | None = None) -> QuerySet[Position]:
    """Positions with their current holders and the numbers the user may see; members-only
    positions and numbers are left out for the public."""
    numbers = ContactNumber.objects.visible_to(user).order_by("order", "pk")
    holders = PositionHolding.objects.current(timezone.localdate()).select_related(
        "person", "source"
    )
    positions = Position.objects.visible_to(user)
    if body_ids is not None:
        positions = positions.filter(bodies__in=body_ids).distinct()
    return positions.select_related("organization", "member_state").prefetch_related(
        Prefetch("numbers", queryset=numbers), Prefetch("holdings", queryset=holders)
    )


def news_of(body_ids: list[int]) -> QuerySet[NewsItem]:
    return NewsItem.objects.published().filter(bodies__in=body_ids).distinct()


@dataclass(frozen=True)
class Excerpt:
    """The first rows of a list, how many there are in all, and where to see them all."""

    items: list
    total: int
    more_url: str

    @property
    def has_more(self) -> bool:
        return self.total > len(self.items)


def excerpt(queryset: QuerySet, more_url: str, limit: int = TAB_LIMIT) -> Excerpt:
    items = list(queryset[:limit])
    total = queryset.count() if len(items) == limit else len(items)
    return Excerpt(items=items, total=total, more_url=more_url)


def body_page(body: Body, tab: str, user, today: date) -> dict[str, Excerpt | QuerySet]:
    """The content of one of the four tabs of a body's page: the latest rows of each list,
    with a link to the full, filtered list."""
    ids = body_family_ids(body)
    on = f"?body={body.slug}"
    if tab == "achievements":
        elsewhere = (
            Outcome.objects.filter(body_id__in=ids)
            .exclude(meeting__body_id__in=ids)
            .select_related("meeting")
            .order_by("-meeting__period_earliest", "order")
        )
        done = (
            action_items()
            .filter(body_id__in=ids, status=ActionItem.Status.DONE)
            .order_by(F("period_latest").desc(nulls_last=True), "-pk")
        )
        meetings_url = reverse("portal:meetings") + on
        return {
            "held_meetings": excerpt(held_meetings(ids), meetings_url + "&status=held"),
            "documents": excerpt(documents_of(ids), reverse("portal:documents") + on),
            "done_items": excerpt(done, reverse("portal:action-items") + on + "&show=done"),
            "outcomes_elsewhere": excerpt(elsewhere, ""),
        }
    if tab == "activities":
        open_items = action_items().filter(body_id__in=ids).open()
        return {
            "open_items": excerpt(open_items, reverse("portal:action-items") + on),
            "planned_meetings": excerpt(
                planned_meetings(ids, today), reverse("portal:meetings") + on
            ),
        }
    if tab == "contacts":
        contacts = contacts_visible_to(user, body_ids=ids)
        return {
            "terms": terms_of(body),
            "contacts": excerpt(contacts, reverse("portal:contacts") + on, limit=CONTACTS_LIMIT),
        }
    return {
        "news": excerpt(news_of(ids), reverse("portal:news") + on),
        "events": excerpt(
            meetings_with_place().filter(body_id__in=ids), reverse("portal:meetings") + on
        ),
    }


def action_item_responsible_users(item: ActionItem, day: date) -> list:
    """Users who answer for the item on the day: the focal points of its responsible states
    (whose position covers the item's body) and those of the states coordinating its body."""
    from d8coop.accounts.selectors import focal_point_users
    from d8coop.cooperation.permissions import responsible_states

    body_ids = [item.body_id, *([item.body.parent_id] if item.body.parent_id else [])]
    coordinators = Term.objects.filter(
        Q(period_earliest__isnull=True) | Q(period_earliest__lte=day),
        Q(period_latest__isnull=True) | Q(period_latest__gte=day),
        body_id__in=body_ids,
        role__in=[Term.Role.COORDINATOR, Term.Role.CHAIR],
    ).values_list("member_state__code", flat=True)
    codes = {*responsible_states(item).values_list("code", flat=True), *coordinators}
    return focal_point_users(codes, body_ids=body_ids, day=day)


def action_items_for_user(user, day: date) -> QuerySet[ActionItem]:
    """Open items the user may update: all for the secretariat; their body's for coordinators;
    their states' (within their position's bodies) for focal points."""
    from d8coop.accounts.permissions import focal_point_bodies, focal_point_states, is_secretariat
    from d8coop.cooperation.permissions import coordinated_body_family

    items = action_items().open().select_related("body", "outcome__meeting")
    if is_secretariat(user):
        return items
    # "All member states" means the members on the day of the deciding meeting, as in
    # permissions.responsible_states.
    decided = Coalesce(
        OuterRef("outcome__meeting__period_latest"), OuterRef("outcome__meeting__period_earliest")
    )
    scope = Q(body_id__in=coordinated_body_family(user))
    for code in focal_point_states(user, on=day):
        member_then = Membership.objects.filter(
            Q(left_on__isnull=True) | Q(left_on__gte=decided),
            member_state__code=code,
            joined_on__lte=decided,
        )
        state_scope = Q(responsible_states__code=code) | Q(
            Exists(member_then), all_member_states=True
        )
        bodies = focal_point_bodies(user, code, on=day)
        if bodies is not None:
            state_scope &= Q(body_id__in=bodies)
        scope |= state_scope
    return items.filter(pk__in=ActionItem.objects.filter(scope).values("pk"))


def follow_up_items(meeting: Meeting) -> QuerySet[ActionItem]:
    """What a meeting must review: items put on its list, and the open items of its body (and
    the bodies under it) decided at earlier meetings and due by the meeting's last day."""
    ids = body_family_ids(meeting.body)
    scope = Q(review_meeting=meeting)
    if meeting.period_latest is not None:
        scope |= Q(
            status__in=ActionItem.OPEN_STATUSES,
            body_id__in=ids,
            period_latest__lte=meeting.period_latest,
            outcome__meeting__period_latest__lt=meeting.period_earliest,
        )
    return action_items().filter(scope).select_related("body", "outcome__meeting").distinct()


def due_state(item: ActionItem, today: date, soon_days: int) -> str:
    """ "overdue", "due_soon" or "" from the latest day of the due period."""
    if not item.is_open or item.period_latest is None:
        return ""
    if item.period_latest < today:
        return "overdue"
    if (item.period_latest - today).days <= soon_days:
        return "due_soon"
    return ""
