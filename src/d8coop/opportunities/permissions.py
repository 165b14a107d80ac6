"""Who may see and do what with investment opportunities. Deny by default.

Published, expired and closed opportunities are public (they are meant for investors; the
expired and closed ones are shown as such and left out of the default listing), with their
documents. Drafts, submitted and returned ones are seen only by the host state's focal points
and the secretariat: anyone else, investors included, gets 404 as if they did not exist.
A focal point prepares, submits, renews and closes its own state's opportunities; the
secretariat prepares and corrects any, and alone vets.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from d8coop.accounts.permissions import can_act_for_state, focal_point_states, is_secretariat
from d8coop.opportunities.models import Opportunity

Status = Opportunity.Status
PUBLIC_STATUSES = (Status.PUBLISHED, Status.EXPIRED, Status.CLOSED)


def opportunities_visible_to(user: Any) -> QuerySet[Opportunity]:
    """Every opportunity the user may read: the public ones, and all of the states the user
    is focal point of (all for the secretariat)."""
    opportunities = Opportunity.objects.all()
    if is_secretariat(user):
        return opportunities
    rule = Q(status__in=PUBLIC_STATUSES)
    states = focal_point_states(user)
    if states:
        rule |= Q(host_state__code__in=states)
    return opportunities.filter(rule)


def opportunities_managed_by(user: Any) -> QuerySet[Opportunity]:
    """The opportunities of every status the user works on: their states' (all for the
    secretariat); none for anyone else."""
    if is_secretariat(user):
        return Opportunity.objects.all()
    states = focal_point_states(user)
    if not states:
        return Opportunity.objects.none()
    return Opportunity.objects.filter(host_state__code__in=states)


def get_opportunity_for_user(user: Any, slug: str) -> Opportunity:
    """The opportunity if the user may read it, else 404 (whether or not it exists)."""
    opportunity = (
        opportunities_visible_to(user)
        .select_related("host_state", "contact__organization", "created_by", "vetted_by")
        .filter(slug=slug)
        .first()
    )
    if opportunity is None:
        raise Http404("No such opportunity.")
    return opportunity


def is_workspace_user(user: Any) -> bool:
    """A focal point of some member state, or the secretariat."""
    return is_secretariat(user) or bool(focal_point_states(user))


def can_manage(user: Any, opportunity: Opportunity) -> bool:
    """Prepare, edit, attach documents, renew, close: the host state's focal points and the
    secretariat."""
    return can_act_for_state(user, opportunity.host_state.code)


def can_submit(user: Any, opportunity: Opportunity) -> bool:
    return opportunity.host_state.code in focal_point_states(user) and opportunity.status in (
        Status.DRAFT,
        Status.RETURNED,
    )


def can_vet(user: Any) -> bool:
    return is_secretariat(user)


def can_read_documents(user: Any, opportunity: Opportunity) -> bool:
    """Documents follow the opportunity: public once it is published (they are for
    investors), else the host focal points and the secretariat (who alone can read it)."""
    return opportunity.status in PUBLIC_STATUSES or can_manage(user, opportunity)
