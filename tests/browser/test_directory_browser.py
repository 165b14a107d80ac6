"""The SME directory in Chromium (see conftest.py): the focal point of Türkiye introduces an SME
on her phone, validates it and records its consent; the public then finds it in the directory.
The directory, managing and profile pages pass axe-core on a phone and in Arabic."""

from datetime import date

import pytest

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"
SME = "Anatolia Textiles"


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.members.models import MemberState

    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    focal_point_appoint(
        user=user, state=MemberState.objects.get(code="TR"), bodies=[],
        started_on=date(2020, 1, 1), name="Tarik Demir",
    )  # fmt: skip
    return user


def sign_in(page, email):
    """By the fields' names, so that it works in every language."""
    open_page(page, "/accounts/sign-in/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()


def definition_of(code: str) -> str:
    from d8coop.statistics.models import SmeDefinition

    return str(SmeDefinition.objects.get(code=code).pk)


def test_a_focal_point_introduces_validates_and_publishes_an_sme_on_her_phone(phone_page, tarik):
    page = phone_page
    # Given an empty directory, which says so
    open_page(page, "/directory/")
    expect(page.get_by_role("status")).to_contain_text("No SME has been introduced yet")
    assert_passes_axe(page)

    # When the focal point of Türkiye signs in and introduces an SME, with a wrong HS code first
    sign_in(page, tarik.email)
    open_page(page, "/directory/manage/")
    assert_passes_axe(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Introduce an SME").click()
    page.get_by_label("Company name").fill(SME)
    page.get_by_label("What the company does").fill("Woven cotton fabrics and home textiles.")
    page.get_by_label("Sector (ISIC section)").select_option("C")
    page.get_by_label("Size class").select_option("small")
    page.get_by_label("Under the national SME definition").select_option(definition_of("TR-2025"))
    page.get_by_label("Persons employed").fill("35")
    page.get_by_label("Products (HS codes)").fill("5208 Woven cotton fabrics\n630 Bed linen")
    page.get_by_label("Export markets").fill("DE, MY")
    page.get_by_label("Contact e-mail").fill("ayse@anatolia-textiles.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the profile").click()

    # Then she is told which line is wrong, and fixes it
    expect(page.get_by_text("Line 2: “630” is not an HS code")).to_be_visible()
    assert_passes_axe(page)
    page.get_by_label("Products (HS codes)").fill("5208 Woven cotton fabrics\n6302 Bed linen")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SME)
    expect(page.get_by_text("Profile created; it awaits validation.")).to_be_visible()
    assert_passes_axe(page)

    # When she validates it and records the SME's consent to be listed
    with page.expect_navigation():
        page.get_by_role("button", name="Validate").click()
    expect(page.get_by_text("Profile validated.")).to_be_visible()
    page.get_by_label("Yes, the SME agreed to be listed").check()
    page.get_by_label("How the SME agreed").fill("Signed form of 3 March 2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the publication choice").click()
    expect(page.get_by_text("Publication choice saved.")).to_be_visible()

    # Then, signed out, anyone finds it in the directory, without the contact's e-mail
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    open_page(page, "/directory/?hs=52")
    link = page.get_by_role("link", name=SME)
    expect(link).to_be_visible()
    assert_passes_axe(page)
    with page.expect_navigation():
        link.click()
    expect(page.get_by_role("cell", name="Woven cotton fabrics")).to_be_visible()
    expect(page.get_by_text("ayse@anatolia-textiles.example")).to_have_count(0)
    assert_passes_axe(page)

    # And the pages pass axe-core in Arabic too
    switch_language(page, "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_passes_axe(page)
    open_page(page, "/directory/")
    assert_passes_axe(page)
    sign_in(page, tarik.email)
    open_page(page, "/directory/manage/")
    assert_passes_axe(page)
