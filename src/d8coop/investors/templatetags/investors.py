"""`{% load investors %}`: links to the investors' pages for those who have them."""

from typing import Any

from django import template

from d8coop.investors import selectors

register = template.Library()


@register.filter
def sees_leads(user: Any) -> bool:
    """The secretariat and focal points: a link to the leads from investors."""
    return selectors.can_see_leads(user)


@register.filter
def is_investor(user: Any) -> bool:
    """A registered investor (verified or not): a link to their investor page."""
    return selectors.investor_of(user) is not None
