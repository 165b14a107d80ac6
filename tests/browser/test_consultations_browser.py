"""Consultations by silence procedure in Chromium (see conftest.py): a focal point answers on her
phone and reads the deadline in her own time zone; the secretariat, signed in with its second
step, reads the comment matrix, then sees the result and the circular once the round is closed;
the consultation, matrix and diff pages pass axe-core on a phone and in Arabic."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from django.core.management import call_command
from django.utils import timezone

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"
KUALA_LUMPUR = ZoneInfo("Asia/Kuala_Lumpur")
ISTANBUL = ZoneInfo("Europe/Istanbul")
DRAFT = "Communication network draft"
DRAFT_TEXT = (
    "All the Member States shall forward their views and comments within one (1) month on the "
    "communication network draft. In case no feedback received, it will be considered as "
    "accepted."
)
MAYA_COMMENT = "Malaysia suggests naming one contact point per SME agency."
TARIK_OBJECTION = "Türkiye cannot accept a network without a shared directory."


def _focal_point(django_user_model, email: str, code: str, name: str):
    from d8coop.accounts.services import focal_point_appoint
    from d8coop.members.models import MemberState

    user = django_user_model.objects.create_user(email=email, password=PASSWORD)
    focal_point_appoint(
        user=user,
        state=MemberState.objects.get(code=code),
        bodies=[],
        started_on=date(2014, 1, 1),
        name=name,
    )
    return user


@pytest.fixture
def sara(loaded_portal, django_user_model):
    """Secretariat staff, with her authenticator app set up an hour ago; returns (user, secret)."""
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


@pytest.fixture
def maya(loaded_portal, django_user_model):
    """The focal point of Malaysia, who reads times in Kuala Lumpur's zone (UTC+08:00)."""
    return _focal_point(django_user_model, "maya@smecorp.example", "MY", "Maya Rahman")


@pytest.fixture
def tarik(loaded_portal, django_user_model):
    """The focal point of Türkiye, which coordinates the SME task force."""
    return _focal_point(django_user_model, "tarik@kosgeb.example", "TR", "Tarik Demir")


def circulate(by, *, now: datetime, **values):
    from d8coop.consultations import services
    from d8coop.cooperation.models import Body

    arguments = {
        "title": DRAFT,
        "text": DRAFT_TEXT,
        "body": Body.objects.get(slug="tf-smes"),
        "duration": "one (1) month",
        **values,
    }
    return services.consultation_circulate(by=by, now=now, **arguments)


def answer(by, round_, code: str, kind: str, text: str, *, now: datetime):
    from d8coop.consultations import services

    return services.answer_submit(
        by=by, round=round_, state_code=code, kind=kind, text=text, now=now
    )


def sign_in(page, email):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def open_consultations(page):
    """Follow "Consultations" in the account links under the header."""
    links = page.get_by_role("navigation", name="Your account")
    with page.expect_navigation():
        links.get_by_role("link", name="Consultations").click()


def test_a_focal_point_answers_on_her_phone_and_reads_the_deadline_in_her_zone(
    phone_page, sara, maya
):
    # Given a draft the secretariat circulated yesterday, due in two weeks at 17:00 in Istanbul
    staff, _secret = sara
    due_day = timezone.localdate() + timedelta(days=14)
    round_ = circulate(
        staff,
        now=timezone.now() - timedelta(days=1),
        duration="",
        deadline_local=datetime.combine(due_day, datetime.min.time()).replace(hour=17),
        time_zone="Europe/Istanbul",
    )
    in_her_zone = round_.deadline.astimezone(KUALA_LUMPUR)
    assert (in_her_zone.hour, round_.deadline.astimezone(ISTANBUL).hour) == (22, 17)

    # When the focal point of Malaysia signs in on her phone and opens "Consultations"
    sign_in(phone_page, maya.email)
    open_consultations(phone_page)

    # Then the draft awaits her answer
    awaiting = phone_page.get_by_role("region", name="Awaiting your answer")
    expect(awaiting).to_contain_text(DRAFT)
    expect(awaiting).to_contain_text("Malaysia")
    assert_passes_axe(phone_page)

    # When she opens it
    with phone_page.expect_navigation():
        awaiting.get_by_role("link", name=DRAFT).click()

    # Then she reads the text, and the deadline in Istanbul's zone and in her own
    expect(phone_page.get_by_role("heading", level=1)).to_have_text(DRAFT)
    expect(phone_page.get_by_text(DRAFT_TEXT)).to_be_visible()
    in_her_words = f"{in_her_zone.day} {in_her_zone:%B %Y}, 22:00 (Asia/Kuala_Lumpur, UTC+08:00)"
    deadline = phone_page.locator("dt", has_text="In your time zone").locator("+ dd")
    expect(deadline).to_have_text(in_her_words)
    declared = phone_page.locator("dt", has_text="Deadline").first.locator("+ dd")
    expect(declared).to_contain_text(f"{due_day.day} {due_day:%B %Y}, 17:00 (Europe/Istanbul")
    assert_passes_axe(phone_page)

    # When she answers "comment" with a text
    form = phone_page.get_by_role("region", name="Answer for Malaysia")
    form.get_by_label("Comment", exact=True).check()
    form.get_by_label("Text").fill(MAYA_COMMENT)
    with phone_page.expect_navigation():
        form.get_by_role("button", name="Send the answer").click()

    # Then her answer is recorded, in Malaysia's line, at a time given in her zone
    expect(phone_page.get_by_text("Your answer is recorded.")).to_be_visible()
    line = phone_page.get_by_role("row", name="Malaysia")
    expect(line).to_contain_text("Comment")
    expect(line).to_contain_text(MAYA_COMMENT)
    expect(line.locator("time")).to_contain_text("(Asia/Kuala_Lumpur, UTC+08:00)")
    expect(phone_page.get_by_role("region", name="Change the answer of Malaysia")).to_be_visible()
    assert_passes_axe(phone_page)
    stored = round_.answers.get()
    assert (stored.member_state.code, stored.kind, stored.text) == ("MY", "comment", MAYA_COMMENT)
    assert stored.answered_by == maya


def sign_in_with_code(page, email, secret):
    """Password, then the code the authenticator app shows."""
    sign_in(page, email)
    assert page.url.endswith("/accounts/sign-in/code/")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_the_secretariat_reads_the_matrix_then_the_result_and_circular_once_closed(
    phone_page, sara, maya, tarik
):
    from d8coop.consultations.models import Round

    # Given a draft circulated twenty days ago for ten days, which Malaysia commented on and
    # Türkiye objected to (breaking silence), and whose deadline has passed
    staff, secret = sara
    circulated = timezone.now() - timedelta(days=20)
    round_ = circulate(staff, now=circulated, duration="10 days")
    answer(maya, round_, "MY", "comment", MAYA_COMMENT, now=circulated + timedelta(days=2))
    answer(tarik, round_, "TR", "objection", TARIK_OBJECTION, now=circulated + timedelta(days=3))

    # When the secretariat signs in with her code and opens the consultation
    sign_in_with_code(phone_page, staff.email, secret)
    open_consultations(phone_page)
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name=DRAFT).click()
    expect(phone_page.get_by_text("Deadline passed; closing")).to_be_visible()

    # Then the comment matrix shows each state's answer and its text
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="Comment matrix").click()
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Comment matrix")
    malaysia = phone_page.get_by_role("row", name="Malaysia")
    expect(malaysia).to_contain_text("Comment")
    expect(malaysia).to_contain_text(MAYA_COMMENT)
    turkiye = phone_page.get_by_role("row", name="Türkiye")
    expect(turkiye).to_contain_text("Objection")
    expect(turkiye).to_contain_text("breaks silence")
    expect(turkiye).to_contain_text(TARIK_OBJECTION)
    expect(phone_page.get_by_role("row", name="Egypt")).to_contain_text("No answer yet")
    assert_passes_axe(phone_page)

    # When the clock's job closes the rounds that are due
    call_command("consultations", "close-due", "--as-of", timezone.now().isoformat())

    # Then the consultation page gives the result and the circular
    round_ = Round.objects.select_related("circular", "result").get(pk=round_.pk)
    assert round_.result.outcome == "not_adopted"
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name=DRAFT).click()
    round_section = phone_page.get_by_role("region", name="Round 1 (text version 1)")
    expect(round_section).to_contain_text("Closed: Not adopted")
    circular = phone_page.get_by_role("region", name=f"Circular {round_.circular.reference}")
    expect(circular).to_be_visible()
    expect(circular).to_contain_text(DRAFT)
    expect(phone_page.get_by_role("link", name="New round on a revised text")).to_be_visible()
    assert_passes_axe(phone_page)


def test_the_consultation_matrix_and_diff_pass_axe_in_arabic_on_a_phone(
    phone_page, sara, maya, tarik
):
    from d8coop.consultations import services

    # Given a draft not adopted in round 1 and revised in round 2, which Malaysia commented on
    staff, _secret = sara
    circulated = timezone.now() - timedelta(days=30)
    first = circulate(staff, now=circulated, duration="10 days")
    answer(tarik, first, "TR", "objection", TARIK_OBJECTION, now=circulated + timedelta(days=1))
    services.consultations_close_due(timezone.now())
    second = services.round_open_next(
        by=staff,
        consultation=first.consultation,
        text=DRAFT_TEXT.replace("one (1) month", "two (2) weeks") + "\nA shared directory.",
        note="Türkiye's objection met.",
        duration="one (1) month",
    )
    answer(maya, second, "MY", "comment", MAYA_COMMENT, now=timezone.now())
    pk = first.consultation_id

    # When the focal point of Türkiye, coordinator of the task force, reads it in Arabic
    sign_in(phone_page, tarik.email)
    switch_language(phone_page, "ar")

    # Then the consultation (with his answer form), its matrix and its diff pass axe, right to left
    for path in (
        f"/consultations/{pk}/",
        f"/consultations/{pk}/matrix/",
        f"/consultations/{pk}/diff/",
    ):
        open_page(phone_page, path)
        assert phone_page.locator("html").get_attribute("dir") == "rtl"
        assert_passes_axe(phone_page)
    expect(phone_page.locator("ins").first).to_be_visible()
