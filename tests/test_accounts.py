"""Accounts: sign-in and its lock-out, sign-out, password reset by e-mail, API tokens, audit."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from d8coop.accounts import services
from d8coop.accounts.models import AccountEvent, SignInAttempt
from d8coop.accounts.selectors import sign_in_lock

pytestmark = pytest.mark.django_db

Kind = AccountEvent.Kind
SIGN_IN = "/accounts/sign-in/"
TOKENS = "/accounts/tokens/"
CONTACTS_API = "/api/v1/contacts/"
TARIK_PASSWORD = "x-long-password-2"  # member_user's, from conftest
LOCKED = "Too many failed sign-ins"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Dozens of password checks per test: a fast hasher keeps the module quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, email, password, **extra):
    return client.post(SIGN_IN, {"username": email, "password": password}, **extra)


def kinds(**filters):
    return list(
        AccountEvent.objects.filter(**filters).order_by("at", "pk").values_list("kind", flat=True)
    )


def assert_signed_in_as(client, user):
    assert client.get(TOKENS).wsgi_request.user == user


def assert_signed_out(client):
    assert not client.get(TOKENS).wsgi_request.user.is_authenticated


# Sign-in and sign-out


def test_signing_in_with_the_right_password_lands_on_next(client, member_user):
    response = client.post(
        f"{SIGN_IN}?next=/contacts/", {"username": member_user.email, "password": TARIK_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert_signed_in_as(client, member_user)
    assert kinds(user=member_user) == [Kind.SIGNED_IN]


def test_the_address_is_matched_whatever_its_case(client, member_user):
    response = sign_in(client, "  Tarik@KOSGEB.example ", TARIK_PASSWORD)

    assert response.status_code == 302
    assert_signed_in_as(client, member_user)


def test_a_wrong_password_shows_an_error_and_records_a_failure(client, member_user):
    response = sign_in(client, member_user.email, "not-the-password")

    assert response.status_code == 200
    assert "That e-mail address and password do not match an account." in response.content.decode()
    assert_signed_out(client)
    attempt = SignInAttempt.objects.get()
    assert (attempt.email, attempt.ip, attempt.succeeded) == (member_user.email, "127.0.0.1", False)
    event = AccountEvent.objects.get()
    assert (event.kind, event.user, event.email) == (Kind.SIGN_IN_FAILED, None, member_user.email)


def test_the_sixth_attempt_within_fifteen_minutes_is_refused_even_with_the_right_password(
    client, member_user
):
    # Given four failures
    for _ in range(4):
        assert LOCKED not in sign_in(client, member_user.email, "wrong").content.decode()

    # When the fifth fails, the lock starts and the page says so
    fifth = sign_in(client, member_user.email, "wrong").content.decode()
    assert LOCKED in fifth and "try again in 15 minutes" in fifth

    # Then even the right password is refused, without being checked
    sixth = sign_in(client, member_user.email, TARIK_PASSWORD)
    assert sixth.status_code == 200
    assert LOCKED in sixth.content.decode()
    assert_signed_out(client)
    assert SignInAttempt.objects.count() == 5
    assert kinds(email=member_user.email)[-1] == Kind.SIGN_IN_REFUSED_LOCKED


def test_the_lock_lifts_after_fifteen_minutes(client, member_user):
    for _ in range(5):
        sign_in(client, member_user.email, "wrong")
    assert LOCKED in sign_in(client, member_user.email, TARIK_PASSWORD).content.decode()

    # Fifteen minutes later
    SignInAttempt.objects.update(at=F("at") - timedelta(minutes=15, seconds=1))

    assert sign_in(client, member_user.email, TARIK_PASSWORD).status_code == 302
    assert_signed_in_as(client, member_user)


def test_the_lock_counts_failures_within_one_period_by_the_clock_given(member_user, settings):
    start = timezone.now() - timedelta(hours=1)

    def attempt(minutes, password="wrong"):
        return services.sign_in_attempt(
            email=member_user.email,
            ip="192.0.2.1",
            check_password=lambda: member_user if password == TARIK_PASSWORD else None,
            now=start + timedelta(minutes=minutes),
        )

    # Five failures spread over 16 minutes lock nothing
    for minutes in (0, 4, 8, 12, 16):
        assert attempt(minutes).lock is None
    # A sixth makes five within 15 minutes (4..19): locked for 15 minutes from it
    assert attempt(19).lock is None
    refused = attempt(20, TARIK_PASSWORD)
    assert refused.user is None
    assert refused.lock.until == start + timedelta(minutes=34)
    assert attempt(33, TARIK_PASSWORD).lock is not None
    assert attempt(34, TARIK_PASSWORD).user == member_user


def test_a_successful_sign_in_resets_the_count_but_keeps_the_failures_on_record(
    client, member_user
):
    for _ in range(4):
        sign_in(client, member_user.email, "wrong")
    sign_in(client, member_user.email, TARIK_PASSWORD)
    client.logout()

    fifth_failure_overall = sign_in(client, member_user.email, "wrong").content.decode()

    assert LOCKED not in fifth_failure_overall
    assert SignInAttempt.objects.filter(succeeded=False).count() == 5
    assert kinds(email=member_user.email).count(Kind.SIGN_IN_FAILED) == 5


def test_an_ip_address_trying_many_e_mails_is_refused(client, member_user):
    # Given 20 failures from one address, each for a different e-mail
    for n in range(20):
        sign_in(client, f"guess{n}@example.com", "password123")

    # Then a real user signing in from that address is refused, even with the right password
    refused = sign_in(client, member_user.email, TARIK_PASSWORD)
    assert LOCKED in refused.content.decode()
    assert_signed_out(client)
    # while the same user from another address is not
    assert (
        sign_in(client, member_user.email, TARIK_PASSWORD, REMOTE_ADDR="198.51.100.7").status_code
        == 302
    )


def test_the_back_office_login_is_the_sign_in_page_so_it_is_locked_out_too(client, secretariat):
    # The back office's login page sends to the sign-in page, without checking any password
    response = client.post(
        "/admin/login/?next=/admin/cooperation/",
        {"username": secretariat.email, "password": "x-long-password-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{SIGN_IN}?next=%2Fadmin%2Fcooperation%2F"
    assert not SignInAttempt.objects.exists()
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == (
        f"{SIGN_IN}?next=%2Fadmin%2F"
    )

    # where five failures lock the address, as for everyone
    for _ in range(5):
        sign_in(client, secretariat.email, "wrong")
    refused = client.post(
        f"{SIGN_IN}?next=/admin/", {"username": secretariat.email, "password": "x-long-password-1"}
    )

    assert refused.status_code == 200
    assert LOCKED in refused.content.decode()
    assert kinds(email=secretariat.email)[-1] == Kind.SIGN_IN_REFUSED_LOCKED


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://evil.example/x"]
)
def test_next_pointing_to_another_host_is_ignored(client, member_user, target):
    response = client.post(
        SIGN_IN, {"username": member_user.email, "password": TARIK_PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_out_requires_post(client, member_user):
    client.force_login(member_user)

    assert client.get("/accounts/sign-out/").status_code == 405
    assert_signed_in_as(client, member_user)

    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    assert_signed_out(client)
    assert kinds(user=member_user) == [Kind.SIGNED_OUT]


def test_the_header_offers_sign_in_to_visitors_and_the_account_to_signed_in_users(
    client, reference_data, member_user
):
    anonymous = client.get("/meetings/").content.decode()
    assert 'href="/accounts/sign-in/?next=/meetings/"' in anonymous
    assert "Sign out" not in anonymous and "API tokens" not in anonymous

    client.force_login(member_user)
    signed_in = client.get("/meetings/").content.decode()
    assert member_user.email in signed_in
    assert 'href="/accounts/tokens/"' in signed_in
    sign_out = (
        r'<form method="post" action="/accounts/sign-out/"[^>]*>\s*<input type="hidden" name="csrf'
    )
    assert re.search(sign_out, signed_in)
    assert ">Sign in<" not in signed_in


def test_account_pages_are_never_cached(client, member_user, page_cache):
    for path in (SIGN_IN, "/accounts/password-reset/"):
        assert "no-store" in client.get(path)["Cache-Control"]
    client.force_login(member_user)
    assert "no-store" in client.get(TOKENS)["Cache-Control"]


# Password reset


def reset_link(message) -> str:
    return re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)


def test_password_reset_sends_one_e_mail_with_a_working_link_for_a_known_address(
    client, member_user
):
    response = client.post("/accounts/password-reset/", {"email": member_user.email}, follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [member_user.email]
    assert message.subject == "Choose a new password for the D-8 Industrial Cooperation Platform"
    form = client.get(reset_link(message), follow=True)
    assert "new_password1" in form.content.decode()
    assert kinds(user=member_user) == [Kind.PASSWORD_RESET_REQUESTED]


def test_password_reset_answers_an_unknown_address_the_same_and_sends_nothing(client, member_user):
    known = client.post("/accounts/password-reset/", {"email": member_user.email}, follow=True)
    mail.outbox.clear()

    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"}, follow=True)

    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.content == known.content
    assert mail.outbox == []
    event = AccountEvent.objects.filter(email="nobody@example.com").get()
    assert (event.kind, event.user) == (Kind.PASSWORD_RESET_REQUESTED, None)


def test_the_reset_link_sets_a_new_password_and_the_old_one_stops_working(client, member_user):
    client.post("/accounts/password-reset/", {"email": member_user.email})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    new_password = "a-brand-new-passphrase-42"

    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == "/accounts/password-reset/done/"
    assert "Password changed" in done.content.decode()
    assert sign_in(client, member_user.email, TARIK_PASSWORD).status_code == 200
    assert sign_in(client, member_user.email, new_password).status_code == 302
    assert Kind.PASSWORD_CHANGED in kinds(user=member_user)
    # The link works once
    again = client.get(reset_link(mail.outbox[0]), follow=True).content.decode()
    assert "This link does not work" in again


# API tokens


def test_the_tokens_page_sends_the_anonymous_visitor_to_sign_in(client):
    for response in (client.get(TOKENS), client.post("/accounts/tokens/new/"),
                     client.post("/accounts/tokens/revoke/")):  # fmt: skip
        assert response.status_code == 302
        assert response["Location"].startswith(f"{SIGN_IN}?next=/accounts/tokens/")
    assert not Token.objects.exists()


def test_a_user_creates_a_token_sees_it_once_uses_it_and_revokes_it(client, member_user):
    client.force_login(member_user)
    assert "You have no API token." in client.get(TOKENS).content.decode()

    # When the user creates a token, its full key is shown once
    created = client.post("/accounts/tokens/new/").content.decode()
    key = Token.objects.get(user=member_user).key
    assert key in created and "shown only this once" in created
    later = client.get(TOKENS).content.decode()
    assert key not in later
    assert f"{key[:6]}…" in later

    # and it authenticates the API
    api = Client()  # no session: the token alone
    assert api.get(CONTACTS_API, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200

    # When the user confirms the revocation, the token no longer works
    confirm = client.get("/accounts/tokens/revoke/").content.decode()
    assert "Yes, revoke it" in confirm and key not in confirm
    revoked = client.post("/accounts/tokens/revoke/", follow=True).content.decode()
    assert "Your API token was revoked" in revoked
    assert not Token.objects.filter(user=member_user).exists()
    assert api.get(CONTACTS_API, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert kinds(user=member_user) == [Kind.TOKEN_CREATED, Kind.TOKEN_REVOKED]


def test_a_second_token_is_refused_while_the_first_exists(client, member_user):
    client.force_login(member_user)
    client.post("/accounts/tokens/new/")
    key = Token.objects.get(user=member_user).key

    response = client.post("/accounts/tokens/new/", follow=True).content.decode()

    assert "You already have an API token" in response
    assert Token.objects.get(user=member_user).key == key
    assert key not in response


def test_revoking_is_asked_by_get_and_done_only_by_post(client, member_user):
    token = Token.objects.create(user=member_user)
    client.force_login(member_user)

    client.get("/accounts/tokens/revoke/")

    assert Token.objects.filter(pk=token.pk).exists()


def test_a_user_cannot_revoke_another_users_token(client, member_user, outsider):
    theirs = Token.objects.create(user=outsider)
    mine = Token.objects.create(user=member_user)
    client.force_login(member_user)

    client.post(
        f"/accounts/tokens/revoke/?user={outsider.pk}&key={theirs.key}",
        {"user": outsider.pk, "key": theirs.key, "pk": theirs.pk},
    )

    assert Token.objects.filter(key=theirs.key, user=outsider).exists()
    assert not Token.objects.filter(key=mine.key).exists()


def test_no_account_url_takes_a_user_or_a_token(client):
    patterns = get_resolver().url_patterns
    accounts = next(p for p in patterns if getattr(p, "namespace", None) == "accounts")
    routes = [str(p.pattern) for p in accounts.url_patterns]

    # Only links sent by e-mail carry a secret: the reset link (Django's signed user id and
    # one-time token) and an invitation's link; and the secretariat revokes an invitation by id.
    assert [r for r in routes if "<" in r] == [
        "password-reset/<uidb64>/<token>/",
        "invitations/<int:pk>/revoke/",
        "invitations/<str:token>/",
    ]
    assert reverse("accounts:api-token-revoke") == "/accounts/tokens/revoke/"


def test_the_create_token_command_still_prints_one_token_and_records_its_creation(member_user):
    first, second = StringIO(), StringIO()

    call_command("create_token", member_user.email, stdout=first)
    call_command("create_token", member_user.email, stdout=second)

    key = Token.objects.get(user=member_user).key
    assert first.getvalue().strip() == second.getvalue().strip() == key
    assert kinds(user=member_user) == [Kind.TOKEN_CREATED]


# The audit trail


def test_account_events_are_written_for_each_step_and_never_hold_a_secret(client, member_user):
    # Given a user who fails, signs in, makes and revokes a token, signs out, resets a password
    sign_in(client, member_user.email, "wrong-secret-guess")
    sign_in(client, member_user.email, TARIK_PASSWORD)
    client.post("/accounts/tokens/new/")
    key = Token.objects.get(user=member_user).key
    client.post("/accounts/tokens/revoke/")
    client.post("/accounts/sign-out/")
    client.post("/accounts/password-reset/", {"email": member_user.email})
    form = client.get(reset_link(mail.outbox[0]), follow=True)
    new_password = "another-new-passphrase-77"
    client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )

    # Then each step is on record, with who and from where
    assert kinds(email=member_user.email) == [
        Kind.SIGN_IN_FAILED, Kind.SIGNED_IN, Kind.TOKEN_CREATED, Kind.TOKEN_REVOKED,
        Kind.SIGNED_OUT, Kind.PASSWORD_RESET_REQUESTED, Kind.PASSWORD_CHANGED,
    ]  # fmt: skip
    assert set(AccountEvent.objects.values_list("ip", flat=True)) == {"127.0.0.1"}
    # and no password, key or reset link
    secrets = [TARIK_PASSWORD, "wrong-secret-guess", new_password, key, reset_link(mail.outbox[0])]
    for event in AccountEvent.objects.all():
        stored = " ".join(str(value) for value in vars(event).values())
        assert not any(secret in stored for secret in secrets), stored


def test_the_audit_trail_is_read_only_in_the_back_office(
    client, signed_in, django_user_model, member_user
):
    root = django_user_model.objects.create_superuser(email="root@d8.example", password="pw-x-1")
    event = services.account_record_event(kind=Kind.SIGNED_IN, user=member_user, ip="192.0.2.9")
    signed_in(root)

    listed = client.get(reverse("admin:accounts_accountevent_changelist"))
    shown = client.get(reverse("admin:accounts_accountevent_change", args=[event.pk]))

    assert listed.status_code == 200 and member_user.email in listed.content.decode()
    assert shown.status_code == 200 and 'name="_save"' not in shown.content.decode()
    assert client.get(reverse("admin:accounts_accountevent_add")).status_code == 403
    assert (
        client.get(reverse("admin:accounts_accountevent_delete", args=[event.pk])).status_code
        == 403
    )


def test_the_lock_is_read_per_address_and_per_ip_from_the_database(member_user):
    now = timezone.now()
    SignInAttempt.objects.bulk_create(
        SignInAttempt(email=f"x{n}@example.com", ip="203.0.113.5", succeeded=False, at=now)
        for n in range(20)
    )

    assert sign_in_lock(email=member_user.email, ip="203.0.113.5").reason == "ip"
    assert sign_in_lock(email=member_user.email, ip="203.0.113.6") is None
    assert sign_in_lock(email=member_user.email, ip=None) is None
