"""The SME database and open data pages in Chromium: reached from the footer on a phone, the
chart beside its table, small cells suppressed for a visitor, passing axe-core in English on a
phone and in Arabic (see conftest.py)."""

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language
from tests.test_statistics_open_data import import_file

pytestmark = pytest.mark.browser

PATH = "/statistics/sme-database/"


@pytest.fixture
def turkey_and_bangladesh(loaded_portal, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATISTICS_MIN_CELL = 3
    return import_file("TR"), import_file("BD")


def _fits_the_screen(page) -> None:
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width + 1


def test_a_visitor_compares_sme_counts_from_the_footer_on_a_phone(
    phone_page, turkey_and_bangladesh
):
    open_page(phone_page, "/")
    with phone_page.expect_navigation():
        phone_page.locator("footer").get_by_role("link", name="SME database").click()
    assert phone_page.url.endswith(PATH)
    assert phone_page.get_by_role("heading", level=1).inner_text() == "SME database"
    # Two member states under their own definitions: the caveat names the unverified one
    note = phone_page.get_by_role("note")
    assert "Bangladesh (BD-2022)" in note.inner_text()
    assert phone_page.get_by_role("img", name="Türkiye 2023").is_visible()
    size_table = phone_page.get_by_role("table", name="Türkiye 2023, TR-2023")
    assert "Micro" in size_table.get_by_role("row").nth(1).inner_text()
    # The medium enterprise is alone in its cell: suppressed for a visitor
    aggregates = phone_page.get_by_role("table", name="SME aggregates", exact=False)
    assert "(suppressed: too few enterprises)" in aggregates.inner_text()
    assert_passes_axe(phone_page)
    _fits_the_screen(phone_page)


def test_a_visitor_picks_a_harmonized_definition(page, turkey_and_bangladesh):
    open_page(page, PATH)
    page.get_by_label("Definition", exact=True).select_option("EU-2003")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "definition=EU-2003" in page.url
    assert page.get_by_role("table", name="Türkiye 2023, EU-2003").is_visible()
    assert_passes_axe(page)


def test_the_database_page_passes_axe_in_arabic(page, turkey_and_bangladesh):
    open_page(page, PATH)
    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(page)


def test_the_open_data_page_passes_axe_on_a_phone_and_in_arabic(phone_page, turkey_and_bangladesh):
    open_page(phone_page, "/statistics/open-data/")
    assert phone_page.get_by_role("link", name="Download the Data Package (ZIP)").is_visible()
    assert_passes_axe(phone_page)
    _fits_the_screen(phone_page)
    switch_language(phone_page, "ar")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(phone_page)
