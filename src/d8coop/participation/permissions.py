"""Who sees and does what in participation. Deny by default.

The public sees an event's window, the quotas and the number of places taken, and the names of
participating SMEs whose directory profile is public. The secretariat (the organizer) sees and
decides every nomination. A focal point sees its own states' nominations and nominates its own
states' validated SMEs (for the meeting's body, when its position is limited to some bodies).
An SME's maintainer sees, confirms and answers the survey for its own SME's nominations.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from d8coop.accounts.permissions import can_answer_for_state, focal_point_states, is_secretariat
from d8coop.directory.models import SmeProfile
from d8coop.participation.models import Event, Nomination


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_organizer(user: Any) -> bool:
    return is_secretariat(user)


def nominating_states(user: Any, event: Event) -> list[str]:
    """Codes of the states the user nominates for at this event (focal points only)."""
    return sorted(
        code
        for code in focal_point_states(user)
        if can_answer_for_state(user, code, body_id=event.meeting.body_id)
    )


def nominable_smes(user: Any, event: Event) -> QuerySet[SmeProfile]:
    """Validated SMEs of the user's own states not yet nominated (or withdrawn) here."""
    codes = nominating_states(user, event)
    if not codes:
        return SmeProfile.objects.none()
    taken = Nomination.objects.filter(event=event).exclude(status=Nomination.Status.WITHDRAWN)
    return (
        SmeProfile.objects.filter(status=SmeProfile.Status.VALIDATED, member_state__code__in=codes)
        .exclude(pk__in=taken.values("sme_id"))
        .select_related("member_state")
        .order_by("member_state__name", "name")
    )


def nominations_visible_to(user: Any, event: Event | None = None) -> QuerySet[Nomination]:
    """Every nomination the user may see (none for the public and outsiders)."""
    nominations = Nomination.objects.select_related(
        "event__meeting", "member_state", "sme", "nominated_by", "decided_by"
    )
    if event is not None:
        nominations = nominations.filter(event=event)
    if is_organizer(user):
        return nominations
    if not _signed_in(user):
        return nominations.none()
    rule = Q(sme__maintainer=user)
    for code in focal_point_states(user):
        rule |= Q(member_state__code=code)
    visible = nominations.filter(rule)
    # A focal point limited to some bodies sees its states' nominations for those bodies only.
    allowed = [
        n.pk
        for n in visible
        if (n.sme.maintainer_id == user.pk)
        or can_answer_for_state(user, n.member_state.code, body_id=n.event.meeting.body_id)
    ]
    return nominations.filter(pk__in=allowed)


def sees_any_nomination(user: Any, event: Event) -> bool:
    return is_organizer(user) or nominations_visible_to(user, event).exists()
