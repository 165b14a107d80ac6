"""The member-state map on /statistics/ in Chromium: visible and within the screen on a phone,
re-shaded from its selector, unflipped in Arabic with its legend mirrored, and passing axe-core
(see conftest.py)."""

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PATH = "/statistics/"
MAP_NAME = "Map of the D-8 member states shaded by"


def _no_horizontal_scroll(page):
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1


def _left(page, code):
    return page.locator(f'path[data-code="{code}"]').bounding_box()["x"]


def test_a_visitor_reads_the_map_on_a_phone_and_shades_it_by_employment(phone_page, loaded_portal):
    open_page(phone_page, PATH)
    member_map = phone_page.get_by_role("img", name=MAP_NAME)
    assert member_map.is_visible()
    box = member_map.bounding_box()
    assert 300 < box["width"] <= 390 and box["height"] > 100
    assert phone_page.locator("path[data-code]").count() == 9
    # The table beside the map gives Iran's gap in words
    table = phone_page.get_by_role("table", name="The map's figures")
    assert "No data" in table.get_by_role("row", name="Iran").inner_text()
    assert phone_page.locator(".map-legend").get_by_text("No data").is_visible()
    assert_passes_axe(phone_page)
    _no_horizontal_scroll(phone_page)
    # When the visitor shades by the share of employment, only Türkiye has a figure
    phone_page.get_by_label("Shade the map by").select_option("share_of_employment")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Update the map").click()
    assert phone_page.url.endswith("?indicator=share_of_employment#member-map")
    turkey = phone_page.get_by_role("table", name="The map's figures").get_by_role(
        "row", name="Türkiye"
    )
    assert "68.5" in turkey.inner_text()
    assert phone_page.locator('path[data-code="TR"] title').text_content() == "Türkiye: 68.5"
    assert_passes_axe(phone_page)
    _no_horizontal_scroll(phone_page)


def test_in_arabic_the_legend_mirrors_and_the_map_does_not(phone_page, loaded_portal):
    open_page(phone_page, PATH)
    nigeria_ltr, indonesia_ltr = _left(phone_page, "NG"), _left(phone_page, "ID")
    switch_language(phone_page, "ar")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert phone_page.url.endswith(PATH)
    assert phone_page.locator("svg[role=img]").first.is_visible()
    # Nigeria stays west (left) of Indonesia, where it was in English
    assert _left(phone_page, "NG") == pytest.approx(nigeria_ltr, abs=1)
    assert _left(phone_page, "ID") == pytest.approx(indonesia_ltr, abs=1)
    assert nigeria_ltr < indonesia_ltr
    # The legend reads from the right: its first entry is right of its second
    first, second = phone_page.locator(".map-legend li").all()[:2]
    assert first.bounding_box()["x"] > second.bounding_box()["x"]
    assert_passes_axe(phone_page)
    _no_horizontal_scroll(phone_page)
