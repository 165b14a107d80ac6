"""Investment opportunities in Chromium (see conftest.py): a focal point prepares and submits
an opportunity, the secretariat (signed in with its second step) publishes it, and a visitor
finds it in the listing by text search on a phone; the listing and the detail page pass
axe-core at 390x844 and in Arabic; the header with "Opportunities" still fits 1280 px."""

from datetime import date, timedelta

import pyotp
import pytest
from django.utils import timezone

from tests.browser.conftest import PHONE
from tests.browser.test_portal_browser import assert_passes_axe, expect, open_page, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"
TITLE = "Photovoltaic module factory in Konya"


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.members.models import MemberState

    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    focal_point_appoint(
        user=user,
        state=MemberState.objects.get(code="TR"),
        bodies=[],
        started_on=date(2014, 1, 1),
        name="Tarik Demir",
    )
    return user


@pytest.fixture
def sara(loaded_portal, django_user_model):
    """Secretariat staff with an authenticator app; returns (user, secret)."""
    from d8coop.accounts import services

    user = django_user_model.objects.create_user(
        email="sara@d8-sec.example", password=PASSWORD, is_staff=True
    )
    secret = pyotp.random_base32()
    earlier = timezone.now() - timedelta(hours=1)
    services.two_factor_enable(
        user=user, secret=secret, code=pyotp.TOTP(secret).at(earlier), ip=None, now=earlier
    )
    return user, secret


def sign_in(page, email, secret=None):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if secret is not None:
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()


def test_a_focal_point_submits_the_secretariat_publishes_a_visitor_finds_it(
    page, phone_page, browser, live_server, tarik, sara
):
    from d8coop.opportunities.models import Opportunity

    # The focal point of Türkiye starts from the workspace home.
    sign_in(page, tarik.email)
    open_page(page, "/workspace/")
    with page.expect_navigation():
        page.get_by_role("link", name="New opportunity").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description").fill(
        "A 50 MW photovoltaic module factory, land allocated, seeking an equity partner."
    )
    page.get_by_label("Sector (ISIC section)").select_option("C")
    page.get_by_label("Instrument").select_option("equity")
    page.get_by_label("Stage").select_option("feasibility")
    page.get_by_label("Project size").fill("25000000")
    page.get_by_label("Currency").fill("USD")
    valid_until = (timezone.localdate() + timedelta(days=120)).isoformat()
    page.get_by_label("Valid until").fill(valid_until)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    with page.expect_navigation():
        page.get_by_role("button", name="Submit for vetting").click()
    expect(page.get_by_text("Submitted: the secretariat will vet it.")).to_be_visible()
    opportunity = Opportunity.objects.get(title=TITLE)
    assert opportunity.status == "submitted"

    # The secretariat publishes it from the vetting queue, on her phone.
    sign_in(phone_page, sara[0].email, sara[1])
    open_page(phone_page, "/opportunities/vetting/")
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name=TITLE).click()
    phone_page.get_by_label("Publish").check()
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Record the decision").click()
    expect(phone_page.get_by_text("Published.")).to_be_visible()
    opportunity.refresh_from_db()
    assert opportunity.status == "published"

    # A visitor finds it by text search on a phone.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    visitor = context.new_page()
    try:
        open_page(visitor, "/opportunities/")
        visitor.get_by_label("Text").fill("photovoltaic")
        with visitor.expect_navigation():
            visitor.get_by_role("button", name="Find").click()
        result = visitor.get_by_role("link", name=TITLE)
        expect(result).to_be_visible()
        expect(visitor.locator("mark").first).to_have_text("photovoltaic", ignore_case=True)
        assert_passes_axe(visitor)
        overflow = visitor.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the listing scrolls sideways by {overflow}px"
        with visitor.expect_navigation():
            result.click()
        expect(visitor.get_by_text("25,000,000 USD")).to_be_visible()
        assert_passes_axe(visitor)
        switch_language(visitor, "ar")
        assert visitor.locator("html").get_attribute("dir") == "rtl"
        assert_passes_axe(visitor)
        open_page(visitor, "/opportunities/?q=photovoltaic")
        assert_passes_axe(visitor)
    finally:
        context.close()


def test_the_workspace_pages_pass_axe_in_arabic_on_a_phone(phone_page, tarik):
    from d8coop.members.models import MemberState
    from d8coop.opportunities import services

    opportunity = services.opportunity_create(
        by=tarik,
        host_state=MemberState.objects.get(code="TR"),
        title=TITLE,
        description="A factory.",
        isic_section="C",
        instrument="equity",
        stage="ready",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    sign_in(phone_page, tarik.email)
    switch_language(phone_page, "ar")
    for path in ("/opportunities/mine/", "/opportunities/new/", opportunity.get_absolute_url()):
        open_page(phone_page, path)
        assert phone_page.locator("html").get_attribute("dir") == "rtl"
        assert_passes_axe(phone_page)


def test_the_signed_in_header_with_opportunities_fits_1280_px(page, tarik):
    sign_in(page, tarik.email)
    for path in ("/opportunities/", "/opportunities/mine/"):
        open_page(page, path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Opportunities")).to_be_visible()
        assert page.get_by_role("button", name="Sign out").is_visible()
