"""`{% opportunities_workspace %}`: the opportunities block of the workspace home, for focal
points (their state's, with the returned ones to fix) and the secretariat (the vetting queue);
nothing for anyone else."""

from django import template

from d8coop.accounts.permissions import is_secretariat
from d8coop.opportunities import permissions
from d8coop.opportunities.models import Opportunity

register = template.Library()


@register.inclusion_tag("opportunities/_workspace.html", takes_context=True)
def opportunities_workspace(context) -> dict:
    user = context["request"].user
    if not permissions.is_workspace_user(user):
        return {"show": False}
    mine = permissions.opportunities_managed_by(user)
    return {
        "show": True,
        "is_secretariat": is_secretariat(user),
        "to_vet": mine.filter(status=Opportunity.Status.SUBMITTED).count()
        if is_secretariat(user)
        else None,
        "returned": mine.filter(status=Opportunity.Status.RETURNED).count(),
    }
