"""Writing notices. Callers describe an event once; each recipient gets it at most once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from d8coop.notifications.models import Kind, Notification


def user_language(user: Any) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def notify(
    recipients: Iterable[Any],
    *,
    kind: Kind,
    key: str,
    message: Callable[[], tuple[str, str]],
    url: str = "",
) -> list[Notification]:
    """Record the notice for each recipient who has not had `key` yet; returns the new ones.

    `message` returns (subject, text); it is called in each recipient's language. E-mail goes
    out after the transaction commits, at once or in the next digest as the recipient chose.
    """
    created: list[Notification] = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        with translation.override(user_language(user)):
            subject, body = message()
        try:
            with transaction.atomic():
                notice = Notification.objects.create(
                    recipient=user, kind=kind, key=key, subject=str(subject)[:300],
                    body=str(body), url=url,
                )  # fmt: skip
        except IntegrityError:
            continue  # this user already had this notice
        created.append(notice)
    return created
