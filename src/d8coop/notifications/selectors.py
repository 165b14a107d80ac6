"""Reads about notifications: a user's own notices and choices, and what is waiting for e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from d8coop.notifications.models import Kind, Notification, Preference

Delivery = Preference.Delivery


def notices_of(user: Any) -> QuerySet[Notification]:
    """The user's own notices, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def deliveries_of(user: Any) -> dict[str, str]:
    """How the user receives each kind of notice (every kind; no choice means at once)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in Kind.values}


def _preference(delivery: str) -> QuerySet[Preference]:
    return Preference.objects.filter(
        user_id=OuterRef("recipient_id"), kind=OuterRef("kind"), delivery=delivery
    )


def notices_to_email_at_once() -> QuerySet[Notification]:
    """Notices not yet e-mailed whose recipient takes their kind at once (the default)."""
    return Notification.objects.filter(emailed_at__isnull=True, recipient__is_active=True).exclude(
        Exists(_preference(Delivery.DIGEST)) | Exists(_preference(Delivery.NONE))
    )


def notices_for_digest(*, since: datetime, until: datetime) -> QuerySet[Notification]:
    """Notices created in [since, until] not yet e-mailed whose recipient takes their kind in
    the daily digest, oldest first."""
    return (
        Notification.objects.filter(
            Exists(_preference(Delivery.DIGEST)),
            emailed_at__isnull=True,
            recipient__is_active=True,
            created_at__gte=since,
            created_at__lte=until,
        )
        .select_related("recipient")
        .order_by("created_at", "pk")
    )
