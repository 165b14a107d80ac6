"""The SME definitions page in Chromium: reached from the footer, readable on a phone and in
Arabic, and passing axe-core (see conftest.py)."""

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PATH = "/statistics/definitions/"


def test_a_visitor_finds_the_sme_definitions_from_the_footer_on_a_phone(phone_page, loaded_portal):
    open_page(phone_page, "/")
    with phone_page.expect_navigation():
        phone_page.locator("footer").get_by_role("link", name="SME definitions").click()
    assert phone_page.url.endswith(PATH)
    assert phone_page.get_by_role("heading", level=1).inner_text() == "SME size definitions"
    # Türkiye's current definition, its certainty in words, and its limits in a table
    turkey = phone_page.locator("article", has_text="TR-2025")
    assert turkey.get_by_text("Certainty: Partially verified").is_visible()
    assert turkey.get_by_role("table").get_by_role("rowheader", name="Micro").is_visible()
    # Iran: no thresholds, said as such
    iran = phone_page.locator("article", has_text="ISIPO")
    assert iran.get_by_text("Certainty: Not found").is_visible()
    assert_passes_axe(phone_page)
    # The rate table scrolls inside its own box, not the page
    scroll_width, inner_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1


def test_the_definitions_page_passes_axe_in_arabic(page, loaded_portal):
    open_page(page, PATH)
    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.url.endswith(PATH)
    # The notes on individual rates open and stay accessible
    page.locator("summary").first.click()
    assert_passes_axe(page)


def test_a_visitor_compares_published_sme_counts_from_the_footer_on_a_phone(
    phone_page, loaded_portal
):
    open_page(phone_page, "/")
    with phone_page.expect_navigation():
        phone_page.locator("footer").get_by_role("link", name="SME statistics").click()
    assert phone_page.url.endswith("/statistics/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == "SME statistics"
    assert phone_page.get_by_role("note").get_by_text("not directly comparable").is_visible()
    table = phone_page.get_by_role("table", name="Latest published MSME counts by member state")
    turkey = table.get_by_role("row", name="Türkiye")
    assert "3,928,385" in turkey.inner_text()
    assert "No published figure found." in table.get_by_role("row", name="Iran").inner_text()
    assert_passes_axe(phone_page)
    scroll_width, inner_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1


def test_the_statistics_page_passes_axe_in_arabic(page, loaded_portal):
    open_page(page, "/statistics/")
    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.url.endswith("/statistics/")
    assert_passes_axe(page)
