"""Who acts in the B2B meetings of an event. Deny by default.

A participant is an accepted or confirmed nomination of the event. A participant acts through
its SME's maintainer or a focal point of the SME's member state; the secretariat organizes
(settings, schedule) but does not ask or answer for an SME.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from d8coop.accounts.permissions import can_answer_for_state, focal_point_states, is_secretariat
from d8coop.participation.models import Event, Nomination

PARTICIPATING = (Nomination.Status.ACCEPTED, Nomination.Status.CONFIRMED)


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def participants(event: Event) -> QuerySet[Nomination]:
    return (
        Nomination.objects.filter(event=event, status__in=PARTICIPATING)
        .select_related("sme", "sme__member_state")
        .order_by("sme__name", "pk")
    )


def is_participant(nomination: Nomination, event: Event) -> bool:
    return nomination.event_id == event.pk and nomination.status in PARTICIPATING


def can_act_for(user: Any, nomination: Nomination) -> bool:
    """The SME's maintainer, or a focal point of the SME's own member state."""
    if not _signed_in(user):
        return False
    if nomination.sme.maintainer_id == user.pk:
        return True
    return can_answer_for_state(user, nomination.sme.member_state.code)


def participants_acted_for(user: Any, event: Event) -> list[Nomination]:
    if not _signed_in(user):
        return []
    codes = focal_point_states(user)
    return list(
        participants(event).filter(Q(sme__maintainer=user) | Q(sme__member_state__code__in=codes))
    )


def can_organize(user: Any) -> bool:
    return is_secretariat(user)


def get_event_for_user(user: Any, slug: str) -> tuple[Event, list[Nomination]]:
    """The event by its meeting's slug and the participants the user acts for; 404 for anyone
    who neither organizes nor acts for a participant (the event's B2B is not public)."""
    event = (
        Event.objects.select_related("meeting", "meeting__country")
        .filter(meeting__slug=slug)
        .first()
    )
    if event is None or not _signed_in(user):
        raise Http404("No such event.")
    mine = participants_acted_for(user, event)
    if not mine and not can_organize(user):
        raise Http404("No such event.")
    return event, mine
