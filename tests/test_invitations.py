"""Invitations: the secretariat invites a person by e-mail to take a role; the single-use link
creates the account (or gives the role to an existing one)."""

import re
from datetime import date, timedelta
from smtplib import SMTPException

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from d8coop.accounts import services
from d8coop.accounts.models import AccountEvent, Invitation
from d8coop.accounts.permissions import (
    can_see_members_data,
    focal_point_bodies,
    focal_point_states,
    is_secretariat,
)
from d8coop.cooperation.models import Body
from d8coop.members.models import MemberState, Person

pytestmark = pytest.mark.django_db

Kind = AccountEvent.Kind
INVITATIONS = "/accounts/invitations/"
NEW_PASSWORD = "a-fresh-passphrase-73"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tarik(reference_data, django_user_model):
    """The focal point of Türkiye."""
    user = django_user_model.objects.create_user(email="tarik@tr-sme.example", password="x-pw-11")
    services.focal_point_appoint(
        user=user, state=MemberState.objects.get(code="TR"), bodies=[],
        started_on=date(2024, 1, 1), name="Tarik",
    )  # fmt: skip
    return user


@pytest.fixture
def administrator(django_user_model):
    return django_user_model.objects.create_superuser(email="root@d8.example", password="pw-x-1")


def focal_point_form(**changes) -> dict:
    data = {
        "email": "Amina@SMEDAN.example", "role": "focal_point",
        "member_state": MemberState.objects.get(code="NG").pk,
        "bodies": [Body.objects.get(slug="tf-smes").pk], "name": "Amina Bello",
        "language": "en",
    }  # fmt: skip
    return {**data, **changes}


def link_in(message) -> str:
    return re.search(r"http://testserver(/accounts/invitations/[\w-]+/)", message.body).group(1)


def invite(client, **changes):
    return client.post(INVITATIONS, focal_point_form(**changes), follow=True)


def kinds(**filters):
    return list(
        AccountEvent.objects.filter(**filters).order_by("at", "pk").values_list("kind", flat=True)
    )


# Sending


def test_the_secretariat_invites_a_focal_point_by_e_mail_with_a_single_use_link(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)

    response = invite(client)

    # The page says it was sent and lists it as pending
    page = response.content.decode()
    assert "Invitation sent to amina@smedan.example." in page
    assert "Pending" in page and "Amina Bello" in page
    # One e-mail, text and HTML, with the link in both
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@smedan.example"]
    assert message.subject == "Your invitation to the D-8 Industrial Cooperation Platform"
    link = link_in(message)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f"http://testserver{link}" in html
    assert "Focal point of a member state" in message.body and "Nigeria" in message.body
    # Only a hash of the token is stored, and no event holds the link
    invitation = Invitation.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == Invitation.hash_token(token) != token
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    event = AccountEvent.objects.get(kind=Kind.INVITATION_SENT)
    assert event.email == "amina@smedan.example" and token not in event.detail
    assert "by sara@d8-sec.example" in event.detail


def test_the_link_is_valid_for_the_configured_number_of_days(
    client, signed_in, secretariat, reference_data, settings
):
    settings.INVITATION_VALID_DAYS = 2
    signed_in(secretariat)

    invite(client)

    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=2)


@pytest.mark.parametrize(("language", "direction"), [("tr", "ltr"), ("ar", "rtl")])
def test_the_e_mail_is_in_the_language_chosen_on_the_invitation(
    client, signed_in, secretariat, reference_data, language, direction
):
    signed_in(secretariat)

    invite(client, language=language)

    html, _ = mail.outbox[0].alternatives[0]
    assert f'<html lang="{language}" dir="{direction}">' in html


def test_a_focal_point_needs_a_member_state_and_a_name(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)

    page = invite(client, member_state="", name=" ").content.decode()

    assert "Choose the member state of the focal point." in page
    assert "Give the focal point&#x27;s name, as it will be listed." in page
    assert not Invitation.objects.exists() and mail.outbox == []


def test_a_second_invitation_to_a_pending_address_is_refused(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)

    page = invite(client, email="amina@smedan.example", role="observer", member_state="",
                  bodies=[], name="").content.decode()  # fmt: skip

    assert "An invitation to this address is pending." in page
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


def test_only_administrators_invite_secretariat_staff(
    client, signed_in, secretariat, administrator, reference_data
):
    staff_form = focal_point_form(role="secretariat", member_state="", bodies=[], name="")
    signed_in(secretariat)
    assert 'value="secretariat"' not in client.get(INVITATIONS).content.decode()
    refused = client.post(INVITATIONS, staff_form).content.decode()
    assert "Select a valid choice." in refused
    assert not Invitation.objects.exists()
    with pytest.raises(services.InvitationRefused):
        services.invitation_send(by=secretariat, email="new@d8.example", role="secretariat",
                                 ip=None, site_url="http://testserver")  # fmt: skip

    signed_in(administrator)
    assert client.post(INVITATIONS, staff_form).status_code == 302
    assert Invitation.objects.get().role == Invitation.Role.SECRETARIAT


def test_an_e_mail_that_cannot_be_sent_leaves_no_invitation(
    client, signed_in, secretariat, reference_data, monkeypatch
):
    def refuse(self, messages):
        raise SMTPException("relay refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    signed_in(secretariat)

    page = invite(client).content.decode()

    assert "The e-mail could not be sent, so nothing was saved." in page
    assert not Invitation.objects.exists()
    assert not AccountEvent.objects.filter(kind=Kind.INVITATION_SENT).exists()


@pytest.mark.parametrize("who", ["tarik", "outsider", "member_user"])
def test_a_focal_point_or_an_outsider_cannot_invite(
    client, signed_in, request, who, reference_data
):
    signed_in(request.getfixturevalue(who))
    pending = services.invitation_send(
        by=get_user_model().objects.create_superuser(email="root@d8.example", password="pw"),
        email="someone@example.com", role="observer", ip=None, site_url="http://testserver",
    )  # fmt: skip
    mail.outbox.clear()

    assert client.get(INVITATIONS).status_code == 403
    assert client.post(INVITATIONS, focal_point_form()).status_code == 403
    assert client.post(f"{INVITATIONS}{pending.pk}/revoke/").status_code == 403

    assert list(Invitation.objects.all()) == [pending]
    assert Invitation.objects.get().revoked_at is None
    assert mail.outbox == []


def test_the_anonymous_visitor_is_sent_to_sign_in(client, reference_data):
    for response in (client.get(INVITATIONS), client.post(INVITATIONS, focal_point_form()),
                     client.post(f"{INVITATIONS}1/revoke/")):  # fmt: skip
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/?next=/accounts/invitations/")
    assert not Invitation.objects.exists()


def test_the_list_costs_the_same_queries_for_few_or_many_invitations(
    client, signed_in, secretariat, reference_data, django_assert_max_num_queries
):
    signed_in(secretariat)
    nigeria = MemberState.objects.get(code="NG")
    tf_smes = Body.objects.get(slug="tf-smes")

    def add(n):
        for i in range(n):
            services.invitation_send(
                by=secretariat, email=f"p{Invitation.objects.count()}@example.com",
                role="focal_point", state=nigeria, bodies=[tf_smes], name=f"P {i}", ip=None,
                site_url="http://testserver",
            )  # fmt: skip

    add(2)
    with django_assert_max_num_queries(30) as few:
        assert client.get(INVITATIONS).status_code == 200
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(INVITATIONS).status_code == 200


# Accepting


def test_accepting_creates_the_focal_point_and_signs_them_in(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")

    # When the invited person opens the link and chooses a password
    form = client.get(link).content.decode()
    assert "Choose your password" in form and "Nigeria" in form
    done = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)

    # Then they have an account, are signed in, and act for Nigeria in the SME task force
    assert "You accepted the invitation." in done.content.decode()
    user = get_user_model().objects.get(email="amina@smedan.example")
    assert done.wsgi_request.user == user
    assert user.check_password(NEW_PASSWORD) and not user.is_staff
    assert focal_point_states(user) == {"NG"}
    assert focal_point_bodies(user, "NG") == {Body.objects.get(slug="tf-smes").pk}
    assert Person.objects.get(user=user).name == "Amina Bello"
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == (Invitation.Status.ACCEPTED, user)
    assert sorted(kinds(user=user)) == [Kind.INVITATION_ACCEPTED, Kind.ROLE_GRANTED]
    # and they sign in with the password from then on
    client.post("/accounts/sign-out/")
    signed = client.post("/accounts/sign-in/", {"username": user.email, "password": NEW_PASSWORD})
    assert signed.status_code == 302


def test_an_observer_invitation_gives_the_members_only_right(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client, role="observer", member_state="", bodies=[], name="", language="fa")
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")

    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    user = get_user_model().objects.get(email="amina@smedan.example")
    assert can_see_members_data(user) and not focal_point_states(user)
    assert user.language == "fa"


def test_secretariat_staff_accepting_are_sent_to_enrol_two_factor(
    client, signed_in, administrator, reference_data
):
    signed_in(administrator)
    invite(client, role="secretariat", member_state="", bodies=[], name="")
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")

    done = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)

    user = get_user_model().objects.get(email="amina@smedan.example")
    assert is_secretariat(user) and user.groups.filter(name="Secretariat").exists()
    assert done.redirect_chain[-1][0].startswith("/accounts/two-factor/?next=")
    assert "Secretariat staff must use two-factor authentication" in done.content.decode()


def test_a_weak_password_is_refused_and_nothing_is_created(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")

    short = client.post(link, {"password1": "abc", "password2": "abc"}).content.decode()
    different = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})

    assert "This password is too short." in short
    assert "The two password fields didn’t match." in different.content.decode()
    assert not get_user_model().objects.filter(email="amina@smedan.example").exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_the_link_works_once(client, signed_in, secretariat, reference_data):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.post("/accounts/sign-out/")

    again = client.get(link)
    retry = client.post(link, {"password1": "another-pass-9911", "password2": "another-pass-9911"})

    assert again.status_code == 410
    assert "It has been used already" in again.content.decode()
    assert retry.status_code == 410
    user = get_user_model().objects.get(email="amina@smedan.example")
    assert user.check_password(NEW_PASSWORD)
    assert kinds(kind=Kind.INVITATION_ACCEPTED) == [Kind.INVITATION_ACCEPTED]


def test_an_expired_link_shows_a_clear_page_and_changes_nothing(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    shown = client.get(link)
    posted = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert shown.status_code == posted.status_code == 410
    assert "It has expired." in shown.content.decode()
    assert not get_user_model().objects.filter(email="amina@smedan.example").exists()
    # and the secretariat's list says so, with nothing left to revoke
    signed_in(secretariat)
    listed = client.get(INVITATIONS).content.decode()
    assert "Expired" in listed and "Revoke" not in listed


def test_a_revoked_link_shows_a_clear_page_and_changes_nothing(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    invitation = Invitation.objects.get()

    revoked = client.post(f"{INVITATIONS}{invitation.pk}/revoke/", follow=True).content.decode()
    assert "its link no longer works" in revoked and "Revoked" in revoked
    again = client.post(f"{INVITATIONS}{invitation.pk}/revoke/", follow=True).content.decode()
    assert "no longer pending; nothing changed" in again
    client.post("/accounts/sign-out/")

    shown = client.get(link)
    posted = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert shown.status_code == posted.status_code == 410
    assert "The secretariat has withdrawn this invitation." in shown.content.decode()
    assert not get_user_model().objects.filter(email="amina@smedan.example").exists()
    assert kinds(kind=Kind.INVITATION_REVOKED) == [Kind.INVITATION_REVOKED]
    assert client.get(INVITATIONS).status_code == 302  # signed out: no list


def test_a_tampered_link_shows_a_clear_page_and_changes_nothing(
    client, signed_in, secretariat, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]

    shown = client.get(tampered)
    posted = client.post(tampered, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert shown.status_code == posted.status_code == 404
    assert "It is not a valid invitation link." in shown.content.decode()
    assert not get_user_model().objects.filter(email="amina@smedan.example").exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_existing_user_signs_in_to_accept_and_keeps_their_account(
    client, signed_in, secretariat, member_user, reference_data
):
    # Given an invitation to the address of an existing account
    signed_in(secretariat)
    invite(client, email=member_user.email.upper())
    link = link_in(mail.outbox[0])
    client.post("/accounts/sign-out/")

    # The link asks them to sign in, and creates nothing
    page = client.get(link).content.decode()
    assert "You already have an account with this address." in page
    assert f'href="/accounts/sign-in/?next={link}"' in page
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not focal_point_states(member_user)

    # Signed in, they accept with one button
    signed_in(member_user)
    assert "Accept the invitation" in client.get(link).content.decode()
    done = client.post(link, follow=True)

    assert "You accepted the invitation." in done.content.decode()
    assert focal_point_states(member_user) == {"NG"}
    assert get_user_model().objects.filter(email__iexact=member_user.email).count() == 1
    member_user.refresh_from_db()
    assert member_user.check_password("x-long-password-2")


def test_someone_signed_in_with_another_address_cannot_accept(
    client, signed_in, secretariat, outsider, reference_data
):
    signed_in(secretariat)
    invite(client)
    link = link_in(mail.outbox[0])
    signed_in(outsider)

    page = client.get(link).content.decode()
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert "you are signed in as olga@example.com" in page
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not focal_point_states(outsider)
    assert not get_user_model().objects.filter(email="amina@smedan.example").exists()


# The API


@pytest.fixture
def api():
    return APIClient()


def test_the_secretariat_invites_through_the_api(api, secretariat, reference_data):
    token = Token.objects.create(user=secretariat)

    response = api.post(
        "/api/v1/invitations/",
        {"email": "Reza@iran-sme.example", "role": "focal_point", "member_state": "ir",
         "bodies": ["tf-smes"], "name": "Reza Karimi"},
        format="json", HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "reza@iran-sme.example" and body["status"] == "pending"
    assert body["member_state"] == "IR" and body["bodies"] == ["tf-smes"]
    assert not any("token" in key for key in body)
    assert mail.outbox[0].to == ["reza@iran-sme.example"]


def test_the_api_explains_what_is_wrong_with_an_invitation(api, secretariat, reference_data):
    token = Token.objects.create(user=secretariat)

    response = api.post(
        "/api/v1/invitations/", {"email": "x@example.com", "role": "focal_point"},
        format="json", HTTP_AUTHORIZATION=f"Token {token.key}",
    )  # fmt: skip

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]["member_state"] == ["Choose the member state of the focal point."]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("tarik", 403), ("outsider", 403)])
def test_no_one_but_the_secretariat_invites_through_the_api(
    api, request, who, status, reference_data
):
    headers = {}
    if who != "anonymous":
        token = Token.objects.create(user=request.getfixturevalue(who))
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"

    response = api.post(
        "/api/v1/invitations/", {"email": "x@example.com", "role": "observer"}, format="json",
        **headers,
    )  # fmt: skip

    assert response.status_code == status
    assert set(response.json()) == {"code", "message"}
    assert not Invitation.objects.exists() and mail.outbox == []
