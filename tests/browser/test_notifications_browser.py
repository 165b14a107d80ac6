"""Notifications in Chromium: the header link, the list, preferences and the unsubscribe page,
on a phone and in Arabic, each checked with axe-core (see conftest.py).

Signed-in pages are checked on a phone: at desktop width the signed-in header currently runs
past the window's edge (a layout issue of the shared header, reported to the lead)."""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"


@pytest.fixture
def amina(transactional_db, django_user_model):
    """A member with three notices, two of them unread."""
    from django.utils import timezone

    from d8coop.notifications.models import Kind
    from d8coop.notifications.services import notify

    user = django_user_model.objects.create_user(email="amina@smedan.example", password=PASSWORD)
    for number in (1, 2, 3):
        notify(
            [user],
            kind=Kind.CONSULTATION_CIRCULATED,
            key=f"circular-{number}",
            message=lambda number=number: (f"Circular {number} awaits your answer", "Answer soon."),
            url="/meetings/",
        )
    user.notifications.filter(key="circular-1").update(read_at=timezone.now())
    return user


def sign_in(page, user):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_member_reads_her_notifications_from_the_header_on_a_phone(phone_page, amina):
    # Given a signed-in member on her phone
    sign_in(phone_page, amina)

    # When she follows "Notifications" under the header, which says two are unread
    link = phone_page.get_by_role("link", name=re.compile(r"Notifications 2 unread"))
    with phone_page.expect_navigation():
        link.click()

    # Then she sees her notices, the unread ones marked in words, and marks one read
    assert phone_page.get_by_text("You have 2 unread notifications.").is_visible()
    assert phone_page.locator("main .badge", has_text="Unread").count() == 2
    assert_passes_axe(phone_page)
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name=re.compile(r"^Mark as read\W+Circular 3")).click()
    assert phone_page.get_by_text("You have 1 unread notification.").is_visible()
    assert_passes_axe(phone_page)


def test_a_member_chooses_the_daily_digest_for_one_kind(phone_page, amina):
    page = phone_page
    from d8coop.notifications.models import Preference

    sign_in(page, amina)
    open_page(page, "/notifications/preferences/")
    assert_passes_axe(page)

    page.get_by_label("Consultation circulated").select_option(label="Daily digest")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    assert page.get_by_text("Your choices are saved.").is_visible()
    assert_passes_axe(page)
    assert Preference.objects.get(user=amina).delivery == "digest"


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences/"])
def test_the_notification_pages_pass_axe_in_arabic(phone_page, amina, path):
    page = phone_page
    sign_in(page, amina)
    open_page(page, path)
    switch_language(page, "ar")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(page)


def test_the_unsubscribe_page_stops_e_mails_in_one_click(phone_page, amina):
    from d8coop.notifications.links import unsubscribe_url
    from d8coop.notifications.models import Kind, Preference

    url = unsubscribe_url(user=amina, kinds=[Kind.CONSULTATION_CIRCULATED])
    open_page(phone_page, urlsplit(url).path)
    assert_passes_axe(phone_page)

    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Stop these e-mails").click()

    assert phone_page.get_by_role(
        "heading", name="You will no longer get these e-mails"
    ).is_visible()
    assert_passes_axe(phone_page)
    assert Preference.objects.get(user=amina).delivery == "none"

    response = phone_page.goto("/notifications/unsubscribe/not-a-token/")
    assert response.status == 400
    assert_passes_axe(phone_page)
