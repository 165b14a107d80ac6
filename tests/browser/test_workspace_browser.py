"""The member workspace in Chromium: a focal point updates an action item; scorecards and the
workspace pages pass axe-core on a phone and in Arabic (see conftest.py)."""

from datetime import date

import pytest

from tests.browser.test_portal_browser import assert_passes_axe, open_page, switch_language

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    """The focal point of Türkiye, with a password to sign in with."""
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.members.models import MemberState

    user = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    focal_point_appoint(
        user=user,
        state=MemberState.objects.get(code="TR"),
        bodies=[],
        started_on=date(2024, 1, 1),
        name="Tarik Demir",
    )
    return user


def sign_in(page, user):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_a_focal_point_reports_progress_from_the_workspace_on_a_phone(phone_page, tarik):
    from d8coop.cooperation.models import ActionItem

    # Given the focal point of Türkiye, signed in on his phone
    sign_in(phone_page, tarik)
    # When he opens his workspace from the account links under the header
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="My workspace").click()
    assert_passes_axe(phone_page)
    # Then Türkiye's workshop is on his list, overdue since 2015
    row = phone_page.locator("tr", has_text="Hold an SME Financing Model Workshop")
    assert row.get_by_text("overdue").is_visible()
    # When he reports progress on it and marks it done
    with phone_page.expect_navigation():
        row.get_by_role("link", name="Report progress").click()
    assert_passes_axe(phone_page)
    phone_page.get_by_label("Progress", exact=True).fill("Held in Ankara with 40 SMEs.")
    phone_page.get_by_label("As of").fill("2015-11-20")
    phone_page.get_by_label("Status of the item").select_option("done")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Record the report").click()
    # Then the item's page says so, with his report
    assert phone_page.get_by_text("Your progress report was recorded.").is_visible()
    assert phone_page.get_by_text("Held in Ankara with 40 SMEs.").is_visible()
    assert_passes_axe(phone_page)
    item = ActionItem.objects.get(title="Hold an SME Financing Model Workshop")
    assert item.status == "done"


def test_a_refused_report_says_why_next_to_the_field(phone_page, tarik):
    sign_in(phone_page, tarik)
    from d8coop.cooperation.models import ActionItem

    item = ActionItem.objects.get(title="Hold an SME Financing Model Workshop")
    open_page(phone_page, f"/workspace/action-items/{item.pk}/report/")
    phone_page.get_by_label("Progress", exact=True).fill("Planned.")
    phone_page.get_by_label("As of").fill("2099-01-01")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Record the report").click()
    assert phone_page.get_by_text(
        "Progress cannot be reported for a day in the future."
    ).is_visible()
    assert_passes_axe(phone_page)


@pytest.mark.parametrize("path", ["/scorecards/", "/scorecards/?by=member-states"])
def test_scorecards_pass_axe_on_a_phone_and_in_arabic(phone_page, loaded_portal, path):
    open_page(phone_page, path)
    assert phone_page.get_by_role("table").first.is_visible()
    assert_passes_axe(phone_page)
    switch_language(phone_page, "ar")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(phone_page)


def test_the_workspace_and_follow_up_list_pass_axe_in_arabic(phone_page, tarik):
    sign_in(phone_page, tarik)
    switch_language(phone_page, "ar")
    for path in ("/workspace/", "/workspace/meetings/imm-4-tehran-2015/follow-up/"):
        open_page(phone_page, path)
        assert phone_page.locator("html").get_attribute("dir") == "rtl"
        assert_passes_axe(phone_page)


def test_the_signed_in_header_fits_a_desktop_window_and_passes_axe(page, tarik):
    sign_in(page, tarik)
    for path in ("/", "/workspace/", "/scorecards/"):
        open_page(page, path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        assert page.get_by_role("button", name="Sign out").is_visible()
        assert_passes_axe(page)
