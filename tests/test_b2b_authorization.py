"""Who may do what with B2B meetings, on every page and endpoint: the anonymous visitor, a
signed-in user with no role, a focal point of a state with no participant, and a focal point
of another state acting for an SME not theirs are refused, and nothing changes."""

# ruff: noqa: F811 - the fixtures `world` and `open_world` come from tests.b2b_support

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from d8coop.b2b import services
from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting, Seat, Session
from tests.b2b_support import open_world, world  # noqa: F401
from tests.factories import MemberStateFactory, appoint_focal_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(open_world, django_user_model):
    """A pending request a1 → b2, a scheduled meeting a1 with b1, and a focal point of a third
    state (no participant)."""
    w = open_world
    done = services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1)
    services.request_accept(by=w.fp_b, request=done)
    services.schedule_build(by=w.secretariat, event=w.event)
    w.pending = services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b2)
    w.fp_c = django_user_model.objects.create_user(email="fp-c@example.org", password=None)
    appoint_focal_point(w.fp_c, MemberStateFactory().code, started_on=date(2020, 1, 1))
    return w


def snapshot():
    b2b = B2bSettings.objects.values_list("tables", "slot_minutes", "frozen_at", "built_at")
    return (
        list(MeetingRequest.objects.order_by("pk").values_list("pk", "status", "answered_by")),
        list(ScheduledMeeting.objects.order_by("pk").values_list("pk", "slot_start", "table")),
        Seat.objects.count(),
        list(b2b),
        Session.objects.count(),
        MeetingRequest.history.count(),
    )


def pages(w):
    """(method, url, data) for every B2B page."""
    slug = "expo-2026"
    form = {"sessions": "2026-12-02 09:00-10:00", "slot_minutes": 20, "tables": 9,
            "request_lifetime_hours": 5}  # fmt: skip
    return [
        ("get", reverse("b2b:event", args=[slug]), {}),
        ("post", reverse("b2b:request-create", args=[slug]),
         {"sender": w.a1.pk, "recipient": w.b2.pk}),
        ("post", reverse("b2b:request-create", args=[slug]),
         {"sender": w.b2.pk, "recipient": w.a2.pk}),
        ("post", reverse("b2b:request-answer", args=[slug, w.pending.pk, "accept"]), {}),
        ("post", reverse("b2b:request-answer", args=[slug, w.pending.pk, "decline"]), {}),
        ("post", reverse("b2b:request-answer", args=[slug, w.pending.pk, "cancel"]), {}),
        ("get", reverse("b2b:print", args=[slug, w.a1.pk]), {}),
        ("get", reverse("b2b:organize", args=[slug]), {}),
        ("post", reverse("b2b:organize", args=[slug]), form),
        ("post", reverse("b2b:build", args=[slug]), {}),
        ("post", reverse("b2b:freeze", args=[slug]), {"frozen": "1"}),
        ("get", reverse("b2b:csv", args=[slug]), {}),
    ]  # fmt: skip


def test_the_anonymous_visitor_is_sent_to_sign_in_and_changes_nothing(client, scene):
    before = snapshot()
    for method, address, data in pages(scene):
        response = getattr(client, method)(address, data)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("accounts:sign-in")), address
    assert snapshot() == before


@pytest.mark.parametrize("who", ["outsider", "fp_c"])
def test_users_with_no_participant_find_nothing_and_change_nothing(signed_in, scene, who):
    client = signed_in(getattr(scene, who))
    before = snapshot()
    for method, address, data in pages(scene):
        assert getattr(client, method)(address, data).status_code == 404, address
    assert snapshot() == before


def test_a_participant_side_does_not_organize(signed_in, scene):
    client = signed_in(scene.fp_a)
    before = snapshot()
    for method, address, data in pages(scene)[7:]:
        assert getattr(client, method)(address, data).status_code == 404, address
    assert snapshot() == before


def test_a_focal_point_of_another_state_cannot_act_for_an_sme_not_theirs(signed_in, scene):
    """fp_b acts for b1 and b2 (state B): it can neither send as a1 or a2, nor answer, cancel
    or print for a1; the pending a1 → b2 is answered only by the recipient's side."""
    w = scene
    client = signed_in(w.fp_b)
    before = snapshot()
    slug = "expo-2026"
    client.post(
        reverse("b2b:request-create", args=[slug]), {"sender": w.a2.pk, "recipient": w.b2.pk}
    )
    client.post(reverse("b2b:request-answer", args=[slug, w.pending.pk, "cancel"]))
    assert client.get(reverse("b2b:print", args=[slug, w.a1.pk])).status_code == 404
    page = client.get(reverse("b2b:event", args=[slug]) + f"?as={w.a1.pk}").content.decode()
    # Falls back to its own first participant; a1 is not offered.
    assert f'<option value="{w.b1.pk}" selected>Durian Foods</option>' in page
    assert f'<option value="{w.a1.pk}"' not in page
    assert snapshot() == before
    # The sender's own focal point cannot answer for the recipient either.
    response = signed_in(w.fp_a).post(
        reverse("b2b:request-answer", args=[slug, w.pending.pk, "accept"]), follow=True
    )
    assert "Only the participant asked may answer" in response.content.decode()
    assert snapshot() == before


def api_calls(w):
    return [
        ("get", "/api/v1/b2b-requests/", None),
        ("post", "/api/v1/b2b-requests/", {"sender": w.a1.pk, "recipient": w.b2.pk}),
        ("get", f"/api/v1/b2b-requests/{w.pending.pk}/", None),
        ("post", f"/api/v1/b2b-requests/{w.pending.pk}/accept/", None),
        ("post", f"/api/v1/b2b-requests/{w.pending.pk}/decline/", None),
        ("post", f"/api/v1/b2b-requests/{w.pending.pk}/cancel/", None),
        ("get", "/api/v1/b2b-schedule/expo-2026/", None),
    ]


def test_the_api_refuses_anonymous_callers(scene):
    before = snapshot()
    for method, address, data in api_calls(scene):
        assert getattr(APIClient(), method)(address, data).status_code == 401, address
    assert snapshot() == before


@pytest.mark.parametrize("who", ["outsider", "fp_c"])
def test_the_api_shows_users_with_no_participant_nothing(scene, who):
    api = APIClient()
    api.force_authenticate(getattr(scene, who))
    before = snapshot()
    calls = api_calls(scene)
    assert api.get(calls[0][1]).json()["results"] == []
    for method, address, data in calls[1:]:
        assert getattr(api, method)(address, data).status_code == 404, address
    assert snapshot() == before


def test_the_api_keeps_a_focal_point_to_its_own_smes(scene):
    w = scene
    api = APIClient()
    api.force_authenticate(w.fp_b)
    before = snapshot()
    sent = api.post("/api/v1/b2b-requests/", {"sender": w.a2.pk, "recipient": w.b1.pk})
    assert sent.status_code == 404
    assert api.post(f"/api/v1/b2b-requests/{w.pending.pk}/cancel/").status_code == 403
    schedule = api.get("/api/v1/b2b-schedule/expo-2026/").json()
    assert {m["recipient"]["sme"] for m in schedule["meetings"]} == {"Durian Foods"}
    fp_a = APIClient()
    fp_a.force_authenticate(w.fp_a)
    assert fp_a.post(f"/api/v1/b2b-requests/{w.pending.pk}/accept/").status_code == 403
    assert snapshot() == before
