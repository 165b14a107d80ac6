"""The unread count in the header of every page a signed-in user sees."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from d8coop.notifications import selectors


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: counted (one query) only if a page shows it, and only for
    signed-in users; anonymous visitors get nothing, so public cached pages stay the same."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
