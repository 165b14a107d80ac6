"""Notifications: e-mail at once through the worker, daily digests, one-click unsubscribe, the
in-app list, preferences, the header count and the API."""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail, signing
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from d8coop.notifications import emails, services
from d8coop.notifications.context_processors import unread_notifications
from d8coop.notifications.links import UNSUBSCRIBE_SALT, unsubscribe_url
from d8coop.notifications.models import Digest, Kind, Notification, Preference
from d8coop.notifications.services import notify
from d8coop.notifications.tasks import email_notices

pytestmark = pytest.mark.django_db

Delivery = Preference.Delivery
CIRCULATED = Kind.CONSULTATION_CIRCULATED
REMINDER = Kind.CONSULTATION_REMINDER
RESULT = Kind.CONSULTATION_RESULT
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class FailingBackend(locmem.EmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def tasks_run_at_once(settings):
    """The worker's job done in the test's process, as soon as a task is queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def send(django_capture_on_commit_callbacks, tasks_run_at_once):
    """`send(users, key, ...)`: notify, then commit (which queues the e-mail task)."""

    def notify_and_commit(users, key, *, kind=CIRCULATED, subject="Circular 5", url="/c/5/"):
        with django_capture_on_commit_callbacks(execute=True):
            created = notify(
                users, kind=kind, key=key, message=lambda: (subject, f"Text of {key}"), url=url
            )
        return created

    return notify_and_commit


def choose(user, **deliveries) -> None:
    services.preferences_update(user=user, deliveries=deliveries)


def local(zone: str, day_offset: int, hour: int, minute: int = 0) -> datetime:
    """An instant at hour:minute in `zone`, `day_offset` days after today there."""
    tz = ZoneInfo(zone)
    day = timezone.now().astimezone(tz).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def unsubscribe_link(message) -> str:
    return re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)


def path_of(url: str) -> str:
    return urlsplit(url).path


# --------------------------------------------------------------------------- e-mail at once


def test_a_notice_is_emailed_at_once_after_the_transaction_commits(
    member_user, settings, django_capture_on_commit_callbacks, tasks_run_at_once
):
    settings.D8COOP_BASE_URL = "https://d8.example"

    with django_capture_on_commit_callbacks(execute=True):
        [notice] = notify(
            [member_user], kind=CIRCULATED, key="c5", url="/consultations/5/",
            message=lambda: ("Circular 5 awaits your answer", "Answer by 30 November."),
        )  # fmt: skip
        assert mail.outbox == []  # nothing leaves before the commit

    [message] = mail.outbox
    assert message.to == [member_user.email]
    assert message.subject == "[D-8] Circular 5 awaits your answer"
    assert "Answer by 30 November." in message.body
    assert "https://d8.example/consultations/5/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://d8.example/consultations/5/"' in html
    link = unsubscribe_link(message)
    assert link.startswith("https://d8.example/notifications/unsubscribe/")
    assert link in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notice.refresh_from_db()
    assert notice.emailed_at is not None


# Real commits: the worker reads what the web process committed, as in production.
@pytest.mark.django_db(transaction=True)
def test_in_production_the_email_is_queued_for_the_worker_which_sends_it(member_user):
    # Given the project's database task backend, a notice recorded in a transaction
    with transaction.atomic():
        [notice] = notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))
        assert not DBTaskResult.objects.exists()  # nothing is queued before the commit

    # Then the commit queued one task and sent nothing yet
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "d8coop.notifications.tasks.email_notices"
    assert queued.args_kwargs == {"args": [], "kwargs": {"notification_ids": [notice.pk]}}
    assert mail.outbox == []

    # When the worker runs, the e-mail goes out
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert [m.subject for m in mail.outbox] == ["[D-8] S"]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_when_the_transaction_rolls_back(member_user):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))
        raise RuntimeError("the caller's work fails")

    assert not DBTaskResult.objects.exists()
    assert not Notification.objects.exists()


def test_the_same_key_notified_twice_sends_one_email(member_user, send):
    first = send([member_user], "c5")
    second = send([member_user], "c5")

    assert len(first) == 1 and second == []
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_running_the_send_task_twice_sends_each_notice_once(member_user, outsider, send):
    notices = send([member_user, outsider], "c5")
    ids = [n.pk for n in notices]

    email_notices.call(notification_ids=ids)
    email_notices.call(notification_ids=ids)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([member_user.email, outsider.email])


def test_a_second_worker_running_while_the_first_sends_finds_the_notice_claimed(
    member_user, monkeypatch
):
    [notice] = notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))
    build = emails.notice_message
    sent_by_second_worker = []

    def second_worker_runs_meanwhile(notice):
        ids = [notice.pk]
        sent_by_second_worker.append(services.notifications_email_at_once(notification_ids=ids))
        return build(notice)

    monkeypatch.setattr(emails, "notice_message", second_worker_runs_meanwhile)

    assert services.notifications_email_at_once(notification_ids=[notice.pk]) == 1
    assert sent_by_second_worker == [0]
    assert len(mail.outbox) == 1


def test_a_failed_send_is_logged_released_and_sent_by_the_clock_later(
    member_user, settings, caplog
):
    [notice] = notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"

    with caplog.at_level(logging.ERROR, logger="d8coop.notifications.services"):
        assert services.notifications_email_at_once(notification_ids=[notice.pk]) == 0

    assert f"E-mail of notification {notice.pk}" in caplog.text
    notice.refresh_from_db()
    assert notice.emailed_at is None  # the claim is given back

    # The mail server is back; the clock picks the notice up after a few minutes, not before
    settings.EMAIL_BACKEND = LOCMEM
    services.notifications_retry_unsent(notice.created_at + timedelta(minutes=1))
    assert mail.outbox == []
    services.notifications_retry_unsent(notice.created_at + timedelta(minutes=6))
    services.notifications_retry_unsent(notice.created_at + timedelta(minutes=7))
    assert len(mail.outbox) == 1


def test_the_clock_gives_up_on_notices_older_than_a_day(member_user):
    [notice] = notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))

    services.notifications_retry_unsent(notice.created_at + timedelta(days=1, minutes=1))

    assert mail.outbox == []


def test_a_user_deactivated_before_the_worker_runs_gets_no_email(member_user):
    [notice] = notify([member_user], kind=CIRCULATED, key="c5", message=lambda: ("S", "T"))
    member_user.is_active = False
    member_user.save()

    email_notices.call(notification_ids=[notice.pk])

    assert mail.outbox == []


# --------------------------------------------------------------------------- daily digest


def test_the_digest_groups_the_days_notices_into_one_email_once_a_day(member_user, send):
    # Given a user in Jakarta who takes two kinds in the digest and one at once
    member_user.time_zone = "Asia/Jakarta"
    member_user.save()
    choose(member_user, **{CIRCULATED: Delivery.DIGEST, REMINDER: Delivery.DIGEST})
    send([member_user], "c1", subject="First circular")
    send([member_user], "c2", subject="Second circular")
    send([member_user], "r1", kind=REMINDER, subject="Reminder: 7 days left")
    send([member_user], "x1", kind=RESULT, subject="Result of circular 1")
    assert [m.subject for m in mail.outbox] == ["[D-8] Result of circular 1"]
    mail.outbox.clear()

    # When the clock runs before 07:00 in Jakarta, nothing goes out
    services.notifications_send_digests(local("Asia/Jakarta", 1, 6, 59))
    assert mail.outbox == []

    # At 07:00 one e-mail lists the three, and a second clock run sends nothing more
    services.notifications_send_digests(local("Asia/Jakarta", 1, 7, 0))
    services.notifications_send_digests(local("Asia/Jakarta", 1, 7, 1))
    [digest] = mail.outbox
    assert digest.to == [member_user.email]
    assert digest.subject == "[D-8] Your daily digest: 3 notifications"
    for subject in ("First circular", "Second circular", "Reminder: 7 days left"):
        assert subject in digest.body
        assert subject in digest.alternatives[0][0]
    assert "Result of circular 1" not in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Digest.objects.get(user=member_user).notice_count == 3

    # A notice later that day waits for the next day's digest
    send([member_user], "c3", subject="Third circular")
    services.notifications_send_digests(local("Asia/Jakarta", 1, 18, 0))
    assert len(mail.outbox) == 1
    services.notifications_send_digests(local("Asia/Jakarta", 2, 7, 0))
    assert len(mail.outbox) == 2
    assert "Third circular" in mail.outbox[1].body
    assert "First circular" not in mail.outbox[1].body
    assert mail.outbox[1].subject == "[D-8] Your daily digest: 1 notification"


def test_the_digest_hour_is_in_each_users_own_zone(member_user, outsider, send, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 8
    for user, zone in ((member_user, "Asia/Jakarta"), (outsider, "Europe/Istanbul")):
        user.time_zone = zone
        user.save()
        choose(user, **{CIRCULATED: Delivery.DIGEST})
    send([member_user, outsider], "c1")

    # 09:00 in Jakarta (UTC+7) is 05:00 in Istanbul (UTC+3)
    services.notifications_send_digests(local("Asia/Jakarta", 1, 9, 0))

    assert [m.to for m in mail.outbox] == [[member_user.email]]


def test_an_empty_digest_is_not_sent(member_user):
    choose(member_user, **{CIRCULATED: Delivery.DIGEST})

    services.notifications_send_digests(local("Europe/Istanbul", 1, 9, 0))

    assert mail.outbox == []
    assert not Digest.objects.exists()


def test_a_failed_digest_is_tried_again_by_the_next_run(member_user, send, settings):
    choose(member_user, **{CIRCULATED: Delivery.DIGEST})
    send([member_user], "c1")
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    services.notifications_send_digests(local("Europe/Istanbul", 1, 7, 0))
    assert not Digest.objects.exists()
    assert Notification.objects.get().emailed_at is None

    settings.EMAIL_BACKEND = LOCMEM
    services.notifications_send_digests(local("Europe/Istanbul", 1, 7, 1))

    assert len(mail.outbox) == 1
    assert Digest.objects.count() == 1


def test_the_clock_command_runs_the_digest_job(member_user, send):
    choose(member_user, **{CIRCULATED: Delivery.DIGEST})
    send([member_user], "c1")
    as_of = local("Europe/Istanbul", 1, 7, 30).isoformat()

    call_command("clock", "--once", "--as-of", as_of)
    call_command("clock", "--once", "--as-of", as_of)

    assert len(mail.outbox) == 1


# --------------------------------------------------------------------------- "none" and language


def test_in_the_platform_only_sends_nothing_but_the_notice_is_listed(member_user, send, signed_in):
    choose(member_user, **{CIRCULATED: Delivery.NONE})

    [notice] = send([member_user], "c5", subject="Circular 5 awaits your answer")
    services.notifications_retry_unsent(notice.created_at + timedelta(minutes=10))
    services.notifications_send_digests(local("Europe/Istanbul", 1, 12, 0))

    assert mail.outbox == []
    page = signed_in(member_user).get(reverse("notifications:list"))
    assert "Circular 5 awaits your answer" in page.content.decode()


def test_the_email_is_in_the_recipients_language(member_user):
    member_user.language = "tr"
    member_user.save()

    with translation.override("en"):
        services.notify(
            [member_user], kind=CIRCULATED, key="c5",
            message=lambda: (gettext("Documents"), gettext("Events")),
        )  # fmt: skip
    email_notices.call(notification_ids=list(Notification.objects.values_list("pk", flat=True)))

    [message] = mail.outbox
    assert message.subject == "[D-8] Belgeler"
    assert "Etkinlikler" in message.body
    assert '<html lang="tr" dir="ltr">' in message.alternatives[0][0]


def test_the_digest_is_in_the_recipients_language_and_zone(member_user, send):
    member_user.language = "tr"
    member_user.time_zone = "Asia/Jakarta"
    member_user.save()
    choose(member_user, **{CIRCULATED: Delivery.DIGEST})
    send([member_user], "c1")
    now = local("Asia/Jakarta", 1, 7, 0)

    services.notifications_send_digests(now)

    with translation.override("tr"):
        turkish_day = date_format(now.date(), "DATE_FORMAT")
    english_day = date_format(now.date(), "DATE_FORMAT")
    assert turkish_day != english_day
    [digest] = mail.outbox
    assert turkish_day in digest.body
    assert english_day not in digest.body


def test_an_arabic_email_is_right_to_left(member_user, send):
    member_user.language = "ar"
    member_user.save()

    send([member_user], "c5")

    assert '<html lang="ar" dir="rtl">' in mail.outbox[0].alternatives[0][0]


# --------------------------------------------------------------------------- one-click unsubscribe


def test_the_unsubscribe_link_works_in_one_click_without_csrf(member_user, send):
    # Given an e-mail about a circulated consultation
    send([member_user], "c5")
    link = unsubscribe_link(mail.outbox[0])
    mail_client = Client(enforce_csrf_checks=True)  # no session, no CSRF cookie

    # When the mail client posts the RFC 8058 one-click body
    response = mail_client.post(path_of(link), {"List-Unsubscribe": "One-Click"})

    # Then that kind stays in the platform only, recorded in the history, and no more e-mails
    assert response.status_code == 200
    assert "You will no longer get these e-mails" in response.content.decode()
    preference = Preference.objects.get(user=member_user, kind=CIRCULATED)
    assert preference.delivery == Delivery.NONE
    [change] = preference.history.all()
    assert change.history_change_reason == "one-click unsubscribe"
    assert change.history_user == member_user
    send([member_user], "c6")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(key="c6").exists()
    # Other kinds are untouched
    send([member_user], "x1", kind=RESULT)
    assert len(mail.outbox) == 2


def test_opening_the_unsubscribe_link_asks_first_and_changes_nothing(member_user, client):
    url = unsubscribe_url(user=member_user, kinds=[REMINDER])

    response = client.get(path_of(url))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop these e-mails?" in html
    assert "Consultation deadline approaching" in html
    assert f'<form method="post" action="{path_of(url)}">' in html
    assert not Preference.objects.exists()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), id="sig"),
        pytest.param(lambda token: token[:10], id="cut"),
        pytest.param(
            lambda token: signing.dumps({"u": 1, "k": ["consultation_result"]}, salt="other"),
            id="other-salt",
        ),
    ],
)
def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(member_user, client, tamper):
    choose(member_user, **{CIRCULATED: Delivery.DIGEST})
    token = path_of(unsubscribe_url(user=member_user, kinds=[CIRCULATED])).split("/")[-2]
    url = reverse("notifications:unsubscribe", args=[tamper(token)])

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert Preference.objects.get(user=member_user).delivery == Delivery.DIGEST


def test_a_signed_token_for_an_unknown_kind_or_user_is_refused(member_user, client):
    for payload in ({"u": member_user.pk, "k": ["nonsense"]}, {"u": 99999, "k": [CIRCULATED]}):
        token = signing.dumps(payload, salt=UNSUBSCRIBE_SALT)
        response = client.post(reverse("notifications:unsubscribe", args=[token]))
        assert response.status_code == 400
    assert not Preference.objects.exists()


def test_the_digest_unsubscribe_link_stops_every_kind_in_it(member_user, send):
    choose(member_user, **{CIRCULATED: Delivery.DIGEST, REMINDER: Delivery.DIGEST})
    send([member_user], "c1")
    send([member_user], "r1", kind=REMINDER)
    services.notifications_send_digests(local("Europe/Istanbul", 1, 8, 0))

    Client(enforce_csrf_checks=True).post(path_of(unsubscribe_link(mail.outbox[0])))

    assert set(Preference.objects.values_list("kind", "delivery")) == {
        (CIRCULATED, Delivery.NONE),
        (REMINDER, Delivery.NONE),
    }


# --------------------------------------------------------------------------- the in-app list


def test_the_list_shows_the_users_own_notices_newest_first_with_unread_marked(
    member_user, outsider, signed_in
):
    notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("Older", "t"), url="/c/1/")
    notify([member_user], kind=RESULT, key="b", message=lambda: ("Newer", "t"), url="/c/2/")
    notify([outsider], kind=CIRCULATED, key="a", message=lambda: ("Not yours", "t"))
    Notification.objects.filter(subject="Older").update(
        created_at=timezone.now() - timedelta(hours=1), read_at=timezone.now()
    )

    html = signed_in(member_user).get(reverse("notifications:list")).content.decode()

    assert html.index("Newer") < html.index("Older")
    assert "Not yours" not in html
    assert html.count(">Unread</span>") == 1  # a word, not a colour only
    assert 'href="/c/2/"' in html
    assert "You have 1 unread notification." in html


def test_a_link_that_is_not_a_web_address_is_never_rendered(member_user, signed_in, send):
    send([member_user], "c5", subject="Odd link", url="javascript:alert(1)")

    html = signed_in(member_user).get(reverse("notifications:list")).content.decode()

    assert "Odd link" in html
    assert "javascript:" not in html
    assert "javascript:" not in mail.outbox[0].body


def test_the_list_is_paginated_and_costs_the_same_queries_for_more_notices(member_user, signed_in):
    client = signed_in(member_user)

    def queries_for(count: int) -> int:
        Notification.objects.all().delete()
        for i in range(count):
            notify([member_user], kind=CIRCULATED, key=f"k{i}", message=lambda: ("S", "T"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(queries)

    assert queries_for(3) == queries_for(20)
    notify([member_user], kind=CIRCULATED, key="extra", message=lambda: ("Last page", "T"))
    Notification.objects.filter(key="extra").update(created_at=timezone.now() - timedelta(days=1))
    page_two = client.get(reverse("notifications:list"), {"page": 2}).content.decode()
    assert "Last page" in page_two
    assert "Page 2 of 2" in page_two


def test_the_list_asks_the_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("notifications:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_a_user_marks_one_notice_read(member_user, signed_in):
    [notice] = notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("S", "T"))
    client = signed_in(member_user)

    response = client.post(reverse("notifications:read", args=[notice.pk]), {"page": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list") + "?page=1"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_nobody_reads_or_marks_another_users_notice(member_user, outsider, signed_in):
    [notice] = notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("S", "T"))
    client = signed_in(outsider)

    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    client.post(reverse("notifications:read-all"))

    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_anonymous_visitor_cannot_mark_anything_read(member_user, client):
    [notice] = notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("S", "T"))

    for url in (reverse("notifications:read", args=[notice.pk]), reverse("notifications:read-all")):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_needs_a_post_with_the_csrf_token(member_user, signed_in):
    [notice] = notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("S", "T"))
    client = signed_in(member_user)
    client.handler.enforce_csrf_checks = True

    assert client.get(reverse("notifications:read", args=[notice.pk])).status_code == 405
    assert client.post(reverse("notifications:read-all")).status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read_marks_only_the_users_own(member_user, outsider, signed_in):
    for user in (member_user, outsider):
        for key in ("a", "b"):
            notify([user], kind=CIRCULATED, key=key, message=lambda: ("S", "T"))

    response = signed_in(member_user).post(reverse("notifications:read-all"), follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=member_user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=outsider, read_at__isnull=True).count() == 2


# --------------------------------------------------------------------------- preferences page


def test_the_preferences_page_has_one_labelled_choice_per_kind(member_user, signed_in):
    choose(member_user, **{REMINDER: Delivery.DIGEST})

    html = signed_in(member_user).get(reverse("notifications:preferences")).content.decode()

    for kind in Kind:
        assert f'<label class="form-label" for="id_{kind.value}">{kind.label}</label>' in html
    assert '<option value="digest" selected>Daily digest</option>' in html
    assert html.count("selected>E-mail at once</option>") == len(Kind) - 1


def test_the_preferences_are_saved_all_together_and_recorded(member_user, signed_in):
    data = dict.fromkeys(Kind.values, Delivery.IMMEDIATE)
    data |= {CIRCULATED: Delivery.DIGEST, RESULT: Delivery.NONE}

    response = signed_in(member_user).post(reverse("notifications:preferences"), data, follow=True)

    assert "Your choices are saved." in response.content.decode()
    assert dict(Preference.objects.values_list("kind", "delivery")) == {
        CIRCULATED: Delivery.DIGEST,
        RESULT: Delivery.NONE,
    }
    history = Preference.history.filter(kind=CIRCULATED).get()
    assert (history.history_user, history.history_change_reason) == (
        member_user,
        "preferences page",
    )


def test_a_bad_choice_is_shown_next_to_its_field_and_changes_nothing(member_user, signed_in):
    data = dict.fromkeys(Kind.values, Delivery.DIGEST) | {RESULT: "hourly"}

    response = signed_in(member_user).post(reverse("notifications:preferences"), data)

    assert response.status_code == 200
    assert "Select a valid choice. hourly is not one of the available choices." in (
        response.content.decode()
    )
    assert not Preference.objects.exists()


def test_the_preferences_page_asks_the_anonymous_visitor_to_sign_in(client):
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("notifications:preferences"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert not Preference.objects.exists()


def test_a_user_changes_only_their_own_preferences(member_user, outsider, signed_in):
    data = dict.fromkeys(Kind.values, Delivery.NONE)

    signed_in(outsider).post(reverse("notifications:preferences"), data)

    assert not Preference.objects.filter(user=member_user).exists()
    assert Preference.objects.filter(user=outsider).count() == len(Kind)


# --------------------------------------------------------------------------- the header


def test_the_header_shows_the_unread_count_to_a_signed_in_user(member_user, signed_in):
    for key in ("a", "b"):
        notify([member_user], kind=CIRCULATED, key=key, message=lambda: ("S", "T"))

    html = signed_in(member_user).get(reverse("portal:home")).content.decode()

    assert (
        'Notifications <span class="badge rounded-pill text-bg-primary">2'
        '<span class="visually-hidden"> unread</span></span>'
    ) in html


def test_the_header_has_no_notifications_for_the_anonymous_visitor(client):
    html = client.get(reverse("portal:home")).content.decode()

    assert reverse("notifications:list") not in html


def test_the_context_processor_costs_nothing_for_the_anonymous_visitor(
    django_assert_num_queries,
):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert unread_notifications(request) == {}


def test_the_context_processor_costs_one_query_for_a_signed_in_user(
    member_user, django_assert_num_queries
):
    notify([member_user], kind=CIRCULATED, key="a", message=lambda: ("S", "T"))
    request = RequestFactory().get("/")
    request.user = member_user

    with django_assert_num_queries(0):
        context = unread_notifications(request)  # counted only when a page shows it
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "1"
        assert context["unread_notifications"]


# --------------------------------------------------------------------------- the API

API = "/api/v1/notifications"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_token(api: APIClient, user) -> APIClient:
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]


def test_the_api_lists_and_retrieves_the_callers_own_notices(api, member_user, outsider):
    [mine] = notify([member_user], kind=RESULT, key="a", message=lambda: ("Mine", "T"), url="/x/")
    notify([outsider], kind=RESULT, key="a", message=lambda: ("Theirs", "T"))
    as_token(api, member_user)

    rows = api.get(f"{API}/").json()["results"]
    detail = api.get(f"{API}/{mine.pk}/").json()

    assert [row["subject"] for row in rows] == ["Mine"]
    assert api.get(f"{API}/", {"kind": CIRCULATED}).json()["results"] == []
    assert detail == {
        "id": mine.pk, "kind": "consultation_result", "kind_label": "Consultation result",
        "subject": "Mine", "text": "T", "url": "/x/",
        "created_at": detail["created_at"], "read_at": None, "emailed_at": None,
    }  # fmt: skip


def test_the_api_hides_another_users_notice(api, member_user, outsider):
    [theirs] = notify([outsider], kind=RESULT, key="a", message=lambda: ("Theirs", "T"))
    as_token(api, member_user)

    assert_error(api.get(f"{API}/{theirs.pk}/"), 404, "not_found")
    assert_error(api.post(f"{API}/{theirs.pk}/read/"), 404, "not_found")
    api.post(f"{API}/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_refuses_the_anonymous_caller(api, member_user):
    [notice] = notify([member_user], kind=RESULT, key="a", message=lambda: ("S", "T"))

    for method, url in (
        ("get", f"{API}/"), ("get", f"{API}/{notice.pk}/"), ("post", f"{API}/{notice.pk}/read/"),
        ("post", f"{API}/read-all/"), ("get", f"{API}/preferences/"),
        ("put", f"{API}/preferences/"),
    ):  # fmt: skip
        assert_error(getattr(api, method)(url), 401, "not_authenticated")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_api_marks_one_or_all_notices_read(api, member_user):
    first, *_others = (
        notify([member_user], kind=RESULT, key=k, message=lambda: ("S", "T"))[0] for k in "abc"
    )
    as_token(api, member_user)

    one = api.post(f"{API}/{first.pk}/read/")
    assert one.status_code == 200
    assert one.json()["read_at"] is not None
    assert api.post(f"{API}/read-all/").json() == {"marked": 2}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_api_reads_and_changes_preferences(api, member_user, outsider):
    as_token(api, member_user)

    before = api.get(f"{API}/preferences/").json()["preferences"]
    body = {"preferences": [{"kind": CIRCULATED, "delivery": "digest"}]}
    after = api.put(f"{API}/preferences/", body, format="json")

    assert {row["delivery"] for row in before} == {"immediate"}
    assert [row["kind"] for row in before] == Kind.values
    assert after.status_code == 200
    rows = {row["kind"]: row["delivery"] for row in after.json()["preferences"]}
    assert rows[CIRCULATED] == "digest" and rows[RESULT] == "immediate"
    change = Preference.history.get()
    assert (change.history_user, change.history_change_reason) == (member_user, "API")
    assert not Preference.objects.filter(user=outsider).exists()


@pytest.mark.parametrize(
    "body",
    [
        {
            "preferences": [
                {"kind": CIRCULATED, "delivery": "none"},
                {"kind": "x", "delivery": "none"},
            ]
        },
        {"preferences": [{"kind": CIRCULATED, "delivery": "weekly"}]},
        {"preferences": [{"kind": CIRCULATED, "delivery": "none"}] * 2},
        {},
    ],
    ids=["unknown-kind", "unknown-delivery", "twice", "empty"],
)
def test_a_bad_preferences_put_is_a_400_and_changes_nothing(api, member_user, body):
    as_token(api, member_user)

    assert_error(api.put(f"{API}/preferences/", body, format="json"), 400, "invalid")
    assert not Preference.objects.exists()


def test_the_schema_documents_the_notification_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert set(paths[f"{API}/"]) == {"get"}
    assert set(paths[f"{API}/{{id}}/"]) == {"get"}
    assert set(paths[f"{API}/{{id}}/read/"]) == {"post"}
    assert set(paths[f"{API}/read-all/"]) == {"post"}
    assert set(paths[f"{API}/preferences/"]) == {"get", "put"}


def test_the_notification_endpoints_add_no_schema_warning(tmp_path, capsys):
    # Other apps' warnings are theirs; none may come from these endpoints or their enums.
    GENERATOR_STATS.reset()  # it prints each warning once per process
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))

    warnings = [line for line in capsys.readouterr().err.splitlines() if "arning" in line]
    mine = [w for w in warnings if re.search(r"notifications|named \"(kind|delivery)\"", w)]
    assert mine == []
    schema = (tmp_path / "schema.yaml").read_text()
    assert "NotificationKindEnum:" in schema and "DeliveryEnum:" in schema


# --------------------------------------------------------------------------- back office


def test_the_back_office_lists_notices_read_only_with_filters(
    signed_in, member_user, django_user_model
):
    root = django_user_model.objects.create_superuser(email="root@d8.example", password="pw-x-1")
    [notice] = notify([member_user], kind=RESULT, key="a", message=lambda: ("Result 1", "T"))
    choose(member_user, **{RESULT: Delivery.DIGEST})
    client = signed_in(root)

    changelist = reverse("admin:notifications_notification_changelist")
    for query in ("", "?emailed=no", "?read=yes", f"?kind={RESULT}"):
        assert client.get(changelist + query).status_code == 200
    assert "Result 1" in client.get(changelist + "?emailed=no").content.decode()
    assert "Result 1" not in client.get(changelist + "?read=yes").content.decode()
    change = client.get(reverse("admin:notifications_notification_change", args=[notice.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    preference = Preference.objects.get()
    history = reverse("admin:notifications_preference_history", args=[preference.pk])
    assert client.get(history).status_code == 200


def test_notifying_again_those_who_had_the_notice_costs_one_query(member_user, outsider):
    # Given a notice both users already have (as a clock job sees it every minute)
    notify([member_user, outsider], kind=CIRCULATED, key="again", message=lambda: ("S", "T"))

    # When it is notified again
    with CaptureQueriesContext(connection) as queries:
        again = notify(
            [member_user, outsider], kind=CIRCULATED, key="again", message=lambda: ("S", "T")
        )

    # Then nothing new is written, with one query and no failed insert
    assert again == []
    assert len(queries) == 1
    assert Notification.objects.filter(key="again").count() == 2
