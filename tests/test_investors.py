"""Investors: registration and e-mail verification, expressions of interest, leads and their
steps, and the outcome statistics. API: test_investors_api.py; refusals to outsiders:
test_investors_authorization.py."""

# ruff: noqa: F811 - the persona fixtures come from tests.investors_support

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from d8coop.accounts.models import User
from d8coop.accounts.permissions import can_see_members_data
from d8coop.investors import services
from d8coop.investors.models import Interest, Investor, LeadStep
from d8coop.investors.panels import interest_panel
from d8coop.notifications.models import Kind, Notification
from tests.investors_support import (  # noqa: F401 - fixtures
    PASSWORD,
    _reference_data_once,
    interest,
    investor,
    make_investor,
    make_opportunity,
    maya,
    opportunity,
    reference_data,
    snapshot,
    tarik,
    unverified,
)

pytestmark = pytest.mark.django_db
Stage = Interest.Stage
REGISTER = "/investors/register/"


@pytest.fixture
def tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def registration(**changes) -> dict:
    data = {
        "email": "nadia@capital.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organization": "Nadia Capital",
        "kind": "fund",
        "country": "de",
        "sectors": ["C", "D"],
        "instruments": ["equity", "loan"],
        "ticket_min_usd": "1000000",
        "ticket_max_usd": "5000000",
        "description": "Renewable energy and manufacturing.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def link_in(message) -> str:
    [link] = re.findall(r"https?://\S+/investors/verify/\S+/", message.body)
    return link


def path_of(link: str) -> str:
    return link[link.index("/investors/") :]


# --------------------------------------------------------------------------- registration


def test_an_investor_registers_and_verifies_the_address_from_the_email(client, reference_data):
    response = client.post(REGISTER, registration())

    assert response.status_code == 302
    assert response["Location"] == reverse("investors:register-done")
    investor = Investor.objects.get(user__email="nadia@capital.example")
    assert (investor.organization, investor.kind, investor.country) == (
        "Nadia Capital",
        "fund",
        "DE",
    )
    assert investor.sectors == ["C", "D"] and investor.instruments == ["equity", "loan"]
    assert (investor.ticket_min_usd, investor.ticket_max_usd) == (
        Decimal(1000000),
        Decimal(5000000),
    )
    assert investor.email_verified_at is None
    assert investor.user.is_active and investor.user.check_password(PASSWORD)
    assert not can_see_members_data(investor.user)  # investors are not members
    [message] = mail.outbox
    assert message.to == ["nadia@capital.example"]
    assert "Verify your e-mail address" in message.subject
    assert "3 days" in message.body

    page = client.get(path_of(link_in(message)))

    assert page.status_code == 200
    assert "Your e-mail address is verified" in page.content.decode()
    investor.refresh_from_db()
    assert investor.email_verified_at is not None
    assert investor.history.count() == 2  # created, verified: both audited


def test_the_done_page_says_what_to_do_next(client, reference_data):
    client.post(REGISTER, registration())
    page = client.get(reverse("investors:register-done")).content.decode()
    assert "We sent an e-mail to nadia@capital.example" in page


BAD_FIELDS = [
    ({"email": "not-an-address"}, "email", "valid email"),
    ({"email": ""}, "email", "required"),
    ({"password1": "short", "password2": "short"}, "password2", "too short"),
    ({"password1": "password123", "password2": "password123"}, "password2", "too common"),
    ({"password2": "another-Long-passw0rd"}, "password2", "The two passwords differ."),
    ({"organization": "  "}, "organization", "required"),
    ({"kind": "pirate"}, "kind", "Select a valid choice"),
    ({"country": "XX"}, "country", "is not an ISO 3166 country code"),
    ({"country": "Germany"}, "country", "at most 2 characters"),
    ({"country": ""}, "country", "required"),
    ({"sectors": ["Z"]}, "sectors", "Select a valid choice"),
    ({"instruments": ["grant"]}, "instruments", "Select a valid choice"),
    ({"ticket_min_usd": "-5"}, "ticket_min_usd", "greater than or equal to 0"),
    ({"ticket_min_usd": "lots"}, "ticket_min_usd", "Enter a number"),
    (
        {"ticket_min_usd": "9000000", "ticket_max_usd": "1000000"},
        "ticket_max_usd",
        "is smaller than the smallest",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_FIELDS)
def test_bad_input_is_refused_with_a_message_on_its_field(
    client, reference_data, changes, field, message
):
    response = client.post(REGISTER, registration(**changes))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert not User.objects.filter(email="nadia@capital.example").exists()
    assert not Investor.objects.exists()
    assert mail.outbox == []


def test_the_service_checks_the_profile_too():
    profile = services.Profile("Org", "fund", "ZZ", [], [], None, None)
    with pytest.raises(services.Refused) as refused:
        services.investor_register(email="x@y.example", password=PASSWORD, profile=profile)
    assert refused.value.field == "country"
    assert not User.objects.exists()


def test_a_registered_address_is_not_revealed_and_nothing_changes(client, investor):
    user = investor.user
    response = client.post(
        REGISTER,
        registration(
            email="INES@invest.example", password1="New-passw0rd-9", password2="New-passw0rd-9"
        ),
    )

    # The same answer as for a new address
    assert response.status_code == 302
    assert response["Location"] == reverse("investors:register-done")
    assert (
        Investor.objects.count() == 1
        and User.objects.filter(email__iexact="ines@invest.example").count() == 1
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # not taken over
    # The owner of the address is told, with no verification link
    [message] = mail.outbox
    assert message.to == ["ines@invest.example"]
    assert "already has an account" in message.body
    assert "/investors/verify/" not in message.body


def test_registration_is_rate_limited_per_address(client, reference_data):
    for n in range(5):
        assert client.post(REGISTER, registration(email=f"r{n}@capital.example")).status_code == 302
    response = client.post(REGISTER, registration(email="r5@capital.example"))
    assert response.status_code == 200
    assert "Too many registrations" in response.content.decode()
    assert not User.objects.filter(email="r5@capital.example").exists()


def test_a_signed_in_investor_is_sent_to_their_page(client, investor, signed_in):
    signed_in(investor.user)
    assert client.get(REGISTER)["Location"] == reverse("investors:me")


def test_an_expired_link_is_refused_clearly(client, unverified, monkeypatch):
    token = services.verification_token(unverified.user)
    later = timezone.now().timestamp() + 3 * 86400 + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)

    response = client.get(reverse("investors:verify", args=[token]))

    assert response.status_code == 400
    assert "This link has expired: links work for 3 days." in response.content.decode()
    unverified.refresh_from_db()
    assert unverified.email_verified_at is None


def test_a_link_still_works_just_before_three_days(client, unverified, monkeypatch):
    token = services.verification_token(unverified.user)
    later = timezone.now().timestamp() + 3 * 86400 - 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(reverse("investors:verify", args=[token])).status_code == 200
    unverified.refresh_from_db()
    assert unverified.email_verified_at is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t[:10],
        lambda t: signing.dumps({"u": 1, "e": "x@y.example"}, salt="another-salt"),
    ],
)
def test_a_tampered_link_is_refused_clearly(client, unverified, tamper):
    token = tamper(services.verification_token(unverified.user))

    response = client.get(reverse("investors:verify", args=[token]))

    assert response.status_code == 400
    assert "This link is not valid" in response.content.decode()
    unverified.refresh_from_db()
    assert unverified.email_verified_at is None


def test_a_link_for_an_old_address_no_longer_works(client, unverified):
    token = services.verification_token(unverified.user)
    User.objects.filter(pk=unverified.user.pk).update(email="new@invest.example")

    response = client.get(reverse("investors:verify", args=[token]))

    assert response.status_code == 400
    unverified.refresh_from_db()
    assert unverified.email_verified_at is None


def test_an_unverified_investor_asks_for_a_new_link(client, unverified, signed_in):
    signed_in(unverified.user)
    page = client.get(reverse("investors:me")).content.decode()
    assert "is not verified yet" in page

    client.post(reverse("investors:verify-resend"))

    [message] = mail.outbox
    assert message.to == [unverified.user.email]
    assert client.get(path_of(link_in(message))).status_code == 200
    unverified.refresh_from_db()
    assert unverified.email_verified_at is not None
    # A verified investor asking again gets no e-mail
    client.post(reverse("investors:verify-resend"))
    assert len(mail.outbox) == 1


def test_an_investor_edits_their_profile(client, investor, signed_in):
    signed_in(investor.user)
    data = registration(organization="Gulf Agri Fund II", country="SA", ticket_max_usd="")
    response = client.post(reverse("investors:me-edit"), data)
    assert response.status_code == 302
    investor.refresh_from_db()
    assert (investor.organization, investor.country, investor.ticket_max_usd) == (
        "Gulf Agri Fund II", "SA", None
    )  # fmt: skip
    assert investor.history.first().history_user == investor.user

    bad = client.post(reverse("investors:me-edit"), registration(country="QQ"))
    assert bad.status_code == 200
    investor.refresh_from_db()
    assert investor.country == "SA"


# --------------------------------------------------------------------------- interest


def test_a_verified_investor_expresses_interest_and_the_host_is_told(
    client, investor, opportunity, tarik, maya, signed_in, tasks_run_at_once,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    signed_in(investor.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("investors:interest", args=[opportunity.slug]),
            {"message": "We would take a 30 % stake."},
        )
    assert response.status_code == 302
    [interest] = Interest.objects.all()
    assert (interest.investor, interest.opportunity, interest.stage) == (
        investor,
        opportunity,
        "new",
    )
    [step] = interest.steps.all()
    assert (step.stage, step.on, step.recorded_by) == ("new", timezone.localdate(), investor.user)
    [notice] = Notification.objects.all()
    assert (notice.recipient, notice.kind) == (tarik, Kind.INTEREST_RECEIVED)
    assert notice.url == reverse("investors:lead", args=[interest.pk])
    [message] = [m for m in mail.outbox if m.to == [tarik.email]]
    assert "Gulf Agri Fund" in message.subject and "30 % stake" in message.body
    assert not [m for m in mail.outbox if m.to == [maya.email]]


def _refused(user, opportunity, message="Interested.") -> services.Refused:
    with pytest.raises(services.Refused) as refused:
        services.interest_express(user=user, opportunity=opportunity, message=message)
    return refused.value


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "expired", "closed"])
def test_no_interest_in_an_unpublished_opportunity(investor, status, tarik):
    opportunity = make_opportunity(status=status)
    assert "not published" in _refused(investor.user, opportunity).message
    assert not Interest.objects.exists() and not Notification.objects.exists()


def test_no_interest_past_the_validity_date(investor, tarik):
    opportunity = make_opportunity(valid_until=timezone.localdate() - timedelta(days=1))
    assert "expired on" in _refused(investor.user, opportunity).message
    assert not Interest.objects.exists()


def test_interest_once_only(investor, opportunity, interest):
    refusal = _refused(investor.user, opportunity)
    assert refusal.code == "twice"
    assert "already expressed interest" in refusal.message and "stage: New" in refusal.message
    assert Interest.objects.count() == 1 and LeadStep.objects.count() == 1


def test_the_twice_message_shows_on_the_page(client, investor, opportunity, interest, signed_in):
    signed_in(investor.user)
    response = client.post(
        reverse("investors:interest", args=[opportunity.slug]), {"message": "Again"}, follow=True
    )
    assert "You already expressed interest" in response.content.decode()
    assert Interest.objects.count() == 1


def test_an_unverified_investor_cannot_express_interest(unverified, opportunity):
    assert _refused(unverified.user, opportunity).code == "unverified"
    assert not Interest.objects.exists()


def test_a_focal_point_or_anyone_else_cannot_express_interest(tarik, outsider, opportunity):
    from django.contrib.auth.models import AnonymousUser

    assert "Only registered investors" in _refused(tarik, opportunity).message
    assert "Only registered investors" in _refused(outsider, opportunity).message
    assert "Sign in" in _refused(AnonymousUser(), opportunity).message
    assert not Interest.objects.exists()


def test_an_empty_message_is_refused(investor, opportunity):
    assert _refused(investor.user, opportunity, message="   ").field == "message"
    assert not Interest.objects.exists()


# --------------------------------------------------------------------------- the panel


def _panel(rf, user, opportunity) -> str:
    from django.contrib.auth.models import AnonymousUser

    request = rf.get(f"/opportunities/{opportunity.slug}/")
    request.user = user or AnonymousUser()
    return str(interest_panel(request, opportunity))


def test_the_panel_for_each_reader(rf, investor, unverified, tarik, maya, outsider, opportunity):
    assert "Register as an investor" in _panel(rf, None, opportunity)
    assert "next=%2Fopportunities%2Folive-oil-plant%2F" in _panel(rf, None, opportunity)
    assert "Express interest" in _panel(rf, investor.user, opportunity)
    assert "Verify your e-mail address first" in _panel(rf, unverified.user, opportunity)
    assert "Leads from investors" in _panel(rf, tarik, opportunity)
    assert _panel(rf, maya, opportunity) == ""
    assert _panel(rf, outsider, opportunity) == ""
    services.interest_express(user=investor.user, opportunity=opportunity, message="Yes")
    shown = _panel(rf, investor.user, opportunity)
    assert "You expressed interest on" in shown and "New" in shown
    assert "<form" not in shown


def test_the_panel_is_empty_for_unpublished_and_closed_to_expired(rf, investor, reference_data):
    assert _panel(rf, investor.user, make_opportunity(status="draft")) == ""
    expired = make_opportunity(slug="old", valid_until=timezone.localdate() - timedelta(days=1))
    shown = _panel(rf, investor.user, expired)
    assert "past its validity date" in shown and "<form" not in shown


# --------------------------------------------------------------------------- leads


def _old_interest(investor, opportunity, *, days_ago: int) -> Interest:
    """An interest expressed `days_ago` days ago (its first step on that day)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    interest = Interest.objects.create(
        opportunity=opportunity, investor=investor, message="Earlier.",
        created_at=timezone.now() - timedelta(days=days_ago), stage_on=day,
    )  # fmt: skip
    LeadStep.objects.create(interest=interest, stage="new", on=day, recorded_by=investor.user)
    return interest


def _walk(interest, user, stages, start_days_ago=0):
    day = timezone.localdate() - timedelta(days=start_days_ago)
    for stage in stages:
        services.lead_advance(user=user, interest=interest, stage=stage, on=day)
    interest.refresh_from_db()
    return interest


ALLOWED = [
    (Stage.NEW, Stage.CONTACTED), (Stage.NEW, Stage.MEETING), (Stage.NEW, Stage.NEGOTIATION),
    (Stage.NEW, Stage.SIGNED), (Stage.NEW, Stage.DROPPED),
    (Stage.CONTACTED, Stage.MEETING), (Stage.CONTACTED, Stage.NEGOTIATION),
    (Stage.CONTACTED, Stage.SIGNED), (Stage.CONTACTED, Stage.DROPPED),
    (Stage.MEETING, Stage.NEGOTIATION), (Stage.MEETING, Stage.SIGNED),
    (Stage.MEETING, Stage.DROPPED),
    (Stage.NEGOTIATION, Stage.SIGNED), (Stage.NEGOTIATION, Stage.DROPPED),
]  # fmt: skip
ALL = [(a, b) for a in Stage.values for b in Stage.values]


def _reach(interest, user, stage):
    if stage != Stage.NEW:
        _walk(interest, user, [stage])


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_every_allowed_move(interest, tarik, before, after, tasks_run_at_once):
    _reach(interest, tarik, before)
    note = f"{before} to {after}"
    step = services.lead_advance(
        user=tarik, interest=interest, stage=after, on=timezone.localdate(), note=note
    )
    interest.refresh_from_db()
    assert (interest.stage, interest.stage_on) == (after, timezone.localdate())
    assert (step.stage, step.note, step.recorded_by) == (after, note, tarik)
    notice = Notification.objects.filter(kind=Kind.LEAD_UPDATED).latest("pk")
    assert notice.recipient == interest.investor.user
    assert interest.history.first().stage == after  # the move is in the record's history


@pytest.mark.parametrize(("before", "after"), [m for m in ALL if m not in ALLOWED])
def test_every_other_move_is_refused_and_changes_nothing(interest, tarik, before, after):
    _reach(interest, tarik, before)
    before_state = snapshot(interest)
    with pytest.raises(services.Refused) as refused:
        services.lead_advance(user=tarik, interest=interest, stage=after, on=timezone.localdate())
    assert snapshot(interest) == before_state
    if before == Stage.SIGNED:
        assert "ended with an agreement signed" in refused.value.message
    elif before == Stage.DROPPED:
        assert "was dropped on" in refused.value.message
    else:
        assert "moves forward only" in refused.value.message


def test_a_step_cannot_be_in_the_future(interest, tarik):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(services.Refused, match="is in the future") as refused:
        services.lead_advance(user=tarik, interest=interest, stage="contacted", on=tomorrow)
    assert refused.value.field == "on"
    assert snapshot(interest) == ("new", timezone.localdate(), 1)


def test_a_step_cannot_be_before_the_interest_or_the_previous_step(investor, opportunity, tarik):
    interest = _old_interest(investor, opportunity, days_ago=30)
    today = timezone.localdate()
    with pytest.raises(services.Refused, match="before the investor expressed interest"):
        services.lead_advance(
            user=tarik, interest=interest, stage="contacted", on=today - timedelta(days=31)
        )
    services.lead_advance(
        user=tarik, interest=interest, stage="contacted", on=today - timedelta(days=20)
    )
    with pytest.raises(services.Refused, match="before the previous step"):
        services.lead_advance(
            user=tarik, interest=interest, stage="meeting", on=today - timedelta(days=21)
        )
    assert snapshot(interest) == ("contacted", today - timedelta(days=20), 2)
    # The same day as the previous step and the day of the interest are fine
    services.lead_advance(
        user=tarik, interest=interest, stage="meeting", on=today - timedelta(days=20)
    )
    assert snapshot(interest)[0] == "meeting"


def test_the_secretariat_may_record_a_step(interest, secretariat):
    services.lead_advance(
        user=secretariat, interest=interest, stage="contacted", on=timezone.localdate()
    )
    assert snapshot(interest)[0] == "contacted"


def test_another_states_focal_point_and_the_investor_cannot_move_a_lead(interest, maya, investor):
    for user in (maya, investor.user):
        with pytest.raises(services.NotAllowed):
            services.lead_advance(
                user=user, interest=interest, stage="contacted", on=timezone.localdate()
            )
    assert snapshot(interest) == ("new", timezone.localdate(), 1)
    assert not Notification.objects.filter(kind=Kind.LEAD_UPDATED).exists()


def test_steps_are_append_only(interest):
    from d8coop.core.models import RecordIsFinal

    step = interest.steps.get()
    with pytest.raises(RecordIsFinal):
        step.save()
    with pytest.raises(RecordIsFinal):
        LeadStep.objects.filter(pk=step.pk).update(note="changed")


def test_the_focal_point_follows_the_lead_on_the_pages(client, interest, tarik, signed_in):
    signed_in(tarik)
    listing = client.get(reverse("investors:leads")).content.decode()
    assert "Gulf Agri Fund" in listing and "Olive oil processing plant" in listing
    page = client.get(reverse("investors:lead", args=[interest.pk])).content.decode()
    assert "ines@invest.example" in page and "We invest in food processing." in page

    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("investors:lead", args=[interest.pk]),
        {"stage": "meeting", "on": today, "note": "Met in Ankara."},
    )
    assert response.status_code == 302
    assert snapshot(interest)[0] == "meeting"

    refused = client.post(
        reverse("investors:lead", args=[interest.pk]), {"stage": "contacted", "on": today}
    )
    assert refused.status_code == 200
    assert "moves forward only" in refused.content.decode()
    assert snapshot(interest)[0] == "meeting"


def test_the_investor_sees_their_interests_and_stages(client, interest, tarik, signed_in):
    _walk(interest, tarik, ["contacted"])
    signed_in(interest.investor.user)
    page = client.get(reverse("investors:me")).content.decode()
    assert "Olive oil processing plant" in page and "Contacted" in page


# --------------------------------------------------------------------------- outcomes


@pytest.fixture
def outcome_record(reference_data, tarik, django_user_model):
    """Seven interests in three opportunities (two in TR manufacturing, MY agriculture) with
    known steps and days."""
    from tests.factories import appoint_focal_point

    mayaa = django_user_model.objects.create_user(email="fp-my@example.com")
    appoint_focal_point(mayaa, "MY", started_on=timezone.localdate() - timedelta(days=400))
    tr1 = make_opportunity(slug="tr-1", state="TR", section="C")
    tr2 = make_opportunity(slug="tr-2", state="TR", section="C")
    my1 = make_opportunity(slug="my-1", state="MY", section="A")
    investors = [
        make_investor(f"i{n}@invest.example", organization=f"Investor {n}") for n in range(5)
    ]
    today = timezone.localdate()

    def lead(inv, opp, days_ago, steps, fp):
        interest = _old_interest(inv, opp, days_ago=days_ago)
        for stage, day_offset in steps:  # offset: days after the interest
            services.lead_advance(
                user=fp, interest=interest, stage=stage,
                on=today - timedelta(days=days_ago - day_offset),
            )  # fmt: skip
        return interest

    lead(investors[0], tr1, 100, [("contacted", 2), ("meeting", 10), ("signed", 40)], tarik)
    lead(investors[1], tr1, 100, [("negotiation", 5), ("signed", 60)], tarik)
    lead(investors[2], tr1, 50, [("contacted", 1), ("dropped", 3)], tarik)
    lead(investors[3], tr2, 10, [], tarik)
    lead(investors[4], tr2, 20, [("meeting", 4), ("signed", 11)], tarik)
    lead(investors[0], my1, 30, [("contacted", 1)], mayaa)
    lead(investors[1], my1, 30, [("dropped", 0)], mayaa)


def _independent() -> dict:
    """Counts straight from the database, the other way round: per state and per section."""
    result = {}
    for key, filt in (("TR", {"opportunity__host_state__code": "TR"}),
                      ("MY", {"opportunity__host_state__code": "MY"}),
                      ("C", {"opportunity__isic_section": "C"}),
                      ("A", {"opportunity__isic_section": "A"})):  # fmt: skip
        interests = Interest.objects.filter(**filt)
        reached = {}
        for stage, later in (
            ("contacted", ["contacted", "meeting", "negotiation", "signed"]),
            ("meeting", ["meeting", "negotiation", "signed"]),
            ("negotiation", ["negotiation", "signed"]),
            ("signed", ["signed"]),
        ):
            reached[stage] = interests.filter(steps__stage__in=later).distinct().count()
        result[key] = {
            "interests": interests.count(),
            **reached,
            "dropped": interests.filter(stage="dropped").count(),
        }
    return result


def test_outcome_figures_match_an_independent_count(outcome_record):
    from d8coop.investors import outcomes

    by_state = {o.key: o.as_dict() for o in outcomes.outcomes_by_state().values()}
    by_sector = {o.key: o.as_dict() for o in outcomes.outcomes_by_sector()}
    expected = _independent()
    for key in ("TR", "MY"):
        assert {
            k: v for k, v in by_state[key].items() if k != "median_days_to_signature"
        } == expected[key]
    for key in ("C", "A"):
        assert {
            k: v for k, v in by_sector[key].items() if k != "median_days_to_signature"
        } == expected[key]
    # And by hand: TR had 5 interests, 3 signed (after 40, 60 and 11 days), 1 dropped
    assert by_state["TR"] == {
        "interests": 5, "contacted": 4, "meeting": 3, "negotiation": 3, "signed": 3,
        "dropped": 1, "median_days_to_signature": 40.0,
    }  # fmt: skip
    assert by_state["MY"] == {
        "interests": 2, "contacted": 1, "meeting": 0, "negotiation": 0, "signed": 0,
        "dropped": 1, "median_days_to_signature": None,
    }  # fmt: skip
    assert by_state["ID"]["interests"] == 0
    assert set(by_sector) == {"A", "C"}


def test_the_public_outcomes_page_shows_counts_and_no_names(client, outcome_record):
    page = client.get(reverse("investors:outcomes")).content.decode()
    assert "By host member state" in page and "By sector (ISIC section)" in page
    assert "Investor 0" not in page and "invest.example" not in page
    assert "Manufacturing" in page
    assert "Source:" in page


def test_the_investor_is_emailed_when_the_lead_moves(
    interest, tarik, tasks_run_at_once, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_advance(
            user=tarik, interest=interest, stage="contacted", on=timezone.localdate(),
            note="We called you.",
        )  # fmt: skip
    [message] = mail.outbox
    assert message.to == ["ines@invest.example"]
    assert "Olive oil processing plant" in message.subject and "Contacted" in message.subject
    assert "We called you." in message.body


def test_opening_the_link_twice_is_harmless(client, unverified):
    url = reverse("investors:verify", args=[services.verification_token(unverified.user)])
    assert client.get(url).status_code == 200
    unverified.refresh_from_db()
    first = unverified.email_verified_at
    assert client.get(url).status_code == 200
    unverified.refresh_from_db()
    assert unverified.email_verified_at == first


def test_links_to_the_investor_page_and_the_leads(client, interest, tarik, outsider, signed_in):
    signed_in(interest.investor.user)
    assert 'href="/investors/me/"' in client.get("/").content.decode()
    signed_in(outsider)
    assert 'href="/investors/me/"' not in client.get("/").content.decode()
    signed_in(tarik)
    assert 'href="/investors/leads/"' in client.get(reverse("workspace:home")).content.decode()
