"""An investor registers, verifies the address from the e-mail, finds a published opportunity
through the listing's filters and search, and expresses interest; the host focal point sees the
lead and records a step. Checked with axe-core on a phone (390x844) and in Arabic."""

import re
from datetime import date

import pytest
from django.core import mail

from d8coop.investors.models import Interest, Investor

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)
from tests.factories import appoint_focal_point
from tests.investors_support import make_opportunity

pytestmark = pytest.mark.browser

PASSWORD = "a-Long-and-unusual-passw0rd"


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def opportunities(loaded_portal, tarik):
    make_opportunity(
        slug="olive-oil-plant", state="TR", section="C", title="Olive oil processing plant",
        description="A cold-press olive oil plant near Aydın, for export to the D-8 markets.",
    )  # fmt: skip
    make_opportunity(
        slug="solar-park", state="MY", section="D", title="Solar park in Kedah",
        description="A 50 MW solar park.",
    )  # fmt: skip


def sign_in(page, email, password=PASSWORD):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def submit(page, button):
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_an_investor_registers_finds_an_opportunity_and_the_host_sees_the_lead(
    phone_page, browser, live_server, opportunities, tarik
):
    page = phone_page
    # Given an investor registering on a phone
    open_page(page, "/investors/register/")
    assert_passes_axe(page)
    page.get_by_label("E-mail address").fill("nadia@capital.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Organization", exact=True).fill("Nadia Capital")
    page.get_by_label("Kind of investor", exact=True).select_option("fund")
    page.get_by_label("Country (ISO code)").fill("de")
    page.get_by_label("Manufacturing", exact=True).check()
    page.get_by_label("Joint venture", exact=True).check()
    page.get_by_label("Smallest ticket (US$)").fill("1000000")
    page.get_by_label("Largest ticket (US$)").fill("9000000")
    submit(page, "Register")
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert_passes_axe(page)

    # When she opens the link from the e-mail
    [message] = mail.outbox
    link = re.search(r"https?://\S+(/investors/verify/\S+/)", message.body).group(1)
    open_page(page, link)
    expect(page.get_by_role("heading", name="Your e-mail address is verified")).to_be_visible()
    assert Investor.objects.get().email_verified_at is not None

    # And signs in, and finds the opportunity by country, sector and text
    sign_in(page, "nadia@capital.example")
    open_page(page, "/opportunities/")
    page.get_by_label("Country", exact=True).select_option(label="Türkiye")
    page.get_by_label("Sector", exact=True).select_option("C")
    page.get_by_label("Text", exact=True).fill("olive")
    submit(page, "Find")
    expect(page.get_by_role("link", name="Olive oil processing plant")).to_be_visible()
    expect(page.get_by_role("link", name="Solar park in Kedah")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name="Olive oil processing plant").click()

    # Then she expresses interest from the opportunity's page
    assert_passes_axe(page)
    page.get_by_label("Your message to the host").fill("We would take a 30 % stake.")
    submit(page, "Express interest")
    expect(page.get_by_text("Your interest is sent")).to_be_visible()
    expect(page.get_by_text("You expressed interest on")).to_be_visible()
    assert_passes_axe(page)
    interest = Interest.objects.get()
    assert interest.investor.organization == "Nadia Capital"

    # And the host focal point sees the lead and records a meeting
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    host = context.new_page()
    sign_in(host, tarik.email)
    open_page(host, "/investors/leads/")
    assert_passes_axe(host)
    with host.expect_navigation():
        host.get_by_role("link", name="Nadia Capital").click()
    expect(host.get_by_text("We would take a 30 % stake.")).to_be_visible()
    assert_passes_axe(host)
    host.get_by_label("New stage", exact=True).select_option("meeting")
    submit(host, "Record this step")
    expect(host.get_by_text("The step is recorded")).to_be_visible()
    interest.refresh_from_db()
    assert interest.stage == "meeting"

    # In Arabic, right to left, the lead and the outcomes still pass axe
    switch_language(host, "ar")
    expect(host.locator("html")).to_have_attribute("dir", "rtl")
    assert_passes_axe(host)
    open_page(host, "/investors/outcomes/")
    assert_passes_axe(host)
    context.close()

    # And the investor sees the new stage on her page, in Arabic too
    open_page(page, "/investors/me/")
    expect(page.get_by_text("Meeting held")).to_be_visible()
    switch_language(page, "ar")
    assert_passes_axe(page)

    # And a visitor reads the registration form in Arabic
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    visitor = context.new_page()
    open_page(visitor, "/investors/register/")
    switch_language(visitor, "ar")
    expect(visitor.locator("html")).to_have_attribute("dir", "rtl")
    assert_passes_axe(visitor)
    context.close()
