"""Links that leave the site in e-mails: absolute addresses and one-click unsubscribe tokens.

An unsubscribe token is signed with the site's secret (`django.core.signing`, its own salt) and
holds the user's id and the kinds of notice it stops. It never expires: a link in an old e-mail
must still work, and all it can do is turn e-mails off for its own user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse

from d8coop.notifications.models import Kind

UNSUBSCRIBE_SALT = "d8coop.notifications.unsubscribe"


class InvalidUnsubscribeLink(Exception):
    """The token was altered, cut short, or names a user or kind that does not exist."""


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid token asks for: stop e-mails of these kinds to this user."""

    user: Any
    kinds: list[str]


def absolute_url(url: str) -> str:
    """An address on this site as a full URL (`D8COOP_BASE_URL`); full URLs pass unchanged."""
    if not url or "://" in url:
        return url
    return f"{settings.D8COOP_BASE_URL}/{url.lstrip('/')}"


def unsubscribe_token(*, user: Any, kinds: Iterable[str]) -> str:
    return signing.dumps({"u": user.pk, "k": sorted(set(kinds))}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user: Any, kinds: Iterable[str]) -> str:
    token = unsubscribe_token(user=user, kinds=kinds)
    return absolute_url(reverse("notifications:unsubscribe", args=[token]))


def unsubscribe_read(token: str) -> Unsubscribe:
    """The user and kinds of a token; raises InvalidUnsubscribeLink for anything else."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise InvalidUnsubscribeLink from exc
    if not isinstance(payload, dict):
        raise InvalidUnsubscribeLink
    kinds = payload.get("k")
    if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(Kind.values):
        raise InvalidUnsubscribeLink
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        raise InvalidUnsubscribeLink
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise InvalidUnsubscribeLink
    return Unsubscribe(user=user, kinds=kinds)
