"""Participation through the API: the same services as the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from d8coop.participation.models import Event, Nomination
from tests.conftest import sign_in_verified
from tests.participation_support import build_world, make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data, secretariat, django_user_model):
    return build_world(secretariat, django_user_model)


def api_as(user) -> APIClient:
    return sign_in_verified(APIClient(), user)


def test_the_public_reads_events_with_quotas(world):
    body = APIClient().get(f"/api/v1/events/{world.event.pk}/").json()
    assert body["meeting"] == world.event.meeting.slug
    assert body["registration_open"] is True
    assert body["default_quota"] == 2
    turkey = next(row for row in body["quotas"] if row["member_state"] == "TR")
    assert turkey == {"member_state": "TR", "name": "Türkiye", "places": 2, "own_quota": False,
                      "nominations": 0}  # fmt: skip
    assert APIClient().get("/api/v1/events/").json()["count"] == 1


def test_the_secretariat_opens_changes_and_sets_quotas_through_the_api(world):
    api = api_as(world.secretariat)
    meeting = make_meeting(starts_in=60)
    now = timezone.now()
    values = {
        "meeting": meeting.slug,
        "registration_opens": now.isoformat(),
        "registration_closes": (now + timedelta(days=70)).isoformat(),
        "default_quota": 4,
    }
    refused = api.post("/api/v1/events/", values, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "closes_after_start"
    values["registration_closes"] = (now + timedelta(days=30)).isoformat()
    created = api.post("/api/v1/events/", values, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    values["capacity"] = 20
    changed = api.patch(f"/api/v1/events/{pk}/", values, format="json")
    assert changed.json()["capacity"] == 20
    quota = api.post(f"/api/v1/events/{pk}/quotas/", {"member_state": "MY", "places": 6},
                     format="json")  # fmt: skip
    malaysia = next(row for row in quota.json()["quotas"] if row["member_state"] == "MY")
    assert (malaysia["places"], malaysia["own_quota"]) == (6, True)
    assert Event.objects.get(pk=pk).capacity == 20
    assert api_as(world.tarik).post(f"/api/v1/events/{pk}/quotas/", {"member_state": "TR",
           "places": 9}, format="json").status_code == 403  # fmt: skip


def test_a_focal_point_nominates_through_the_api_up_to_the_quota(world):
    api = api_as(world.tarik)
    for sme in world.tr_smes[:2]:
        response = api.post("/api/v1/nominations/", {"event": world.event.pk, "sme": sme.slug},
                            format="json")  # fmt: skip
        assert response.status_code == 201
        assert response.json()["status"] == "nominated"
        assert response.json()["nominated_by"] == "tarik@kosgeb.example"
    refused = api.post("/api/v1/nominations/", {"event": world.event.pk,
                       "sme": world.tr_smes[2].slug}, format="json")  # fmt: skip
    assert refused.status_code == 409
    assert refused.json()["code"] == "quota_reached"
    assert "quota of 2 places" in refused.json()["message"]
    listed = api.get(f"/api/v1/nominations/?event={world.event.pk}").json()
    assert listed["count"] == 2


def test_the_whole_life_of_a_nomination_through_the_api(world):
    tarik, sara, owner = api_as(world.tarik), api_as(world.secretariat), api_as(world.owner)
    made = tarik.post("/api/v1/nominations/", {"event": world.event.pk,
                      "sme": world.tr_smes[0].slug}, format="json").json()  # fmt: skip
    pk = made["id"]
    assert sara.post(f"/api/v1/nominations/{pk}/accept/").json()["status"] == "accepted"
    assert owner.get("/api/v1/nominations/").json()["count"] == 1
    assert owner.post(f"/api/v1/nominations/{pk}/confirm/").json()["status"] == "confirmed"
    too_early = sara.post(f"/api/v1/nominations/{pk}/attendance/", {"attended": True},
                          format="json")  # fmt: skip
    assert too_early.status_code == 409 and too_early.json()["code"] == "not_over"
    # the event is over: move the meeting into the past
    meeting = world.event.meeting
    meeting.period_earliest -= timedelta(days=60)
    meeting.period_latest -= timedelta(days=60)
    meeting.save()
    marked = sara.post(f"/api/v1/nominations/{pk}/attendance/", {"attended": True}, format="json")
    assert marked.json()["status"] == "attended"
    answer = {"contacts_made": 5, "deals_expected": 1, "comments": "Useful"}
    survey = owner.post(f"/api/v1/nominations/{pk}/survey/", answer, format="json")
    assert survey.status_code == 201
    assert survey.json()["survey"]["contacts_made"] == 5
    again = tarik.post(f"/api/v1/nominations/{pk}/survey/", answer, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"


def test_decline_and_withdraw_through_the_api(world):
    tarik, sara = api_as(world.tarik), api_as(world.secretariat)
    first = tarik.post("/api/v1/nominations/", {"event": world.event.pk,
                       "sme": world.tr_smes[0].slug}, format="json").json()["id"]  # fmt: skip
    second = tarik.post("/api/v1/nominations/", {"event": world.event.pk,
                        "sme": world.tr_smes[1].slug}, format="json").json()["id"]  # fmt: skip
    no_reason = sara.post(f"/api/v1/nominations/{first}/decline/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    declined = sara.post(f"/api/v1/nominations/{first}/decline/", {"reason": "Full"},
                         format="json")  # fmt: skip
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", "Full")
    assert tarik.post(f"/api/v1/nominations/{second}/withdraw/").json()["status"] == "withdrawn"
    assert sara.post(f"/api/v1/nominations/{second}/waitlist/").status_code == 409
    assert set(Nomination.objects.values_list("status", flat=True)) == {"declined", "withdrawn"}
