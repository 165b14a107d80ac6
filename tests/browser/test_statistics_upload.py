"""A focal point uploads national microdata in Chromium: chooses the file, maps its national
column names, follows the import's progress until the results, downloads the rejects; the
form and the results pass axe-core on a phone and in Arabic."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"
NATIONAL = b"firma;nace;calisan;ciro\nT1;1010;5;1500000\nT2;C25;60;20000000\nT3;47;abc;100\n"
MAPPING = {
    "Enterprise identifier": "firma",
    "Activity (ISIC Rev.4 code)": "nace",
    "Employees": "calisan",
    "Turnover": "ciro",
}


@pytest.fixture
def tarik(loaded_portal, django_user_model, settings, tmp_path):
    """The focal point of Türkiye; uploads are kept in this test's folder."""
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.members.models import MemberState

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    focal_point_appoint(
        user=user,
        state=MemberState.objects.get(code="TR"),
        bodies=[],
        started_on=date(2020, 1, 1),
        name="Tarik Demir",
    )
    return user


def sign_in(page, email):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def choose_file(page):
    page.get_by_label("Member state").select_option(label="Türkiye")
    page.get_by_label("Reference year").fill("2023")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "tuik-2023.csv", "mimeType": "text/csv", "buffer": NATIONAL}
    )


def test_a_focal_point_uploads_maps_follows_the_import_and_downloads_the_rejects(phone_page, tarik):
    from d8coop.statistics import imports
    from d8coop.statistics.models import Upload

    page = phone_page
    sign_in(page, tarik.email)
    open_page(page, "/statistics/uploads/")
    with page.expect_navigation():
        page.get_by_role("link", name="Upload national data").click()
    assert_passes_axe(page)

    # The file has national column names: the mapping step follows
    choose_file(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Map the file's columns")
    for field, column in MAPPING.items():
        page.get_by_label(field, exact=False).first.select_option(column)
    page.get_by_label("Save this mapping as").fill("TÜİK SBS")
    assert_passes_axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()

    # No worker runs here: the page shows the upload waiting, with its progress bar
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert_passes_axe(page)

    # When the worker imports it, the page's polling brings the results in
    imports.upload_process(Upload.objects.get().pk)
    expect(page.locator("#rows-read")).to_have_text("3", timeout=5_000)
    expect(page.locator("#rows-accepted")).to_have_text("2")
    expect(page.locator("#rows-rejected")).to_have_text("1")
    expect(page.get_by_role("table", name="Accepted enterprises by size class")).to_contain_text(
        "D8-STAT"
    )
    expect(page.get_by_role("progressbar")).to_have_count(0)
    assert_passes_axe(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the rejects").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line,column,value,code,reason"
    assert lines[1:] == ["4,calisan,abc,not_a_number,not a whole number"]


def test_the_upload_form_and_results_pass_axe_in_arabic_on_a_phone(phone_page, tarik):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from d8coop.members.models import MemberState
    from d8coop.statistics import imports
    from d8coop.statistics.models import Upload

    received = imports.upload_receive(
        user=tarik,
        file=SimpleUploadedFile("tuik-2023.csv", NATIONAL),
        filename="tuik-2023.csv",
        country=MemberState.objects.get(code="TR"),
        year=2023,
        via=Upload.Via.WEB,
        columns={"enterprise_id": "firma", "isic": "nace", "employees": "calisan"},
    )
    upload = imports.upload_process(received.upload.pk)
    page = phone_page
    sign_in(page, tarik.email)
    open_page(page, "/statistics/uploads/new/")
    switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(page)
    open_page(page, f"/statistics/uploads/{upload.pk}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator("#rows-accepted")).to_have_text("2")
    assert_passes_axe(page)
    open_page(page, "/statistics/uploads/")
    assert_passes_axe(page)
