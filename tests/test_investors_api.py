"""The investors API: the investor's own profile, expressions of interest (who sees which),
expressing interest and recording lead steps through the same services as the pages."""

# ruff: noqa: F811 - the persona fixtures come from tests.investors_support

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from d8coop.investors.models import Interest
from d8coop.notifications.models import Kind, Notification
from tests.investors_support import (  # noqa: F401 - fixtures
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


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_an_investor_reads_and_edits_their_profile(investor):
    api = _api(investor.user)
    data = api.get("/api/v1/investors/me/").json()
    assert data["organization"] == "Gulf Agri Fund" and data["email"] == "ines@invest.example"
    assert data["sectors"] == ["A", "C"] and data["email_verified_at"]

    response = api.patch("/api/v1/investors/me/", {"country": "sa"}, format="json")
    assert response.status_code == 200, response.json()
    investor.refresh_from_db()
    assert investor.country == "SA" and investor.organization == "Gulf Agri Fund"

    bad = api.patch("/api/v1/investors/me/", {"ticket_min_usd": "99999999"}, format="json")
    assert bad.status_code == 400, bad.json()
    assert "smaller than the smallest" in str(bad.json()["errors"]["ticket_max_usd"])
    bad = api.patch("/api/v1/investors/me/", {"country": "XX"}, format="json")
    assert bad.status_code == 400 and "country" in bad.json()["errors"]
    investor.refresh_from_db()
    assert (investor.country, investor.ticket_min_usd) == ("SA", 1000000)


def test_who_sees_which_interests(investor, opportunity, tarik, maya, secretariat):
    other = make_investor("otto@invest.example", organization="Otto Holdings")
    my_opportunity = make_opportunity(slug="palm-oil", state="MY", section="A")
    from d8coop.investors import services

    mine = services.interest_express(user=investor.user, opportunity=opportunity, message="A")
    theirs = services.interest_express(user=other.user, opportunity=my_opportunity, message="B")

    def ids(user):
        return {row["id"] for row in _api(user).get("/api/v1/interests/").json()["results"]}

    assert ids(investor.user) == {mine.pk}
    assert ids(other.user) == {theirs.pk}
    assert ids(tarik) == {mine.pk}
    assert ids(maya) == {theirs.pk}
    assert ids(secretariat) == {mine.pk, theirs.pk}
    row = _api(tarik).get(f"/api/v1/interests/{mine.pk}/").json()
    assert row["investor"]["organization"] == "Gulf Agri Fund"
    assert row["host_state"]["code"] == "TR" and row["opportunity"] == "olive-oil-plant"
    assert [s["stage"] for s in row["steps"]] == ["new"]


def test_an_investor_expresses_interest_through_the_api(investor, opportunity, tarik):
    api = _api(investor.user)
    payload = {"opportunity": opportunity.slug, "message": "Through the API."}
    response = api.post("/api/v1/interests/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["stage"] == "new"
    assert Notification.objects.get(kind=Kind.INTEREST_RECEIVED).recipient == tarik

    again = api.post("/api/v1/interests/", payload, format="json")
    assert again.status_code == 400
    assert "already expressed interest" in str(again.json())
    assert Interest.objects.count() == 1


def test_the_api_refuses_interest_in_unpublished_or_expired_and_unverified(
    investor, unverified, tarik
):
    draft = make_opportunity(slug="draft", status="draft")
    old = make_opportunity(slug="old", valid_until=timezone.localdate() - timedelta(days=1))
    live = make_opportunity(slug="live")
    api = _api(investor.user)
    response = api.post("/api/v1/interests/", {"opportunity": "draft", "message": "x"})
    assert response.status_code == 400 and "No published opportunity" in str(response.json())
    response = api.post("/api/v1/interests/", {"opportunity": "old", "message": "x"})
    assert response.status_code == 400 and "expired on" in str(response.json())
    response = _api(unverified.user).post(
        "/api/v1/interests/", {"opportunity": "live", "message": "x"}
    )
    assert response.status_code == 400 and "Verify your e-mail" in str(response.json())
    assert not Interest.objects.exists()
    assert draft and old and live


def test_the_host_records_a_step_through_the_api(interest, tarik):
    api = _api(tarik)
    today = timezone.localdate().isoformat()
    response = api.post(
        f"/api/v1/interests/{interest.pk}/steps/",
        {"stage": "meeting", "on": today, "note": "Met."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [s["stage"] for s in response.json()["steps"]] == ["new", "meeting"]
    assert Notification.objects.get(kind=Kind.LEAD_UPDATED).recipient == interest.investor.user

    back = api.post(f"/api/v1/interests/{interest.pk}/steps/", {"stage": "contacted", "on": today})
    assert back.status_code == 400, back.json()
    assert "moves forward only" in str(back.json()["errors"]["stage"])
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    late = api.post(f"/api/v1/interests/{interest.pk}/steps/", {"stage": "signed", "on": future})
    assert late.status_code == 400 and "in the future" in str(late.json()["errors"]["on"])
    assert snapshot(interest) == ("meeting", timezone.localdate(), 2)


def test_scorecards_carry_the_investment_outcomes(client, interest, tarik):
    from d8coop.investors import services

    services.lead_advance(
        user=tarik, interest=interest, stage="signed", on=timezone.localdate(), note=""
    )
    cards = {c["key"]: c for c in client.get("/api/v1/scorecards/?by=member-states").json()}
    assert cards["TR"]["investment"]["interests"] == 1
    assert cards["TR"]["investment"]["signed"] == 1
    assert cards["TR"]["investment"]["median_days_to_signature"] == 0
    assert cards["MY"]["investment"]["interests"] == 0
    assert "investment" not in client.get("/api/v1/scorecards/").json()[0]  # task forces

    csv = client.get("/scorecards/scorecards.csv?by=member-states").content.decode()
    header, *rows = csv.splitlines()
    assert "investment_signed" in header
    tr = next(r for r in rows if r.startswith("TR,"))
    columns = header.split(",")
    assert tr.split(",")[columns.index("investment_interests")] == "1"

    page = client.get("/scorecards/?by=member-states").content.decode()
    assert "Investment outcomes" in page and "Gulf Agri Fund" not in page
