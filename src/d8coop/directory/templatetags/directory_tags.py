from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    """`mapping[key]` in a template, None when absent."""
    return (mapping or {}).get(key)


@register.filter
def manages_sme_profiles(user: Any) -> bool:
    """Whether the user manages some state's SME profiles (focal points, the secretariat)."""
    from d8coop.directory.permissions import managed_states

    states = managed_states(user)
    return states is None or bool(states)
