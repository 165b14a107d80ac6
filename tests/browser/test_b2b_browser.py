"""B2B meetings in Chromium on a phone (390x844): two participants request and accept a
meeting, the organizer builds the schedule, a participant prints it; the pages pass axe-core
in English and in Arabic."""

import pytest
from django.conf import settings
from django.test import Client

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.conftest import PHONE
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.browser


def phone_as(browser, live_server, user):
    """A phone-sized page signed in as `user`, every sign-in step passed (as after a code)."""
    client = Client()
    sign_in_verified(client, user)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(10_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context, context.new_page()


@pytest.fixture
def b2b_world(transactional_db, django_user_model, secretariat, outsider):
    from tests.b2b_support import build_world, configure

    world = build_world(django_user_model, secretariat, outsider)
    configure(world)
    return world


def test_participants_meet_the_organizer_schedules_and_a_participant_prints(
    browser, live_server, b2b_world
):
    from d8coop.b2b.models import MeetingRequest, ScheduledMeeting

    w = b2b_world
    contexts = []
    try:
        # Anvil Works' maintainer asks Durian Foods for a meeting.
        context, anvil = phone_as(browser, live_server, w.maintainer_a1)
        contexts.append(context)
        open_page(anvil, "/b2b/expo-2026/")
        expect(anvil.get_by_role("heading", level=1)).to_contain_text("B2B meetings")
        assert_passes_axe(anvil)
        anvil.locator(f"#message-{w.b1.pk}").fill("We build food machinery; shall we meet?")
        with anvil.expect_navigation():
            anvil.get_by_role("button", name="Ask Durian Foods for a meeting").click()
        expect(anvil.get_by_role("status")).to_contain_text("Your request was sent to Durian")

        # The focal point of Durian Foods' state accepts.
        context, durian = phone_as(browser, live_server, w.fp_b)
        contexts.append(context)
        open_page(durian, f"/b2b/expo-2026/?as={w.b1.pk}")
        expect(durian.get_by_text("We build food machinery; shall we meet?")).to_be_visible()
        with durian.expect_navigation():
            durian.get_by_role("button", name="Accept the meeting with Anvil Works").click()
        expect(durian.get_by_role("status")).to_contain_text("You accepted the meeting.")
        assert MeetingRequest.objects.get().status == "accepted"

        # The secretariat builds the schedule.
        context, sara = phone_as(browser, live_server, w.secretariat)
        contexts.append(context)
        open_page(sara, "/b2b/expo-2026/organize/")
        with sara.expect_navigation():
            sara.get_by_role("button", name="Build the schedule").click()
        expect(sara.get_by_role("status")).to_contain_text("1 meeting(s) placed")
        expect(sara.get_by_role("cell", name="Anvil Works – Durian Foods")).to_be_visible()
        assert_passes_axe(sara)
        assert ScheduledMeeting.objects.count() == 1

        # Anvil Works opens its printable schedule: local time, zone, table.
        open_page(anvil, "/b2b/expo-2026/")
        with anvil.expect_navigation():
            anvil.get_by_role("link", name="Printable schedule").click()
        row = anvil.get_by_role("row").filter(has_text="Durian Foods")
        expect(row).to_contain_text("09:00")
        expect(row).to_contain_text("Europe/Istanbul")
        expect(row).to_contain_text("Table 1")
        assert_passes_axe(anvil)
        anvil.emulate_media(media="print")
        expect(anvil.locator(".site-header")).to_be_hidden()
        expect(row).to_be_visible()
        anvil.emulate_media(media="screen")

        # In Arabic (right to left) the pages still pass axe-core.
        switch_language(anvil, "ar")
        expect(anvil.locator("html")).to_have_attribute("dir", "rtl")
        assert_passes_axe(anvil)
        open_page(anvil, "/b2b/expo-2026/")
        assert_passes_axe(anvil)
        switch_language(sara, "ar")
        assert_passes_axe(sara)
    finally:
        for context in contexts:
            context.close()
