"""Invitations and two-factor authentication in Chromium, on a phone, checked with axe-core
(see conftest.py): staff enrol at their first sign-in, invite a focal point, who accepts."""

import re
from datetime import timedelta

import pyotp
import pytest
from django.core import mail
from django.utils import timezone

from d8coop.accounts import services

# Imported from there, Playwright's `expect` skips this module too when Playwright is missing.
from tests.browser.test_portal_browser import (
    assert_passes_axe,
    expect,
    open_page,
    switch_language,
)

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-42"


@pytest.fixture
def sara(loaded_portal, django_user_model):
    """Secretariat staff, who have not set up two-factor authentication yet."""
    return django_user_model.objects.create_user(
        email="sara@d8-sec.example", password=PASSWORD, is_staff=True
    )


def sign_in(page, email, password=PASSWORD):
    open_page(page, "/accounts/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def submit(page, button):
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_staff_enrol_at_first_sign_in_then_invite_a_focal_point_who_accepts(
    phone_page, live_server, sara
):
    # Given a member of staff signing in for the first time, on her phone
    sign_in(phone_page, sara.email)

    # Then she is sent to set up two-factor authentication, with a QR code and the key
    assert phone_page.url.startswith(live_server.url + "/accounts/two-factor/")
    qr_code = phone_page.get_by_role("img", name="QR code to scan with your authenticator app")
    expect(qr_code).to_be_visible()
    assert_passes_axe(phone_page)
    secret = phone_page.locator("#secret").inner_text().replace(" ", "")

    # When she enters the code her app shows
    phone_page.get_by_label("Code shown by the app").fill(pyotp.TOTP(secret).now())
    submit(phone_page, "Turn on two-factor authentication")

    # Then she sees her ten recovery codes, once
    assert phone_page.locator(".recovery-codes li").count() == 10
    assert_passes_axe(phone_page)
    with phone_page.expect_navigation():
        phone_page.get_by_role("link", name="I have kept them: continue").click()

    # When she invites the focal point of Nigeria for the SME task force
    open_page(phone_page, "/accounts/invitations/")
    assert_passes_axe(phone_page)
    phone_page.get_by_label("E-mail address of the person invited").fill("amina@smedan.example")
    phone_page.get_by_label("Member state (focal points)").select_option(label="Nigeria")
    phone_page.get_by_label("Name of the person (focal points)").fill("Amina Bello")
    phone_page.get_by_label(re.compile("Small and Medium Enterprises")).first.check()
    submit(phone_page, "Send the invitation")
    assert phone_page.get_by_text("Invitation sent to amina@smedan.example.").is_visible()
    assert_passes_axe(phone_page)
    submit(phone_page, "Sign out")

    # Then the focal point opens the link of the e-mail and chooses her password
    link = re.search(r"https?://\S+/accounts/invitations/\S+/", mail.outbox[-1].body).group(0)
    open_page(phone_page, link)
    assert_passes_axe(phone_page)
    phone_page.get_by_label("Choose a password").fill("amina-new-passphrase-7")
    phone_page.get_by_label("The same password again").fill("amina-new-passphrase-7")
    submit(phone_page, "Accept and create my account")
    assert phone_page.get_by_role("heading", level=1).inner_text() == (
        "Welcome to the D-8 Industrial Cooperation Platform"
    )
    assert_passes_axe(phone_page)


def test_an_enrolled_member_gives_a_code_after_the_password_in_arabic(
    phone_page, loaded_portal, django_user_model
):
    # Given a member who turned two-factor authentication on (an hour ago)
    member = django_user_model.objects.create_user(email="amina@smedan.example", password=PASSWORD)
    secret = pyotp.random_base32()
    earlier = timezone.now() - timedelta(hours=1)
    services.two_factor_enable(
        user=member, secret=secret, code=pyotp.TOTP(secret).at(earlier), ip=None, now=earlier
    )

    # When she signs in, in Arabic
    open_page(phone_page, "/")
    switch_language(phone_page, "ar")
    open_page(phone_page, "/accounts/sign-in/")
    phone_page.locator("#id_username").fill(member.email)
    phone_page.locator("#id_password").fill(PASSWORD)
    with phone_page.expect_navigation():
        phone_page.locator("main [type=submit]").click()

    # Then she is asked for the code of her app, on a right-to-left page
    assert phone_page.url.endswith("/accounts/sign-in/code/")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert_passes_axe(phone_page)
    phone_page.locator("#id_code").fill(pyotp.TOTP(secret).now())
    with phone_page.expect_navigation():
        phone_page.locator("main [type=submit]").click()
    open_page(phone_page, "/accounts/two-factor/")
    assert_passes_axe(phone_page)
