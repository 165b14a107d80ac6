"""B2B pages and API: the participant's page, the printable schedule, the organizer's grid
and CSV, and the API, used by those allowed."""

# ruff: noqa: F811 - the fixtures `world` and `open_world` come from tests.b2b_support

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from d8coop.b2b import services
from d8coop.b2b.models import B2bSettings, MeetingRequest, ScheduledMeeting
from tests.b2b_support import NOW, SESSIONS, open_world, world  # noqa: F401

pytestmark = pytest.mark.django_db
Status = MeetingRequest.Status


def url(name: str, *args) -> str:
    return reverse(f"b2b:{name}", args=["expo-2026", *args])


def scheduled(w):
    request = services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1)
    services.request_accept(by=w.fp_b, request=request)
    services.schedule_build(by=w.secretariat, event=w.event)
    return request


def test_a_participant_sees_the_others_with_sector_and_products(signed_in, open_world):
    page = signed_in(open_world.maintainer_a1).get(url("event")).content.decode()
    assert "You act for Anvil Works" in page
    for other in ("Batik House", "Durian Foods", "Electra", "5208", "Manufacturing"):
        assert other in page
    assert "Copper Co" not in page  # only nominated, not a participant
    assert "Far Away" not in page  # another event's participant


def test_the_participation_page_links_to_the_b2b_page_once_open(client, signed_in, world):
    participation = reverse("participation:event", args=["expo-2026"])
    assert url("event") not in signed_in(world.maintainer_a1).get(participation).content.decode()
    services.b2b_configure(by=world.secretariat, event=world.event, slot_minutes=30, tables=2,
                           request_lifetime_hours=48, sessions=SESSIONS)  # fmt: skip
    page = client.get(participation).content.decode()
    assert url("event") in page
    assert url("event") not in Client().get(participation).content.decode()  # anonymous


def test_a_participant_sends_a_request_from_the_page(signed_in, open_world):
    w = open_world
    client = signed_in(w.maintainer_a1)
    response = client.post(
        url("request-create"), {"sender": w.a1.pk, "recipient": w.b2.pk, "message": "Hello"}
    )
    assert response.status_code == 302
    request = MeetingRequest.objects.get()
    assert (request.sender, request.recipient, request.created_by) == (w.a1, w.b2, w.maintainer_a1)
    page = client.get(url("event")).content.decode()
    assert "You already have an open request with this participant." in page


def test_the_recipient_side_accepts_from_the_page(signed_in, open_world):
    w = open_world
    request = services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1)
    client = signed_in(w.fp_b)
    page = client.get(url("event") + f"?as={w.b1.pk}").content.decode()
    assert "Accept the meeting with Anvil Works" in page
    client.post(url("request-answer", request.pk, "accept"), {"as": w.b1.pk})
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED and request.answered_by == w.fp_b


def test_a_refusal_is_shown_and_changes_nothing(signed_in, open_world):
    w = open_world
    request = services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1)
    services.request_decline(by=w.fp_b, request=request)
    client = signed_in(w.fp_b)
    response = client.post(url("request-answer", request.pk, "accept"), follow=True)
    assert "no longer awaiting an answer" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_the_printable_schedule_gives_local_times_the_zone_and_the_table(signed_in, open_world):
    w = open_world
    scheduled(w)
    page = signed_in(w.maintainer_a1).get(url("print", w.a1.pk)).content.decode()
    assert "B2B schedule of Anvil Works" in page
    assert "Europe/Istanbul" in page
    assert "2026-12-02" in page and "09:00" in page and "09:30" in page  # 06:00 UTC
    assert "Table 1" in page
    assert "Durian Foods" in page and "Contact of Durian Foods" in page
    assert "b2b/print.css" in page
    css = w and open("src/d8coop/b2b/static/b2b/print.css").read()  # noqa: SIM115
    assert "@media print" in css


def test_the_organizer_sees_the_grid_the_unscheduled_and_downloads_csv(signed_in, open_world):
    w = open_world
    scheduled(w)
    one = [services.SessionInput(SESSIONS[0].day, SESSIONS[0].starts,
                                 SESSIONS[0].starts.replace(minute=30))]  # fmt: skip
    services.b2b_configure(by=w.secretariat, event=w.event, slot_minutes=30, tables=1,
                           request_lifetime_hours=48, sessions=one)  # fmt: skip
    late = services.request_send(by=w.maintainer_a2, sender=w.a2, recipient=w.b1)
    services.request_accept(by=w.fp_b, request=late)
    services.schedule_build(by=w.secretariat, event=w.event)
    client = signed_in(w.secretariat)
    page = client.get(url("organize")).content.decode()
    assert "Anvil Works – Durian Foods" in page
    assert "Batik House – Durian Foods: Durian Foods already has a meeting in every slot." in page
    rows = list(csv.reader(io.StringIO(client.get(url("csv")).content.decode())))
    assert rows[0][:4] == ["Starts (local)", "Ends (local)", "Time zone", "Table"]
    assert rows[1][:5] == ["2026-12-02 09:00", "2026-12-02 09:30", "Europe/Istanbul", "1",
                           "Anvil Works"]  # fmt: skip
    assert len(rows) == 2


def test_the_organizer_configures_builds_and_freezes_from_the_page(signed_in, world):
    w = world
    client = signed_in(w.secretariat)
    form = {"sessions": "2026-12-02 9:00-10:00\n", "time_zone": "", "slot_minutes": 20,
            "tables": 3, "request_lifetime_hours": 24}  # fmt: skip
    assert client.post(url("organize"), form).status_code == 302
    b2b = B2bSettings.objects.get()
    assert (b2b.time_zone, b2b.tables, len(services.slots_of(b2b))) == ("Europe/Istanbul", 3, 3)
    bad = client.post(url("organize"), {**form, "sessions": "tomorrow morning"})
    assert "is not a day and times like" in bad.content.decode()
    outside = client.post(url("organize"), {**form, "sessions": "2027-01-01 09:00-10:00"})
    assert "not within the dates of the event" in outside.content.decode()
    assert B2bSettings.objects.get().tables == 3
    client.post(url("build"))
    assert B2bSettings.objects.get().built_by == w.secretariat
    client.post(url("freeze"), {"frozen": "1"})
    assert B2bSettings.objects.get().frozen_at is not None


def test_the_api_lists_own_requests_and_answers(open_world):
    w = open_world
    api = APIClient()
    api.force_authenticate(w.maintainer_a1)
    created = api.post(
        "/api/v1/b2b-requests/", {"sender": w.a1.pk, "recipient": w.b1.pk, "message": "Hi"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["recipient"]["sme"] == "Durian Foods"
    again = api.post("/api/v1/b2b-requests/", {"sender": w.b1.pk, "recipient": w.a1.pk})
    assert again.status_code == 404  # a1's maintainer does not act for b1
    duplicate = api.post("/api/v1/b2b-requests/", {"sender": w.a1.pk, "recipient": w.b1.pk})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "open_request_exists"
    assert duplicate.json()["message"].startswith("These two participants")
    pk = created.json()["id"]
    assert api.post(f"/api/v1/b2b-requests/{pk}/accept/").status_code == 403  # sender's side
    recipient = APIClient()
    recipient.force_authenticate(w.fp_b)
    assert [r["id"] for r in recipient.get("/api/v1/b2b-requests/").json()["results"]] == [pk]
    accepted = recipient.post(f"/api/v1/b2b-requests/{pk}/accept/")
    assert accepted.json()["status"] == "accepted"
    assert recipient.post(f"/api/v1/b2b-requests/{pk}/decline/").status_code == 409
    services.schedule_build(by=w.secretariat, event=w.event)
    schedule = api.get("/api/v1/b2b-schedule/expo-2026/").json()
    assert schedule["time_zone"] == "Europe/Istanbul"
    starts = [(m["table"], datetime.fromisoformat(m["slot_start"])) for m in schedule["meetings"]]
    assert starts == [(1, datetime(2026, 12, 2, 6, 0, tzinfo=UTC))]
    assert ScheduledMeeting.objects.count() == 1


def test_the_pages_do_not_query_per_participant(signed_in, open_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.b2b_support import nominate, sme

    w = open_world
    scheduled(w)
    client = signed_in(w.secretariat)
    addresses = [url("event"), url("organize"), url("print", w.a1.pk), url("csv")]

    def counts():
        found = []
        for who, address in [(w.maintainer_a1, url("event")), (w.maintainer_a1, addresses[2])]:
            signed_in(who)  # the same client, signed in as the participant
            with CaptureQueriesContext(connection) as queries:
                assert client.get(address).status_code == 200
            found.append(len(queries))
        signed_in(w.secretariat)
        for address in addresses[1:]:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(address).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    state = w.b1.sme.member_state
    for name in ("Ginger Ltd", "Hazel Ltd", "Indigo Ltd"):
        other = nominate(w.event, sme(state, name, w.fp_b), w.fp_b)
        accepted = services.request_send(by=w.fp_b, sender=other, recipient=w.a2)
        services.request_accept(by=w.maintainer_a2, request=accepted)
    services.schedule_build(by=w.secretariat, event=w.event)
    assert counts() == before
