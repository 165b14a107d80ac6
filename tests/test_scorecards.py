"""Scorecards: figures computed from the record, what the public sees, CSV, stalled flag."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from d8coop.cooperation import scorecards, services
from d8coop.cooperation.models import Body, PublishedMetric
from d8coop.members.models import MemberState
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)


def card(cards, key):
    return next(c for c in cards if c.key == key)


def test_task_force_cards_count_meetings_of_the_body_and_the_bodies_under_it(reference_data):
    sme = card(scorecards.body_scorecards(TODAY), "tf-smes")
    # meetings of the SME Task Force and of the SMEs Governmental Bodies, held, by year
    held = {}
    family = Body.objects.filter(slug="tf-smes").first().children.values_list("pk", flat=True)
    from d8coop.cooperation.models import Meeting

    for meeting in Meeting.objects.filter(
        status="held", body__in=[Body.objects.get(slug="tf-smes").pk, *family]
    ):
        held[meeting.period_earliest.year] = held.get(meeting.period_earliest.year, 0) + 1
    assert dict(sme.meetings_by_year) == held and held
    # the four dated 2015 SME items nobody reported on are overdue; the two undated are open
    assert dict(sme.items) == {"overdue": 4, "open": 2}


def test_done_on_time_and_late_come_from_the_reports(reference_data, secretariat):
    turkey = MemberState.objects.get(code="TR")
    on_time = ActionItemFactory(responsible_states=[turkey])  # due 2016
    late = ActionItemFactory(responsible_states=[turkey], body=on_time.body)
    services.action_item_report_progress(
        user=secretariat, item=on_time, text="Done.", status="done", progress_on=date(2016, 6, 1)
    )
    services.action_item_report_progress(
        user=secretariat,
        item=late,
        text="Done.",
        status="done",
        progress_on=date(2017, 2, 1),
        member_state=turkey,
    )
    tr = card(scorecards.state_scorecards(TODAY), "TR")
    assert tr.items["done_on_time"] == 1
    assert tr.items["done_late"] == 1
    assert tr.last_activity == timezone.localdate()


def test_all_member_states_items_count_for_the_members_of_the_day(reference_data):
    cards = scorecards.state_scorecards(TODAY)
    # "Prepare and share a list of investment opportunities" (2015, all states): not Azerbaijan
    az, tr = card(cards, "AZ"), card(cards, "TR")
    assert az.items_total == 0
    assert tr.items_total >= 3


def test_a_body_with_nothing_for_a_year_is_stalled(reference_data):
    cards = scorecards.body_scorecards(TODAY)
    cement = card(cards, "tf-cement")
    assert cement.last_activity is None or TODAY - cement.last_activity > timedelta(days=365)
    assert cement.is_stalled(TODAY)


def test_public_sees_only_published_figures(reference_data, client, secretariat, signed_in):
    page = client.get(reverse("portal:scorecards")).content.decode()
    assert "Meetings held, by year" in page
    assert "Consultation rounds answered" not in page
    services.scorecard_publish(user=secretariat, metrics={"consultations"})
    page = client.get(reverse("portal:scorecards")).content.decode()
    assert "Consultation rounds answered" in page
    assert "Meetings held, by year" not in page
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("portal:scorecards-csv")).content.decode()))
    )
    assert rows[0] == ["key", "name", "rounds_received", "rounds_answered", "median_answer_days"]
    assert len(rows) == 1 + Body.objects.filter(kind="task_force").count()


def test_members_see_every_figure(reference_data, member_user, signed_in, secretariat):
    services.scorecard_publish(user=secretariat, metrics=set())
    page = signed_in(member_user).get(reverse("portal:scorecards") + "?by=member-states")
    text = page.content.decode()
    assert "Meetings hosted, by year" in text and "Consultation rounds answered" in text


def test_only_the_secretariat_publishes(reference_data, member_user, outsider, signed_in, client):
    for user in (member_user, outsider):
        response = signed_in(user).post(reverse("portal:scorecards-publish"), {"metrics": []})
        assert response.status_code == 403
    client.logout()
    assert client.post(reverse("portal:scorecards-publish")).status_code == 403
    assert not PublishedMetric.objects.exists()
    assert scorecards.public_metrics() == scorecards.PUBLIC_BY_DEFAULT


def test_csv_figures_match_the_page(reference_data, client):
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("portal:scorecards-csv") + "?by=member-states").content.decode()
            )
        )
    )
    by_code = {row["key"]: row for row in rows}
    assert set(by_code) == set(MemberState.objects.values_list("code", flat=True))
    page = client.get(reverse("portal:scorecards") + "?by=member-states")
    for card in page.context["cards"]:
        row = by_code[card.key]
        for column in scorecards.ITEM_COLUMNS:
            assert int(row[f"items_{column}"]) == card.items.get(column, 0), (card.key, column)
        assert int(row["meetings_total"]) == card.meetings_total
    # Nigeria: the SPX training (Q4 2015) and the communication network draft are overdue; the
    # two undated "all member states" items are open
    assert (by_code["NG"]["items_overdue"], by_code["NG"]["items_open"]) == ("2", "2")


def test_api_gives_the_public_the_published_figures_only(reference_data, secretariat):
    from rest_framework.test import APIClient

    url = reverse("api:scorecards") + "?by=member-states"
    public = APIClient().get(url).json()
    tr = next(row for row in public if row["key"] == "TR")
    assert "meetings_by_year" in tr and "rounds_received" not in tr
    staff = APIClient()
    staff.force_authenticate(secretariat)
    tr = next(row for row in staff.get(url).json() if row["key"] == "TR")
    assert tr["rounds_received"] == 0 and tr["median_answer_days"] is None
    bad = APIClient().get(reverse("api:scorecards") + "?by=planets")
    assert bad.status_code == 400 and "by" in bad.json()["errors"]
