"""Two-factor authentication: enrolment, the code step of signing in and its lock-out, recovery
codes, staff made to enrol, turning it off."""

import re
import time
from datetime import timedelta
from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from d8coop.accounts import services
from d8coop.accounts.models import AccountEvent, RecoveryCode, SignInAttempt, TwoFactorDevice
from d8coop.accounts.verification import PENDING_KEY

pytestmark = pytest.mark.django_db

Kind = AccountEvent.Kind
SIGN_IN = "/accounts/sign-in/"
CODE = "/accounts/sign-in/code/"
TWO_FACTOR = "/accounts/two-factor/"
DISABLE = "/accounts/two-factor/disable/"
TOKENS = "/accounts/tokens/"
SARA_PASSWORD = "x-long-password-1"  # the secretariat's, from conftest
TARIK_PASSWORD = "x-long-password-2"  # member_user's
LOCKED = "Too many failed sign-ins"
WRONG = "That code is not right, or it was used already."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def enrol(user) -> tuple[pyotp.TOTP, list[str]]:
    """Turn two-factor on for the user, five minutes ago (so the codes of now are unused)."""
    secret = pyotp.random_base32()
    app = pyotp.TOTP(secret)
    earlier = timezone.now() - timedelta(minutes=5)
    _, codes = services.two_factor_enable(
        user=user, secret=secret, code=app.at(earlier), ip=None, now=earlier
    )
    return app, codes


def wrong_code(app: pyotp.TOTP) -> str:
    """A six-digit code that is none of those accepted now."""
    now = time.time()
    accepted = {app.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def password_step(client, user, password, next_url=""):
    query = f"?next={next_url}" if next_url else ""
    return client.post(f"{SIGN_IN}{query}", {"username": user.email, "password": password})


def signed_in_user(client):
    return client.get(TOKENS).wsgi_request.user


def kinds(user):
    return list(
        AccountEvent.objects.filter(email=user.email)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )


def shown_secret(html: str) -> str:
    return re.search(r'id="secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")


# Enrolment


def test_a_member_enrols_with_the_right_code_and_sees_ten_recovery_codes_once(
    client, signed_in, member_user
):
    signed_in(member_user)

    # Given the enrolment page, with the secret as text and as a QR code
    page = client.get(TWO_FACTOR).content.decode()
    assert "Two-factor authentication is optional for you" in page
    assert "<svg" in page and 'class="qr-code"' in page
    secret = shown_secret(page)
    assert "otpauth://totp/D-8%20Industrial%20Cooperation:tarik%40kosgeb.example" in page
    assert f"secret={secret}" in page
    # (the same secret is offered on a reload, so a slow person can still scan it)
    assert shown_secret(client.get(TWO_FACTOR).content.decode()) == secret

    # When the member enters the code the app shows
    done = client.post(TWO_FACTOR, {"code": pyotp.TOTP(secret).now()}).content.decode()

    # Then two-factor is on, and ten recovery codes are shown this once
    device = TwoFactorDevice.objects.get(user=member_user)
    assert device.secret == secret
    codes = re.findall(r"\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b", done)
    assert len(set(codes)) == 10
    assert "shown only this once" in done
    stored = set(RecoveryCode.objects.filter(device=device).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    # and neither the secret nor the codes are shown again
    later = client.get(TWO_FACTOR).content.decode()
    assert "Two-factor authentication is on" in later
    assert secret not in later.replace(" ", "") and not any(code in later for code in codes)
    assert kinds(member_user) == [Kind.TWO_FACTOR_ENABLED]


def test_enrolment_with_a_wrong_code_changes_nothing(client, signed_in, member_user):
    signed_in(member_user)
    secret = shown_secret(client.get(TWO_FACTOR).content.decode())

    response = client.post(TWO_FACTOR, {"code": wrong_code(pyotp.TOTP(secret))})

    assert response.status_code == 200
    assert "That is not the code the app shows now." in response.content.decode()
    assert not TwoFactorDevice.objects.exists()
    assert shown_secret(response.content.decode()) == secret


def test_enrolment_refuses_what_is_not_six_digits_with_a_clear_message(
    client, signed_in, member_user
):
    signed_in(member_user)
    client.get(TWO_FACTOR)

    response = client.post(TWO_FACTOR, {"code": "12345"}).content.decode()

    assert "Enter the six digits the app shows now." in response
    assert not TwoFactorDevice.objects.exists()


def test_the_two_factor_pages_send_the_anonymous_visitor_to_sign_in(client):
    for path in (TWO_FACTOR, DISABLE, "/accounts/two-factor/recovery-codes/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{SIGN_IN}?next=")


# Signing in with a code


def test_signing_in_asks_for_the_code_of_an_enrolled_user_and_then_lands_on_next(
    client, member_user
):
    app, _ = enrol(member_user)

    # When the member gives the right password
    response = password_step(client, member_user, TARIK_PASSWORD, next_url="/contacts/")

    # Then they are asked for the code, and are not signed in yet
    assert response.status_code == 302 and response["Location"] == CODE
    assert not signed_in_user(client).is_authenticated
    assert "Enter your code" in client.get(CODE).content.decode()
    # nor has a successful sign-in been counted
    assert not SignInAttempt.objects.filter(succeeded=True).exists()

    # When they enter the code the app shows
    done = client.post(CODE, {"code": app.now()})

    # Then they are signed in, on the page they asked for
    assert done.status_code == 302 and done["Location"] == "/contacts/"
    assert signed_in_user(client) == member_user
    assert kinds(member_user)[-2:] == [Kind.SIGN_IN_CODE_REQUESTED, Kind.SIGNED_IN]
    assert SignInAttempt.objects.get().succeeded


def test_a_code_one_step_early_or_late_is_accepted_but_not_two(member_user):
    app, _ = enrol(member_user)
    now = timezone.now()

    def check(seconds):
        code = app.at(now + timedelta(seconds=seconds))
        return services.two_factor_code_check(
            user=member_user, code=code, ip=None, purpose="test", now=now
        ).accepted

    assert not check(-60)
    assert check(-30)
    assert check(30)
    assert not check(60)


def test_a_wrong_code_is_refused_and_counts_towards_the_lock_out(client, member_user):
    app, _ = enrol(member_user)
    password_step(client, member_user, TARIK_PASSWORD)

    # Four wrong codes are refused, each counted as a failed sign-in
    for _ in range(4):
        page = client.post(CODE, {"code": wrong_code(app)}).content.decode()
        assert WRONG in page and LOCKED not in page
    assert SignInAttempt.objects.filter(succeeded=False, email=member_user.email).count() == 4

    # The fifth starts the lock, which then refuses even the right code
    assert LOCKED in client.post(CODE, {"code": wrong_code(app)}).content.decode()
    assert LOCKED in client.post(CODE, {"code": app.now()}).content.decode()
    assert not signed_in_user(client).is_authenticated
    # and the right password too: trying again with the password does not clear the count
    assert LOCKED in password_step(client, member_user, TARIK_PASSWORD).content.decode()
    assert kinds(member_user).count(Kind.TWO_FACTOR_CODE_FAILED) == 5


def test_a_code_used_once_is_refused_the_second_time(client, member_user):
    app, _ = enrol(member_user)
    code = app.now()
    password_step(client, member_user, TARIK_PASSWORD)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post("/accounts/sign-out/")

    # When someone who saw the code signs in with the password and the same code
    password_step(client, member_user, TARIK_PASSWORD)
    again = client.post(CODE, {"code": code})

    # Then it is refused
    assert again.status_code == 200 and WRONG in again.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_a_recovery_code_signs_in_once(client, member_user):
    _, codes = enrol(member_user)

    # When the member, without their phone, enters a recovery code (typed in capitals)
    password_step(client, member_user, TARIK_PASSWORD, next_url="/contacts/")
    done = client.post(CODE, {"code": codes[3].upper()}, follow=True)

    # Then they are signed in, and told how many codes are left
    assert signed_in_user(client) == member_user
    assert "You signed in with a recovery code; 9 are left." in done.content.decode()
    assert done.redirect_chain[-1][0] == f"{TWO_FACTOR}?next=%2Fcontacts%2F"
    assert Kind.RECOVERY_CODE_USED in kinds(member_user)

    # The same code never works again
    client.post("/accounts/sign-out/")
    password_step(client, member_user, TARIK_PASSWORD)
    assert WRONG in client.post(CODE, {"code": codes[3]}).content.decode()
    assert not signed_in_user(client).is_authenticated


def test_the_code_page_without_the_password_step_sends_to_sign_in(client, member_user):
    enrol(member_user)

    response = client.post(CODE, {"code": "123456"})

    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert not SignInAttempt.objects.exists()


def test_the_password_step_lapses_after_ten_minutes(client, member_user):
    app, _ = enrol(member_user)
    password_step(client, member_user, TARIK_PASSWORD)
    session = client.session
    session[PENDING_KEY]["since"] -= 10 * 60 + 1
    session.save()

    response = client.post(CODE, {"code": app.now()})

    assert response.status_code == 302 and response["Location"] == SIGN_IN
    assert not signed_in_user(client).is_authenticated


def test_a_session_that_skipped_the_code_is_not_signed_in(client, member_user):
    enrol(member_user)

    # A sign-in made without the second step (here Django's own login)
    client.login(email=member_user.email, password=TARIK_PASSWORD)

    # counts for nothing: the member is signed out on the next request
    assert not signed_in_user(client).is_authenticated
    assert client.get(TOKENS)["Location"].startswith(SIGN_IN)


def test_turning_two_factor_on_signs_out_the_users_other_sessions(client, member_user):
    other_browser = Client()
    other_browser.login(email=member_user.email, password=TARIK_PASSWORD)
    assert signed_in_user(other_browser) == member_user

    enrol(member_user)

    assert not signed_in_user(other_browser).is_authenticated


# Staff must enrol


@pytest.mark.parametrize(
    "path",
    ["/", "/meetings/", TOKENS, "/accounts/invitations/", "/admin/",
     "/admin/cooperation/meeting/", "/admin/login/"],
)  # fmt: skip
def test_staff_without_a_device_are_sent_to_enrolment_from_every_page(client, secretariat, path):
    # Given a member of staff signed in with the password (they have no device yet)
    assert password_step(client, secretariat, SARA_PASSWORD).status_code == 302

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{TWO_FACTOR}?next=")


def test_staff_without_a_device_may_enrol_and_sign_out(client, secretariat):
    password_step(client, secretariat, SARA_PASSWORD)

    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    assert "Secretariat staff must use two-factor authentication" in page.content.decode()
    assert client.post("/accounts/sign-out/").status_code == 302
    assert not signed_in_user(client).is_authenticated


def test_staff_who_enrol_go_on_to_the_page_they_asked_for(client, secretariat):
    # Given a member of staff sent to enrolment from the back office
    password_step(client, secretariat, SARA_PASSWORD)
    enrolment = client.get("/admin/", follow=True)
    secret = shown_secret(enrolment.content.decode())

    # When they enrol
    done = client.post(enrolment.redirect_chain[-1][0], {"code": pyotp.TOTP(secret).now()})

    # Then the recovery codes page leads on to the back office, which now opens
    assert 'href="/admin/"' in done.content.decode()
    assert client.get("/admin/").status_code == 200


def test_staff_using_the_api_with_the_session_before_enrolling_get_a_json_error(
    client, secretariat
):
    password_step(client, secretariat, SARA_PASSWORD)

    response = client.get("/api/v1/contacts/")

    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_api_tokens_are_not_concerned_by_the_second_step(client, secretariat):
    # A member of staff with no device, calling with their token alone
    token = Token.objects.create(user=secretariat)
    api = Client()

    response = api.get("/api/v1/contacts/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_members_without_a_device_may_skip_two_factor(client, member_user):
    password_step(client, member_user, TARIK_PASSWORD)

    assert client.get(TOKENS).status_code == 200
    assert client.get("/contacts/").status_code == 200
    assert signed_in_user(client) == member_user


def test_the_back_office_asks_enrolled_staff_for_their_code(client, secretariat):
    app, _ = enrol(secretariat)

    # The back office sends an anonymous visitor to the site's sign-in page
    first = client.get("/admin/", follow=True)
    assert first.redirect_chain[-1][0] == f"{SIGN_IN}?next=%2Fadmin%2F"

    # where the password alone does not open it
    password_step(client, secretariat, SARA_PASSWORD, next_url="/admin/")
    assert client.get("/admin/").status_code == 302
    # and the code does
    done = client.post(CODE, {"code": app.now()})
    assert done["Location"] == "/admin/"
    assert "Site administration" in client.get("/admin/").content.decode()


def test_the_first_administrator_signs_in_and_is_asked_to_enrol(client, monkeypatch):
    monkeypatch.setenv("D8COOP_ADMIN_EMAIL", "chief@d8.example")
    monkeypatch.setenv("D8COOP_ADMIN_PASSWORD", "a-long-admin-pass-1")
    call_command("ensure_admin", stdout=StringIO())

    response = client.post(
        f"{SIGN_IN}?next=/admin/",
        {"username": "chief@d8.example", "password": "a-long-admin-pass-1"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{TWO_FACTOR}?next=%2Fadmin%2F"
    assert "Set up two-factor authentication" in response.content.decode()


# Turning it off, new recovery codes


def test_staff_cannot_turn_two_factor_off(client, signed_in, secretariat):
    signed_in(secretariat)
    app = pyotp.TOTP(TwoFactorDevice.objects.get(user=secretariat).secret)

    assert "Turn it off" not in client.get(TWO_FACTOR).content.decode()
    response = client.post(DISABLE, {"password": SARA_PASSWORD, "code": app.now()})

    assert response.status_code == 403
    assert TwoFactorDevice.objects.filter(user=secretariat).exists()
    with pytest.raises(services.TwoFactorRequired):
        services.two_factor_disable(
            user=secretariat, password=SARA_PASSWORD, code=app.now(), ip=None
        )


def test_a_member_turns_two_factor_off_with_the_password_and_a_code(client, signed_in, member_user):
    app, _ = enrol(member_user)
    signed_in(member_user)

    # A wrong password, then a wrong code, change nothing
    wrong_password = client.post(DISABLE, {"password": "not-it", "code": app.now()})
    assert "That is not your password." in wrong_password.content.decode()
    bad_code = client.post(DISABLE, {"password": TARIK_PASSWORD, "code": wrong_code(app)})
    assert WRONG in bad_code.content.decode()
    assert TwoFactorDevice.objects.filter(user=member_user).exists()

    # Both right turn it off; the member signs in with the password alone from then on
    done = client.post(DISABLE, {"password": TARIK_PASSWORD, "code": app.now()}, follow=True)
    assert "Two-factor authentication is off." in done.content.decode()
    assert not TwoFactorDevice.objects.filter(user=member_user).exists()
    client.post("/accounts/sign-out/")
    assert password_step(client, member_user, TARIK_PASSWORD)["Location"] == "/"
    assert signed_in_user(client) == member_user
    assert kinds(member_user).count(Kind.TWO_FACTOR_DISABLED) == 1


def test_new_recovery_codes_replace_the_old_ones(client, signed_in, member_user):
    app, old_codes = enrol(member_user)
    signed_in(member_user)

    page = client.post("/accounts/two-factor/recovery-codes/", {"code": app.now()})

    new_codes = re.findall(
        r"[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}", page.content.decode()
    )
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    check = services.two_factor_code_check(
        user=member_user, code=old_codes[0], ip=None, purpose="test"
    )
    assert not check.accepted
    assert services.two_factor_code_check(
        user=member_user, code=new_codes[0], ip=None, purpose="test"
    ).accepted


def test_an_administrator_resetting_a_device_lets_staff_enrol_again(
    client, signed_in, secretariat, django_user_model
):
    enrol(secretariat)
    root = django_user_model.objects.create_superuser(email="root@d8.example", password="pw-x-1")
    signed_in(root)
    device = TwoFactorDevice.objects.get(user=secretariat)

    client.post(f"/admin/accounts/twofactordevice/{device.pk}/delete/", {"post": "yes"})

    assert not TwoFactorDevice.objects.filter(user=secretariat).exists()
    event = AccountEvent.objects.filter(user=secretariat).latest("pk")
    assert (event.kind, event.detail) == (Kind.TWO_FACTOR_DISABLED, "reset by root@d8.example")


def test_two_factor_events_never_hold_a_secret_or_a_code(client, member_user):
    app, codes = enrol(member_user)
    password_step(client, member_user, TARIK_PASSWORD)
    client.post(CODE, {"code": wrong_code(app)})
    client.post(CODE, {"code": codes[0]})

    assert {Kind.TWO_FACTOR_ENABLED, Kind.TWO_FACTOR_CODE_FAILED, Kind.RECOVERY_CODE_USED} <= set(
        kinds(member_user)
    )
    secrets = [app.secret, codes[0], codes[0].replace("-", "")]
    for event in AccountEvent.objects.all():
        stored = " ".join(str(value) for value in vars(event).values())
        assert not any(secret in stored for secret in secrets), stored


def test_an_htmx_request_of_staff_without_a_device_is_sent_to_enrolment_by_htmx(
    client, secretariat
):
    password_step(client, secretariat, SARA_PASSWORD)

    response = client.get("/bodies/", HTTP_HX_REQUEST="true")

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(f"{TWO_FACTOR}?next=")
