"""Notifications: callers describe an event once (`notify`); each recipient gets it at most once,
in the in-app list and, as they chose per kind, by e-mail at once, in a daily digest, or not.

E-mail at once goes out from the background worker after the transaction that recorded the
notice commits; the daily digest from the clock (`notifications_send_digests`). A notice is
claimed before it is sent (its `emailed_at` set by a conditional UPDATE), so two workers or two
clocks never e-mail it twice; a failed send gives the claim back for the next try
(`notifications_retry_unsent`). Preference changes, including one-click unsubscribes, are kept
in the preference's history with who made them and why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from d8coop.accounts.selectors import user_time_zone
from d8coop.notifications import emails, selectors
from d8coop.notifications.emails import user_language
from d8coop.notifications.links import unsubscribe_read
from d8coop.notifications.models import Digest, Kind, Notification, Preference

logger = logging.getLogger(__name__)

Delivery = Preference.Delivery

# A notice to send at once that is still unsent this long after it was recorded is sent by
# the clock (the worker was down, or sending failed); after a day it stays in the list only.
RETRY_AFTER = timedelta(minutes=5)
RETRY_WINDOW = timedelta(days=1)
# Digest notices older than this are no longer e-mailed (e.g. after days without a clock).
DIGEST_WINDOW = timedelta(days=7)


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
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    # Periodic jobs notify the same event every minute: those who had it cost one query, not a
    # failed insert each (the unique constraint still settles a race between two callers).
    had = Notification.objects.filter(key=key, recipient_id__in=users)
    for pk in had.values_list("recipient_id", flat=True):
        del users[pk]
    for user in users.values():
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
    if created:
        # Robust: a queue that cannot be reached must not undo the caller's committed work;
        # the clock sends what the worker never got (notifications_retry_unsent).
        ids = [notice.pk for notice in created]
        transaction.on_commit(partial(_enqueue_email, ids), robust=True)
    return created


def _enqueue_email(notification_ids: list[int]) -> None:
    from d8coop.notifications.tasks import email_notices

    email_notices.enqueue(notification_ids=notification_ids)


# --------------------------------------------------------------------------- e-mail


def _claim(notice: Notification, at: datetime) -> bool:
    """Take the notice for sending; False if someone else took it (or sent it) first."""
    taken = Notification.objects.filter(pk=notice.pk, emailed_at__isnull=True).update(emailed_at=at)
    return taken == 1


def _release(notices: Sequence[Notification], at: datetime) -> None:
    pks = [notice.pk for notice in notices]
    Notification.objects.filter(pk__in=pks, emailed_at=at).update(emailed_at=None)


def notifications_email_at_once(*, notification_ids: Sequence[int]) -> int:
    """E-mail each of these notices whose recipient takes its kind at once and that nobody has
    e-mailed yet; returns how many went out.

    Safe to run twice or side by side: each notice is claimed before it is sent. A notice
    whose sending fails is logged and released, so a later run sends it.
    """
    notices = list(
        selectors.notices_to_email_at_once()
        .filter(pk__in=notification_ids)
        .select_related("recipient")
        .order_by("pk")
    )
    sent = 0
    for notice in notices:
        at = timezone.now()
        if not _claim(notice, at):
            continue
        try:
            emails.notice_message(notice).send()
        except Exception:
            logger.exception(
                "E-mail of notification %s to user %s failed; it will be tried again.",
                notice.pk,
                notice.recipient_id,
            )
            _release([notice], at)
            continue
        sent += 1
    return sent


def notifications_retry_unsent(now: datetime) -> None:
    """Periodic job: e-mail the notices to send at once that are still unsent a few minutes
    after they were recorded (the worker was down or sending failed), up to a day old."""
    ids = list(
        selectors.notices_to_email_at_once()
        .filter(created_at__lte=now - RETRY_AFTER, created_at__gt=now - RETRY_WINDOW)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    if ids:
        notifications_email_at_once(notification_ids=ids)


def notifications_send_digests(now: datetime) -> None:
    """Periodic job: each user with digest notices waiting gets one e-mail listing them, once
    a day, at or after NOTIFICATIONS_DIGEST_HOUR in the user's zone. Empty digests are not
    sent; running it again, or on two clocks at once, sends nothing twice."""
    waiting = selectors.notices_for_digest(since=now - DIGEST_WINDOW, until=now)
    user_ids = set(waiting.values_list("recipient_id", flat=True))
    # Skips, without a failing insert each minute, those whose digest of the day is out.
    sent = set(
        Digest.objects.filter(
            user_id__in=user_ids, day__gte=now.date() - timedelta(days=1)
        ).values_list("user_id", "day")
    )
    for user in get_user_model().objects.filter(pk__in=user_ids).order_by("pk"):
        local = now.astimezone(user_time_zone(user))
        if local.hour >= settings.NOTIFICATIONS_DIGEST_HOUR and (user.pk, local.date()) not in sent:
            digest_send(user=user, day=local.date(), now=now)


def digest_send(*, user: Any, day: date, now: datetime) -> Digest | None:
    """Send the user's digest of `day` unless it went out already; the Digest, or None."""
    try:
        with transaction.atomic():
            digest = Digest.objects.create(user=user, day=day, sent_at=now)
    except IntegrityError:
        return None  # sent today already, or being sent by another clock
    waiting = selectors.notices_for_digest(since=now - DIGEST_WINDOW, until=now)
    notices = [notice for notice in waiting.filter(recipient=user) if _claim(notice, now)]
    if not notices:
        digest.delete()
        return None
    try:
        emails.digest_message(user=user, notices=notices, day=day).send()
    except Exception:
        logger.exception(
            "The digest of %s to user %s failed; it will be tried again.", day, user.pk
        )
        _release(notices, now)
        digest.delete()  # so that a later run today tries again
        return None
    digest.notice_count = len(notices)
    digest.save(update_fields=["notice_count"])
    return digest


# --------------------------------------------------------------------------- the in-app list


def notification_mark_read(*, notification: Notification) -> bool:
    """Mark one notice read (fetch it with `get_notification_for_user`); False if it was."""
    updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return updated == 1


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark all the user's unread notices read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --------------------------------------------------------------------------- preferences


class InvalidPreference(ValueError):
    """An unknown kind of notice or way of delivery."""


@transaction.atomic
def preferences_update(
    *, user: Any, deliveries: Mapping[str, str], changed_by: Any = None, reason: str = ""
) -> list[str]:
    """Set how `user` receives each kind named in `deliveries` (kind → delivery); kinds not
    named keep their choice. All or nothing. Returns the kinds that changed; each change is in
    the preference's history with who made it (`changed_by`, default the user) and why."""
    for kind, delivery in deliveries.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            raise InvalidPreference(f"{kind!r}: {delivery!r}")
    current = {p.kind: p for p in Preference.objects.select_for_update().filter(user=user)}
    changed = []
    for kind, delivery in deliveries.items():
        preference = current.get(kind) or Preference(user=user, kind=kind)
        if (preference.delivery or Delivery.IMMEDIATE) == delivery:
            continue
        preference.delivery = delivery
        preference._history_user = changed_by or user  # type: ignore[attr-defined]
        preference._change_reason = reason  # type: ignore[attr-defined]
        preference.save()
        changed.append(kind)
    return changed


def preferences_unsubscribe(*, token: str) -> tuple[Any, list[str]]:
    """One-click unsubscribe: the kinds named in a signed e-mail token are set to "in the
    platform only" for the token's user; no sign-in needed, the token is the proof.

    Returns (user, kinds); raises links.InvalidUnsubscribeLink and changes nothing if the
    token is not one the site made.
    """
    unsubscribe = unsubscribe_read(token)
    preferences_update(
        user=unsubscribe.user,
        deliveries=dict.fromkeys(unsubscribe.kinds, Delivery.NONE),
        reason="one-click unsubscribe",
    )
    return unsubscribe.user, unsubscribe.kinds
