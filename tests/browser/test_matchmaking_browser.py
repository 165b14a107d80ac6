"""A host focal point opens an opportunity's matches page and sees the registered investors
ranked, each with the reasons for its score; the page passes axe-core on a phone (390x844) and
in Arabic, right to left."""

from datetime import date
from decimal import Decimal

import pytest

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)
from tests.factories import appoint_focal_point
from tests.investors_support import PASSWORD, make_investor, make_opportunity

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _lexical(settings):
    # The browser test is about the page; the embedding backend has tests of its own.
    settings.D8COOP_MATCHING_TEXT = "lexical"


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def records(loaded_portal, tarik):
    make_opportunity(
        slug="olive-oil-plant", state="TR", section="C", created_by=tarik,
        title="Olive oil mill and bottling line",
        description="A cooperative olive oil mill in Aydın adding a bottling line for extra "
        "virgin olive oil, for export.",
    )  # fmt: skip
    make_investor(
        "olive@capital.example", organization="Aegean Olive Capital", sectors=["C"],
        instruments=["joint_venture"], ticket_min_usd=Decimal("1000000"),
        ticket_max_usd=Decimal("10000000"),
        description="Olive oil mills, bottling and food export in the Mediterranean.",
    )  # fmt: skip
    make_investor(
        "solar@fund.example", organization="Sunbelt Power Fund", sectors=["D"],
        instruments=["equity"], ticket_min_usd=Decimal("20000000"),
        ticket_max_usd=Decimal("100000000"), description="Utility-scale solar parks.",
    )  # fmt: skip
    make_investor(
        "food@fund.example", organization="Levant Food Partners", sectors=["C"],
        instruments=["equity"], description="Food processing and packaging plants.",
    )  # fmt: skip


def sign_in(page, email, password=PASSWORD):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_the_host_sees_ranked_investors_with_their_reasons(phone_page, records, tarik):
    page = phone_page
    # Given the host focal point of Türkiye, signed in on a phone
    sign_in(page, tarik.email)

    # When he opens the matches of his opportunity
    open_page(page, "/matches/opportunities/olive-oil-plant/")
    expect(
        page.get_by_role("heading", name="Matches for Olive oil mill and bottling line")
    ).to_be_visible()

    # Then the investors are ranked, best first, each with its reasons
    table = page.get_by_role("table", name="Registered investors, best match first")
    rows = table.locator("tbody tr")
    expect(rows.first.get_by_role("rowheader")).to_have_text("Aegean Olive Capital")
    expect(rows.first).to_contain_text("sector of interest: C Manufacturing (+0.30)")
    expect(rows.first).to_contain_text("instrument used: joint venture (+0.20)")
    expect(rows.first).to_contain_text("within the ticket range (+0.15)")
    expect(rows.first).to_contain_text("text similarity")
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text("Levant Food Partners")
    expect(rows.nth(1)).to_contain_text("sector of interest: C Manufacturing (+0.30)")
    expect(rows.nth(1)).not_to_contain_text("instrument used")
    # The solar fund meets no criterion and shares no word with the olive mill: left out.
    expect(table).not_to_contain_text("Sunbelt Power Fund")
    scores = [float(s) for s in rows.locator(".badge").all_inner_texts()]
    assert scores == sorted(scores, reverse=True)
    assert_passes_axe(page)

    # And in Arabic, right to left, the page still passes axe
    switch_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("tbody tr").first).to_contain_text("Aegean Olive Capital")
    assert_passes_axe(page)


def test_an_investor_sees_the_opportunities_ranked_for_it(phone_page, records):
    page = phone_page
    # Given the olive oil investor, signed in on a phone
    sign_in(page, "olive@capital.example")

    # When it opens its own matches
    open_page(page, "/matches/investor/")
    expect(page.get_by_role("heading", name="Opportunities for you")).to_be_visible()

    # Then the host's olive oil mill comes first, with the reasons, and axe passes
    first = (
        page.get_by_role("table", name="Published opportunities, best match first")
        .locator("tbody tr")
        .first
    )
    expect(first.get_by_role("rowheader")).to_have_text("Olive oil mill and bottling line")
    expect(first).to_contain_text("sector of interest: C Manufacturing (+0.30)")
    assert_passes_axe(page)
    switch_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_passes_axe(page)
