"""Who may update an action item, checked where the item is fetched.

The secretariat updates every item; a coordinator (the focal point of the state that coordinates
or chairs the body) the items of that body and the bodies under it; a focal point the items its
state is responsible for, for the bodies their position covers. An item for "all member states"
makes every state that was a member on the day of the deciding meeting responsible.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from d8coop.accounts.permissions import (
    coordinated_bodies,
    focal_point_bodies,
    focal_point_states,
    is_secretariat,
)
from d8coop.cooperation.models import ActionItem, Body
from d8coop.members.models import MemberState


def responsible_states(item: ActionItem) -> QuerySet[MemberState]:
    if item.all_member_states:
        day = item.outcome.meeting.period_latest or item.outcome.meeting.period_earliest
        if day is not None:
            return MemberState.objects.members_on(day)
    return item.responsible_states.all()


def coordinated_body_family(user: Any) -> set[int]:
    """Bodies the user coordinates, with the bodies under them."""
    ids = coordinated_bodies(user)
    if not ids:
        return set()
    return ids | set(Body.objects.filter(parent_id__in=ids).values_list("pk", flat=True))


def reporting_states(user: Any, item: ActionItem) -> list[MemberState]:
    """The responsible states the user may report for on this item (focal points only)."""
    codes = focal_point_states(user)
    if not codes:
        return []
    states = []
    for state in responsible_states(item).filter(code__in=codes).order_by("name"):
        bodies = focal_point_bodies(user, state.code)
        if bodies is None or item.body_id in bodies:
            states.append(state)
    return states


def can_update_action_item(user: Any, item: ActionItem) -> bool:
    if is_secretariat(user):
        return True
    if item.body_id in coordinated_body_family(user):
        return True
    return bool(reporting_states(user, item))


def can_update_for_whole_item(user: Any, item: ActionItem) -> bool:
    """Reports without a member state (for the whole item): the secretariat and coordinators."""
    return is_secretariat(user) or item.body_id in coordinated_body_family(user)


def get_action_item_for_user(user: Any, pk: int, *, write: bool = False) -> ActionItem:
    """Action items are public; writing needs a right on the item (403 otherwise)."""
    item = (
        ActionItem.objects.select_related("body", "outcome__meeting", "review_meeting")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404(_("No such action item."))
    if write and not can_update_action_item(user, item):
        raise PermissionDenied(_("You may not update this action item."))
    return item
