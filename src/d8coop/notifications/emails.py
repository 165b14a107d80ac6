"""The e-mails of notifications: one notice at once, or one user's daily digest.

Each is rendered in the recipient's language and time zone, as plain text with an HTML
alternative, with absolute links and a one-click unsubscribe (RFC 8058 headers). Building a
message sends nothing; the services send and record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from d8coop.accounts.selectors import user_time_zone
from d8coop.notifications.links import absolute_url, unsubscribe_url
from d8coop.notifications.models import Kind, Notification

SUBJECT_PREFIX = "[D-8] "


def user_language(user: Any) -> str:
    """The language of e-mails to the user: their own choice, else the site's default."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


@contextmanager
def recipient_locale(user: Any) -> Iterator[None]:
    """Language and time zone of the recipient, for everything rendered inside."""
    with translation.override(user_language(user)), timezone.override(user_time_zone(user)):
        yield


def _one_line(text: str) -> str:
    # A line break in a subject would be refused as a header injection.
    return " ".join(str(text).split())


def _message(
    *, user: Any, subject: str, template: str, context: dict[str, Any], kinds: Sequence[str]
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user=user, kinds=kinds)
    context = {
        **context,
        "user": user,
        "kinds_text": ", ".join(str(Kind(kind).label) for kind in sorted(set(kinds))),
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "list_url": absolute_url(reverse("notifications:list")),
        "language": translation.get_language(),
        "direction": "rtl" if translation.get_language_bidi() else "ltr",
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT_PREFIX + _one_line(subject),
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    return message


def notice_message(notice: Notification) -> EmailMultiAlternatives:
    """The e-mail of one notice, to its recipient."""
    user = notice.recipient
    with recipient_locale(user):
        return _message(
            user=user,
            subject=notice.subject,
            template="notice",
            context={"notice": notice, "link": absolute_url(notice.safe_url)},
            kinds=[notice.kind],
        )


def digest_message(
    *, user: Any, notices: Sequence[Notification], day: date
) -> EmailMultiAlternatives:
    """One e-mail listing the notices, oldest first: the user's digest of `day`."""
    with recipient_locale(user):
        count = len(notices)
        subject = ngettext(
            "Your daily digest: %(count)d notification",
            "Your daily digest: %(count)d notifications",
            count,
        ) % {"count": count}
        items = [{"notice": notice, "link": absolute_url(notice.safe_url)} for notice in notices]
        return _message(
            user=user,
            subject=subject,
            template="digest",
            context={"items": items, "day": day, "count": count},
            kinds=[notice.kind for notice in notices],
        )
