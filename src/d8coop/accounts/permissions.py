"""Roles, resolved from positions. Deny by default.

A user acts through the positions their `Person` currently holds, never in their own name: a
focal-point position of a member state lets its holder act for that state (for the position's
bodies only, when it names any), and the terms of that state as coordinator or chair of a body
make the holder a coordinator of the body. When a holding ends, the rights go with the position
to the successor. The secretariat (staff and superusers) may act for every state.

Each function takes the user and an optional day (default: today) and returns plain values.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from d8coop.cooperation.models import Term
from d8coop.members.models import Position, PositionHolding

MEMBERS_DATA_CACHE = "_d8coop_can_see_members_data"


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_secretariat(user: Any) -> bool:
    return _signed_in(user) and bool(user.is_staff or user.is_superuser)


def _current_focal_holdings(user: Any, day: date):
    return PositionHolding.objects.current(day).filter(
        person__user=user, position__is_focal_point=True, position__member_state__isnull=False
    )


def focal_point_states(user: Any, *, on: date | None = None) -> set[str]:
    """ISO codes of the member states whose focal-point position the user holds on the day."""
    if not _signed_in(user):
        return set()
    day = on or timezone.localdate()
    held = _current_focal_holdings(user, day)
    return set(held.values_list("position__member_state__code", flat=True))


def focal_point_bodies(user: Any, state_code: str, *, on: date | None = None) -> set[int] | None:
    """The bodies the user's focal-point positions for the state are limited to.

    None means not limited (one position naming no body acts for all bodies); an empty set
    means the user is no focal point of that state.
    """
    if not _signed_in(user):
        return set()
    day = on or timezone.localdate()
    held = _current_focal_holdings(user, day).filter(
        position__member_state__code=state_code.upper()
    )
    positions = Position.objects.filter(pk__in=held.values("position_id")).prefetch_related(
        "bodies"
    )
    bodies: set[int] = set()
    for position in positions:
        ids = {body.pk for body in position.bodies.all()}
        if not ids:
            return None
        bodies |= ids
    return bodies


def coordinated_bodies(user: Any, *, on: date | None = None) -> set[int]:
    """Bodies coordinated or chaired, on the day, by a state the user is focal point of.

    A term with no period counts as current; a focal point limited to some bodies coordinates
    only those of them.
    """
    day = on or timezone.localdate()
    states = focal_point_states(user, on=day)
    if not states:
        return set()
    terms = Term.objects.filter(
        Q(period_earliest__isnull=True) | Q(period_earliest__lte=day),
        Q(period_latest__isnull=True) | Q(period_latest__gte=day),
        member_state__code__in=states,
        role__in=[Term.Role.COORDINATOR, Term.Role.CHAIR],
    ).values_list("member_state__code", "body_id")
    limits = {code: focal_point_bodies(user, code, on=day) for code in states}
    bodies: set[int] = set()
    for code, body_id in terms:
        limit = limits[code]
        if limit is None or body_id in limit:
            bodies.add(body_id)
    return bodies


def can_act_for_state(
    user: Any, state_code: str, *, body_id: int | None = None, on: date | None = None
) -> bool:
    """The secretariat always; a focal point of the state (for that body, when one is given)."""
    if not _signed_in(user):
        return False
    if is_secretariat(user):
        return True
    bodies = focal_point_bodies(user, state_code, on=on)
    if bodies is None:
        return True
    if body_id is None:
        return bool(bodies)
    return body_id in bodies


def can_answer_for_state(
    user: Any, state_code: str, *, body_id: int | None = None, on: date | None = None
) -> bool:
    """Only a focal point of the state speaks for it (the secretariat does not)."""
    if not _signed_in(user):
        return False
    bodies = focal_point_bodies(user, state_code, on=on)
    if bodies is None:
        return True
    return bool(bodies) if body_id is None else body_id in bodies


def can_see_members_data(user: Any) -> bool:
    """Secretariat staff, holders of the members-only permission (observers) and current focal
    points (coordinators included: they act through a focal-point position); never the public.

    Called on every page render, so the answer is kept on the user object for the request:
    at most three queries the first time, none after.
    """
    if not _signed_in(user):
        return False
    cached = getattr(user, MEMBERS_DATA_CACHE, None)
    if cached is not None:
        return cached
    allowed = bool(
        user.is_staff
        or user.has_perm("members.view_members_only_data")
        or _current_focal_holdings(user, timezone.localdate()).exists()
    )
    setattr(user, MEMBERS_DATA_CACHE, allowed)
    return allowed
