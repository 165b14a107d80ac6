"""Who sees which expressions of interest. Deny by default."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from d8coop.accounts.permissions import focal_point_states, is_secretariat
from d8coop.investors.models import Interest, Investor


def _interests() -> QuerySet[Interest]:
    return Interest.objects.select_related(
        "opportunity__host_state", "investor__user"
    ).prefetch_related("steps")


def can_see_leads(user: Any) -> bool:
    """The secretariat and current focal points (of any state) have a leads page."""
    return is_secretariat(user) or bool(focal_point_states(user))


def leads_visible_to(user: Any) -> QuerySet[Interest]:
    """The leads a host follows: the secretariat all, a focal point their states' only."""
    if is_secretariat(user):
        return _interests()
    states = focal_point_states(user)
    if not states:
        return Interest.objects.none()
    return _interests().filter(opportunity__host_state__code__in=states)


def interests_visible_to(user: Any) -> QuerySet[Interest]:
    """Leads as above, and an investor's own expressions of interest."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Interest.objects.none()
    if is_secretariat(user):
        return _interests()
    states = focal_point_states(user)
    return _interests().filter(Q(investor__user=user) | Q(opportunity__host_state__code__in=states))


def investor_of(user: Any) -> Investor | None:
    if user is None or not user.is_authenticated:
        return None
    return Investor.objects.filter(user=user).first()
