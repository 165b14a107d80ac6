"""Participation pages: what the public, a focal point, an SME's maintainer and the organizer
each see and do; exports read back (formula-injection safe)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from d8coop.core.spreadsheets import safe_cell
from d8coop.directory.models import SmeProfile
from d8coop.participation import services
from d8coop.participation.models import Event, Nomination, SurveyAnswer
from tests.participation_support import build_world, make_meeting, make_sme

Status = Nomination.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference_data, secretariat, django_user_model):
    return build_world(secretariat, django_user_model)


def page_url(w) -> str:
    return f"/participation/{w.event.meeting.slug}/"


def test_the_public_sees_window_quotas_and_public_participants_only(client, world):
    w = world
    hidden = w.tr_smes[1]
    hidden.public = False
    hidden.save()
    for sme in (w.tr_smes[0], hidden):
        nomination = services.nomination_create(by=w.tarik, event=w.event, sme=sme)
        services.nomination_accept(by=w.secretariat, nomination=nomination)
        services.nomination_confirm(by=w.tarik, nomination=nomination)
    response = client.get(page_url(w))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Registration closes" in text and "Open now" in text
    assert "Türkiye" in text and "Places per member state" in text
    assert w.tr_smes[0].name in text
    assert hidden.name not in text
    assert "1 more participant is not listed" in text
    assert "Nominate your SMEs" not in text and "All nominations" not in text
    # the meeting page links to it
    meeting_page = client.get(w.event.meeting.get_absolute_url()).content.decode()
    assert page_url(w) in meeting_page


def test_a_meeting_without_registration_says_so_and_other_kinds_have_no_page(
    client, reference_data, secretariat
):
    meeting = make_meeting()
    response = client.get(f"/participation/{meeting.slug}/")
    assert "Registration is not open for this event." in response.content.decode()
    plain = make_meeting(kind="meeting")
    assert client.get(f"/participation/{plain.slug}/").status_code == 404


def test_the_list_shows_events_and_the_workspace_links_to_it(client, signed_in, world):
    text = client.get("/participation/").content.decode()
    assert world.event.meeting.title in text and "Registration open" in text
    signed_in(world.tarik)
    assert "/participation/" in client.get("/workspace/").content.decode()


def test_a_focal_point_sees_only_her_own_validated_smes_in_the_select(client, signed_in, world):
    w = world
    draft = make_sme("TR", by=w.tarik, status=SmeProfile.Status.DRAFT)
    services.nomination_create(by=w.maya, event=w.event, sme=w.my_sme)
    signed_in(w.tarik)
    text = client.get(page_url(w)).content.decode()
    assert "Nominate your SMEs" in text
    for sme in w.tr_smes:
        assert f'value="{sme.slug}"' in text
    assert f'value="{draft.slug}"' not in text
    assert f'value="{w.my_sme.slug}"' not in text
    # Malaysia's nomination is not hers to see
    assert "All nominations" not in text and "Your nominations" not in text


def test_a_focal_point_nominates_up_to_the_quota_and_the_next_is_refused(client, signed_in, world):
    w = world
    signed_in(w.tarik)
    for sme in w.tr_smes[:2]:
        response = client.post(f"{page_url(w)}nominate/", {"sme": sme.slug})
        assert response.status_code == 302
    response = client.post(f"{page_url(w)}nominate/", {"sme": w.tr_smes[2].slug}, follow=True)
    assert response.redirect_chain == [(page_url(w), 302)]
    assert "has used its quota of 2 places" in response.content.decode()
    assert Nomination.objects.count() == 2
    text = client.get(page_url(w)).content.decode()
    assert "Your nominations" in text and w.tr_smes[0].name in text
    # and withdraws one, which frees the place
    first = Nomination.objects.get(sme=w.tr_smes[0])
    assert client.post(f"{page_url(w)}nominations/{first.pk}/withdraw/").status_code == 302
    assert client.post(f"{page_url(w)}nominate/", {"sme": w.tr_smes[2].slug}).status_code == 302


def test_nominating_another_states_sme_by_hand_is_refused(client, signed_in, world):
    signed_in(world.tarik)
    response = client.post(f"{page_url(world)}nominate/", {"sme": world.my_sme.slug})
    assert response.status_code == 403
    assert "Only a focal point of Malaysia" in response.content.decode()
    assert not Nomination.objects.exists()


def test_the_organizer_opens_registration_on_the_page(
    client, signed_in, reference_data, secretariat
):
    meeting = make_meeting(starts_in=40)
    signed_in(secretariat)
    url = f"/participation/{meeting.slug}/"
    assert "Open registration" in client.get(url).content.decode()
    now = timezone.localtime()
    values = {
        "registration_opens": now.strftime("%Y-%m-%dT%H:%M"),
        "registration_closes": (now + timedelta(days=50)).strftime("%Y-%m-%dT%H:%M"),
        "default_quota": "3",
        "capacity": "",
    }
    response = client.post(f"{url}settings/", values)
    assert response.status_code == 400
    assert "before the meeting starts" in response.content.decode()
    assert not Event.objects.exists()
    values["registration_closes"] = (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"{url}settings/", values).status_code == 302
    event = Event.objects.get()
    assert (event.default_quota, event.capacity, event.created_by) == (3, None, secretariat)
    response = client.post(f"{url}quotas/", {"member_state": "TR", "places": "5"})
    assert response.status_code == 302
    assert services.quota_for(event, event.quotas.get().member_state) == 5


def test_the_organizer_decides_on_the_page(client, signed_in, world):
    w = world
    a, b, c = (
        services.nomination_create(by=w.tarik, event=w.event, sme=w.tr_smes[0]),
        services.nomination_create(by=w.tarik, event=w.event, sme=w.tr_smes[1]),
        services.nomination_create(by=w.maya, event=w.event, sme=w.my_sme),
    )
    signed_in(w.secretariat)
    text = client.get(page_url(w)).content.decode()
    assert "All nominations" in text and w.my_sme.name in text
    base = f"{page_url(w)}nominations"
    assert client.post(f"{base}/{a.pk}/accept/").status_code == 302
    assert client.post(f"{base}/{b.pk}/waitlist/").status_code == 302
    response = client.post(f"{base}/{c.pk}/decline/", {"reason": ""}, follow=True)
    assert response.redirect_chain == [(page_url(w), 302)]
    assert "Give the reason" in response.content.decode()
    assert client.post(f"{base}/{c.pk}/decline/", {"reason": "Late file"}).status_code == 302
    statuses = dict(Nomination.objects.values_list("pk", "status"))
    assert statuses == {a.pk: Status.ACCEPTED, b.pk: Status.WAITLISTED, c.pk: Status.DECLINED}
    assert client.post(f"{base}/{a.pk}/nonsense/").status_code == 404


def _past_event(w):
    """An exhibition held last week, with one participant who attended."""
    meeting = make_meeting(starts_in=-10, days=3)
    now = timezone.now()
    event = services.event_open(
        by=w.secretariat, meeting=meeting, registration_opens=now - timedelta(days=40),
        registration_closes=now - timedelta(days=20), default_quota=2,
    )  # fmt: skip
    nomination = Nomination.objects.create(
        event=event, member_state=w.tr_smes[0].member_state, sme=w.tr_smes[0],
        nominated_by=w.tarik, status=Status.CONFIRMED,
    )  # fmt: skip
    return event, nomination


def test_attendance_and_survey_on_the_page_then_exports(client, signed_in, world):
    w = world
    event, nomination = _past_event(w)
    url = f"/participation/{event.meeting.slug}/"
    signed_in(w.secretariat)
    assert client.post(f"{url}nominations/{nomination.pk}/attended/").status_code == 302
    assert Nomination.objects.get(pk=nomination.pk).status == Status.ATTENDED

    signed_in(w.owner)
    text = client.get(url).content.decode()
    assert f"Survey for {nomination.sme.name}" in text
    bad = client.post(f"{url}nominations/{nomination.pk}/survey/", {"contacts_made": "-3"})
    assert bad.status_code == 400
    answer = {"contacts_made": "7", "deals_expected": "1", "comments": '=HYPERLINK("x")'}
    assert client.post(f"{url}nominations/{nomination.pk}/survey/", answer).status_code == 302
    again = client.post(f"{url}nominations/{nomination.pk}/survey/", answer)
    assert again.status_code == 409
    assert SurveyAnswer.objects.count() == 1

    # The organizer sees the results and exports them, formulas defused
    Nomination.objects.filter(pk=nomination.pk).update(note="+cmd|' /C calc'!A0")
    signed_in(w.secretariat)
    assert "7 business contacts made" in client.get(url).content.decode()
    survey_csv = client.get(f"{url}survey.csv")
    assert survey_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(survey_csv.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Member state", "SME", "Business contacts made", "Deals expected"]
    assert rows[1][:5] == ["Türkiye", nomination.sme.name, "7", "1", '\'=HYPERLINK("x")']
    nominations_xlsx = client.get(f"{url}nominations.xlsx")
    sheet = load_workbook(io.BytesIO(nominations_xlsx.content)).active
    values = list(sheet.values)
    assert values[0][1] == "SME" and values[1][1] == nomination.sme.name
    assert values[1][2] == "Attended"
    assert values[1][-1] == "'+cmd|' /C calc'!A0"
    nominations_csv = client.get(f"{url}nominations.csv").content.decode("utf-8-sig")
    assert "'+cmd" in nominations_csv
    assert client.get(f"{url}survey.pdf").status_code == 404


def test_safe_cell_defuses_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell(-3) == -3
    assert safe_cell("Textiles") == "Textiles"
    assert safe_cell(None) == ""


def test_the_maintainer_confirms_attendance_on_the_page(client, signed_in, world):
    w = world
    nomination = services.nomination_create(by=w.tarik, event=w.event, sme=w.tr_smes[0])
    services.nomination_accept(by=w.secretariat, nomination=nomination)
    signed_in(w.owner)
    text = client.get(page_url(w)).content.decode()
    assert "Confirm attendance" in text
    assert client.post(f"{page_url(w)}nominations/{nomination.pk}/confirm/").status_code == 302
    assert Nomination.objects.get().status == Status.CONFIRMED
