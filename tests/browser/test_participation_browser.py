"""Participation in Chromium (see conftest.py): the focal point of Türkiye, on her phone, opens
the exhibition from her workspace, nominates her SMEs up to the quota and sees the next refused
with the quota named; the page passes axe-core at 390x844 and in Arabic, right to left."""

from datetime import date

import pytest

from tests.browser.test_consultations_browser import PASSWORD, sign_in

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)
from tests.participation_support import make_sme, open_event

pytestmark = pytest.mark.browser


@pytest.fixture
def exhibition(loaded_portal, django_user_model):
    """An exhibition a month ahead taking two SMEs per state; Türkiye's focal point and three
    validated SMEs of Türkiye (one of them not public)."""
    from tests.factories import appoint_focal_point

    sara = django_user_model.objects.create_user(
        email="sara@d8-sec.example", password=PASSWORD, is_staff=True
    )
    tarik = django_user_model.objects.create_user(email="tarik@kosgeb.example", password=PASSWORD)
    appoint_focal_point(tarik, "TR", started_on=date(2020, 1, 1))
    names = ["Anatolia Looms", "Bosphorus Ceramics", "Cappadocia Foods"]
    smes = [make_sme("TR", by=tarik, name=name) for name in names]
    make_sme("MY", by=sara, name="Penang Circuits")
    return open_event(sara, quota=2), tarik, smes


def test_a_focal_point_nominates_up_to_the_quota_and_sees_the_next_refused(phone_page, exhibition):
    event, tarik, smes = exhibition
    page = phone_page

    # Given the focal point of Türkiye signed in on her phone, following her workspace's link
    sign_in(page, tarik.email)
    open_page(page, "/workspace/")
    with page.expect_navigation():
        page.get_by_role("link", name="Events open for nominations of your SMEs").click()
    with page.expect_navigation():
        page.get_by_role("link", name=event.meeting.title).click()
    assert_passes_axe(page)

    # Her select offers her own SMEs only
    select = page.get_by_label("SME to nominate")
    options = select.locator("option").all_inner_texts()
    assert "Penang Circuits" not in options
    assert {"Anatolia Looms", "Bosphorus Ceramics", "Cappadocia Foods"} <= set(options)

    # When she nominates two SMEs, the quota of Türkiye
    for sme in smes[:2]:
        select.select_option(label=sme.name)
        with page.expect_navigation():
            page.get_by_role("button", name="Nominate", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text(f"{sme.name} is nominated")
        select = page.get_by_label("SME to nominate")

    # Then the third is refused, naming the quota, and nothing more is written
    select.select_option(label=smes[2].name)
    with page.expect_navigation():
        page.get_by_role("button", name="Nominate", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("has used its quota of 2 places")
    table = page.get_by_role("table", name="Nominations, by member state")
    expect(table.get_by_role("row")).to_have_count(3)  # header + two nominations
    assert_passes_axe(page)

    from d8coop.participation.models import Nomination

    assert sorted(Nomination.objects.values_list("sme__name", flat=True)) == [
        "Anatolia Looms",
        "Bosphorus Ceramics",
    ]

    # And the page passes axe in Arabic, right to left, on the phone
    switch_language(page, "ar")
    open_page(page, f"/participation/{event.meeting.slug}/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(page)
