"""`{% load matchmaking %}{% matches_link record %}`: a link to the record's matches, shown only
to those who may see them (the rights of `selectors`); nothing for anyone else."""

from __future__ import annotations

from django import template
from django.urls import reverse

from d8coop.directory.models import SmeProfile
from d8coop.investors.models import Investor
from d8coop.matchmaking import selectors
from d8coop.opportunities.models import Opportunity

register = template.Library()


def matches_url(user, record) -> str:
    if isinstance(record, Opportunity) and selectors.can_match_opportunity(user, record):
        return reverse("matchmaking:opportunity", args=[record.slug])
    if isinstance(record, SmeProfile) and selectors.can_match_sme(user, record):
        return reverse("matchmaking:sme", args=[record.slug])
    if (
        isinstance(record, Investor)
        and record.email_verified_at is not None
        and getattr(user, "pk", None) == record.user_id
    ):
        return reverse("matchmaking:investor")
    return ""


@register.inclusion_tag("matchmaking/_link.html", takes_context=True)
def matches_link(context, record) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"url": matches_url(user, record) if user is not None else ""}
