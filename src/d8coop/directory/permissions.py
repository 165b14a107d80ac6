"""Who may see and do what in the SME directory. Deny by default.

The public (and any signed-in user) sees profiles that are public AND validated, without the
contact's e-mail and telephone. Members (secretariat, observers, focal points) see those contact
details of the profiles they can see. A focal point manages (creates, edits, validates,
archives, invites, exports) the profiles of its own member state, in every status; the
secretariat manages all of them. An SME's maintainer sees and edits its own profile only (and
opts in or out of publication), never another one and never after archiving.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from d8coop.accounts.permissions import (
    can_act_for_state,
    can_see_members_data,
    focal_point_states,
    is_secretariat,
)
from d8coop.directory.models import SmeProfile


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def managed_states(user: Any) -> set[str] | None:
    """Codes of the states whose profiles the user manages; None means every state."""
    if is_secretariat(user):
        return None
    return focal_point_states(user)


def can_manage_state(user: Any, state_code: str) -> bool:
    return can_act_for_state(user, state_code)


def can_manage(user: Any, profile: SmeProfile) -> bool:
    return can_manage_state(user, profile.member_state.code)


def is_maintainer(user: Any, profile: SmeProfile) -> bool:
    return _signed_in(user) and profile.maintainer_id == user.pk


def can_edit(user: Any, profile: SmeProfile) -> bool:
    if can_manage(user, profile):
        return True
    return is_maintainer(user, profile) and profile.status != SmeProfile.Status.ARCHIVED


def can_see_contact(user: Any, profile: SmeProfile) -> bool:
    """The contact's e-mail and telephone: members and the SME's maintainer only."""
    return can_see_members_data(user) or is_maintainer(user, profile) or can_manage(user, profile)


def profiles_managed_by(user: Any) -> QuerySet[SmeProfile]:
    profiles = SmeProfile.objects.all()
    states = managed_states(user)
    if states is None:
        return profiles
    if not states:
        return profiles.none()
    return profiles.filter(member_state__code__in=states)


def profiles_visible_to(user: Any) -> QuerySet[SmeProfile]:
    """Public and validated profiles, plus those the user manages or maintains."""
    public = Q(public=True, status=SmeProfile.Status.VALIDATED)
    if not _signed_in(user):
        return SmeProfile.objects.filter(public)
    states = managed_states(user)
    if states is None:
        return SmeProfile.objects.all()
    rule = public | Q(maintainer=user)
    if states:
        rule |= Q(member_state__code__in=states)
    return SmeProfile.objects.filter(rule)


def get_profile_for_user(user: Any, slug: str, *, write: bool = False) -> SmeProfile:
    """The profile if the user may see it (edit it, with `write`); 404 otherwise, so that the
    existence of an unpublished profile is not revealed."""
    profiles = profiles_visible_to(user).select_related(
        "member_state", "introduced_by", "size_definition", "maintainer", "validated_by"
    )
    profile = profiles.filter(slug=slug).first()
    if profile is None or (write and not can_edit(user, profile)):
        raise Http404("No such SME profile.")
    return profile


def get_managed_profile(user: Any, slug: str) -> SmeProfile:
    """The profile if the user manages it (focal point of its state, secretariat); 404."""
    profile = (
        profiles_managed_by(user).select_related("member_state", "maintainer").filter(slug=slug)
    ).first()
    if profile is None:
        raise Http404("No such SME profile.")
    return profile
