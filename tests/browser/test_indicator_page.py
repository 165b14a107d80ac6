"""The indicator series page in Chromium: reached from the footer, readable on a phone and in
Arabic, and passing axe-core (see conftest.py)."""

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PATH = "/statistics/indicators/"
PACE = "D-8 industrial activity, annualized pace"


def test_a_visitor_finds_the_indicator_series_from_the_footer_on_a_phone(phone_page, loaded_portal):
    open_page(phone_page, "/")
    with phone_page.expect_navigation():
        phone_page.locator("footer").get_by_role("link", name="Indicator series").click()
    assert phone_page.url.endswith(PATH)
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Indicator series"
    # The published annualized pace, the quarterly rate behind it and its source
    table = phone_page.get_by_role("table", name=f"Figures of {PACE}")
    row = table.get_by_role("row", name="2011 Q4")
    assert "4.66%" in row.inner_text()
    assert "20% annualized pace" in row.inner_text()
    # The charts have names; the formula is written out
    chart = phone_page.get_by_role("img", name="Bar chart, D-8 industrial production")
    assert chart.is_visible()
    assert phone_page.get_by_text("that is 4.66%.").is_visible()
    assert "No series known." in phone_page.locator("#state-tr").inner_text()
    assert_passes_axe(phone_page)
    scroll_width, inner_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1


def test_the_indicator_page_passes_axe_in_arabic(page, loaded_portal):
    open_page(page, PATH)
    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.url.endswith(PATH)
    assert page.locator("code.formula").first.get_attribute("dir") == "ltr"
    assert_passes_axe(page)


def test_the_indicator_page_passes_axe_in_arabic_on_a_phone(phone_page, loaded_portal):
    open_page(phone_page, PATH)
    switch_language(phone_page, "ar")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(phone_page)
    scroll_width, inner_width = phone_page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1
