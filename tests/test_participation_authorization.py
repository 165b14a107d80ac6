"""Outsiders change nothing: for every participation page write and API endpoint, the anonymous
visitor, a signed-in user with no role and the focal point of another state are refused, and the
record is unchanged afterwards."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from d8coop.participation import services
from d8coop.participation.models import Event, Nomination, Quota, SurveyAnswer
from tests.conftest import sign_in_verified
from tests.participation_support import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data, secretariat, django_user_model):
    return build_world(secretariat, django_user_model)


def snapshot():
    return (
        list(Event.objects.values_list("pk", "default_quota", "capacity", "notes")),
        list(Quota.objects.values_list("pk", "places")),
        list(Nomination.objects.values_list("pk", "status", "waitlist_position", "reason")),
        SurveyAnswer.objects.count(),
    )


@pytest.fixture
def nominated(world, outsider):
    w = world
    w.outsider = outsider
    w.nomination = services.nomination_create(by=w.tarik, event=w.event, sme=w.tr_smes[0])
    return w


def page_writes(w) -> list[tuple[str, dict]]:
    base = f"/participation/{w.event.meeting.slug}"
    pk = w.nomination.pk
    writes = [
        (f"{base}/settings/", {"registration_opens": "2030-01-01T10:00",
                               "registration_closes": "2030-01-02T10:00", "default_quota": "9"}),
        (f"{base}/quotas/", {"member_state": "TR", "places": "9"}),
        (f"{base}/nominate/", {"sme": w.tr_smes[1].slug}),
        (f"{base}/nominations/{pk}/survey/", {"contacts_made": "1", "deals_expected": "1"}),
    ]  # fmt: skip
    for action in ("withdraw", "confirm", "accept", "waitlist", "decline", "attended", "no-show"):
        writes.append((f"{base}/nominations/{pk}/{action}/", {"reason": "no"}))
    return writes


def test_anonymous_page_writes_go_to_sign_in_and_change_nothing(client, nominated):
    before = snapshot()
    for url, data in page_writes(nominated):
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert "/accounts/sign-in/" in response["Location"], url
    assert snapshot() == before


@pytest.mark.parametrize("who", ["outsider", "maya"])
def test_page_writes_by_outsiders_and_other_states_are_refused(client, signed_in, nominated, who):
    signed_in(getattr(nominated, who))
    before = snapshot()
    for url, data in page_writes(nominated):
        response = client.post(url, data)
        assert response.status_code == 403, url
    assert snapshot() == before


@pytest.mark.parametrize("who", ["anonymous", "outsider", "maya", "tarik"])
def test_exports_are_the_organizers_only(client, signed_in, nominated, who):
    if who != "anonymous":
        signed_in(getattr(nominated, who))
    base = f"/participation/{nominated.event.meeting.slug}"
    for what in ("nominations.csv", "nominations.xlsx", "survey.csv", "survey.xlsx"):
        response = client.get(f"{base}/{what}")
        assert response.status_code in (302, 403), what
        assert nominated.tr_smes[0].name.encode() not in response.content


@pytest.mark.parametrize("who", ["anonymous", "outsider", "maya"])
def test_the_page_shows_outsiders_no_nominations(client, signed_in, nominated, who):
    if who != "anonymous":
        signed_in(getattr(nominated, who))
    text = client.get(f"/participation/{nominated.event.meeting.slug}/").content.decode()
    assert nominated.tr_smes[0].name not in text  # nominated, not confirmed: not public
    assert "All nominations" not in text and "Your nominations" not in text
    assert "Open registration" not in text and "Event settings" not in text


# --------------------------------------------------------------------------- API


def api_as(user) -> APIClient:
    return sign_in_verified(APIClient(), user) if user is not None else APIClient()


def api_writes(w) -> list[tuple[str, dict]]:
    pk, event = w.nomination.pk, w.event.pk
    writes = [
        ("/api/v1/events/", {"meeting": w.event.meeting.slug, "registration_opens":
         "2030-01-01T10:00Z", "registration_closes": "2030-01-02T10:00Z", "default_quota": 9}),
        (f"/api/v1/events/{event}/quotas/", {"member_state": "TR", "places": 9}),
        ("/api/v1/nominations/", {"event": event, "sme": w.tr_smes[1].slug}),
        (f"/api/v1/nominations/{pk}/decline/", {"reason": "no"}),
        (f"/api/v1/nominations/{pk}/attendance/", {"attended": True}),
        (f"/api/v1/nominations/{pk}/survey/", {"contacts_made": 1, "deals_expected": 1}),
    ]  # fmt: skip
    for action in ("withdraw", "confirm", "accept", "waitlist"):
        writes.append((f"/api/v1/nominations/{pk}/{action}/", {}))
    return writes


def test_api_writes_by_anonymous_callers_are_refused(nominated):
    before = snapshot()
    api = api_as(None)
    for url, data in api_writes(nominated):
        assert api.post(url, data, format="json").status_code == 401, url
    response = api.patch(f"/api/v1/events/{nominated.event.pk}/", {"default_quota": 9})
    assert response.status_code == 401
    assert api.get("/api/v1/nominations/").status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize("who", ["outsider", "maya"])
def test_api_writes_by_outsiders_and_other_states_are_refused(nominated, who):
    before = snapshot()
    api = api_as(getattr(nominated, who))
    for url, data in api_writes(nominated):
        response = api.post(url, data, format="json")
        # events: 403; the nomination itself: invisible (404); nominating: 403
        assert response.status_code in (403, 404), (url, response.status_code)
    assert api.get("/api/v1/nominations/").json()["results"] == []
    assert api.get(f"/api/v1/nominations/{nominated.nomination.pk}/").status_code == 404
    assert snapshot() == before


def test_the_api_refuses_a_focal_point_nominating_another_states_sme(nominated):
    api = api_as(nominated.maya)
    response = api.post(
        "/api/v1/nominations/",
        {"event": nominated.event.pk, "sme": nominated.tr_smes[1].slug},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "Only a focal point of Türkiye" in response.json()["message"]
    assert Nomination.objects.count() == 1
