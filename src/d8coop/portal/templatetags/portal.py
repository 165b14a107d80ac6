from datetime import date

from django import template

register = template.Library()


@register.filter
def overdue(item, today: date) -> bool:
    """An open action item whose latest due date has passed."""
    return item.is_overdue(today)


@register.filter
def lookup(mapping, key):
    """`mapping|lookup:key`: a value of a dict (or Counter) by a key held in a variable."""
    return mapping.get(key, 0)


@register.filter
def percent(part: int, whole: int) -> float:
    """Share of `whole`, as a number from 0 to 100 for a bar's width (0 when whole is 0)."""
    return round(100 * part / whole, 1) if whole else 0


@register.filter
def stalled(card, today: date) -> bool:
    return card.is_stalled(today)
