"""Who may see and do what in consultations. Deny by default.

Consultations are members-only. The secretariat and observers (holders of the members-only
permission) see every consultation; a focal point sees those sent to a state it answers for
(for the consultation's body, when its position is limited to some bodies); a focal point of a
state coordinating or chairing the consultation's body sees it too, with the comment matrix.
Only the secretariat circulates; only a focal point answers for its state.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from d8coop.accounts.permissions import (
    can_answer_for_state,
    coordinated_bodies,
    focal_point_bodies,
    focal_point_states,
    is_secretariat,
)
from d8coop.consultations.models import Consultation, Dispatch


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def is_observer(user: Any) -> bool:
    """Holds the members-only permission outright (not through a focal-point position)."""
    return _signed_in(user) and user.has_perm("members.view_members_only_data")


def sees_every_consultation(user: Any) -> bool:
    return is_secretariat(user) or is_observer(user)


def can_circulate(user: Any) -> bool:
    return is_secretariat(user)


def _state_rule(code: str, bodies: set[int] | None) -> Q:
    """Consultations sent to the state, limited to the bodies of the position when it names any
    (a consultation of no body is open to every focal point of the state)."""
    sent = Exists(
        Dispatch.objects.filter(round__consultation=OuterRef("pk"), member_state__code=code)
    )
    if bodies is None:
        return Q(sent)
    return Q(sent) & (Q(body__isnull=True) | Q(body_id__in=bodies))


def consultations_queryset_for(user: Any) -> QuerySet[Consultation]:
    """Every consultation the user may see (none for the public and outsiders)."""
    consultations = Consultation.objects.all()
    if sees_every_consultation(user):
        return consultations
    if not _signed_in(user):
        return consultations.none()
    rule = Q(pk__in=[])
    for code in focal_point_states(user):
        rule |= _state_rule(code, focal_point_bodies(user, code))
    coordinated = coordinated_bodies(user)
    if coordinated:
        rule |= Q(body_id__in=coordinated)
    return consultations.filter(rule)


def get_consultation_for_user(user: Any, pk: int) -> Consultation:
    """The consultation if the user may see it, else 404 (whether or not it exists)."""
    consultation = (
        consultations_queryset_for(user)
        .select_related("body", "outcome", "created_by")
        .filter(pk=pk)
    ).first()
    if consultation is None:
        raise Http404("No such consultation.")
    return consultation


def can_see_matrix(user: Any, consultation: Consultation) -> bool:
    """The comment matrix: the secretariat and coordinators (or chairs) of the body."""
    if is_secretariat(user):
        return True
    return consultation.body_id is not None and consultation.body_id in coordinated_bodies(user)


def can_read_every_answer(user: Any, consultation: Consultation) -> bool:
    """Texts of every state's answers: the secretariat, observers and the body's coordinators.
    Other focal points read their own states' answers and see who answered what."""
    return sees_every_consultation(user) or can_see_matrix(user, consultation)


def states_answerable_by(
    user: Any, consultation: Consultation, codes: list[str], *, on
) -> list[str]:
    """Of the recipient codes, those the user answers for in this consultation on the day
    (a few queries whatever the number of codes: only the user's own states are checked)."""
    own = focal_point_states(user, on=on) & set(codes)
    allowed = {
        code
        for code in own
        if can_answer_for_state(user, code, body_id=consultation.body_id, on=on)
    }
    return [code for code in codes if code in allowed]
