from datetime import date

from django import template

register = template.Library()


@register.filter
def overdue(item, today: date) -> bool:
    """An open action item whose latest due date has passed."""
    return item.is_overdue(today)
