"""Access to notices: each is its recipient's alone."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404

from d8coop.notifications import selectors
from d8coop.notifications.models import Notification


def get_notification_for_user(user: Any, pk: Any) -> Notification:
    """The user's own notice `pk`; 404 for anyone else's, as if it did not exist."""
    if user is None or not user.is_authenticated:
        raise Http404("Notices belong to signed-in users.")
    return get_object_or_404(selectors.notices_of(user), pk=pk)
