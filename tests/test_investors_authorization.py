"""Refusals on every investors page and endpoint: anonymous visitors, signed-in users with no
role, focal points of another state, investors on the hosts' pages. Each refusal is asserted
together with the fact that nothing changed."""

# ruff: noqa: F811 - the persona fixtures come from tests.investors_support

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from d8coop.investors.models import Interest, Investor, LeadStep
from d8coop.notifications.models import Notification
from tests.conftest import sign_in_verified
from tests.investors_support import (  # noqa: F401 - fixtures
    _reference_data_once,
    interest,
    investor,
    make_opportunity,
    maya,
    opportunity,
    reference_data,
    snapshot,
    tarik,
)

pytestmark = pytest.mark.django_db


def _state():
    return (
        Interest.objects.count(),
        LeadStep.objects.count(),
        Notification.objects.count(),
        list(Investor.objects.values_list("organization", "country", "email_verified_at")),
    )


def _api(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("name", ["investors:me", "investors:me-edit", "investors:leads"])
def test_anonymous_visitors_are_sent_to_sign_in(client, reference_data, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign-in"))


def test_anonymous_posts_change_nothing(client, interest):
    before = _state()
    today = timezone.localdate().isoformat()
    posts = [
        (reverse("investors:interest", args=[interest.opportunity.slug]), {"message": "Hi"}),
        (reverse("investors:lead", args=[interest.pk]), {"stage": "contacted", "on": today}),
        (reverse("investors:verify-resend"), {}),
        (reverse("investors:me-edit"), {"organization": "Taken"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign-in"))
    assert _state() == before


def test_a_user_with_no_role_has_no_investor_page_and_no_leads(client, outsider, interest):
    sign_in_verified(client, outsider)
    before = _state()
    assert client.get(reverse("investors:me")).status_code == 404
    assert client.get(reverse("investors:me-edit")).status_code == 404
    assert client.post(reverse("investors:me-edit"), {"organization": "X"}).status_code == 404
    assert client.get(reverse("investors:leads")).status_code == 403
    assert client.get(reverse("investors:lead", args=[interest.pk])).status_code == 403
    today = timezone.localdate().isoformat()
    lead_url = reverse("investors:lead", args=[interest.pk])
    assert client.post(lead_url, {"stage": "contacted", "on": today}).status_code == 403
    response = client.post(
        reverse("investors:interest", args=[interest.opportunity.slug]),
        {"message": "Me too"},
        follow=True,
    )
    assert "Only registered investors" in response.content.decode()
    assert _state() == before


def test_another_states_focal_point_cannot_see_or_move_the_lead(client, maya, interest):
    sign_in_verified(client, maya)
    before = _state()
    listing = client.get(reverse("investors:leads"))
    assert listing.status_code == 200
    assert "Gulf Agri Fund" not in listing.content.decode()
    assert client.get(reverse("investors:lead", args=[interest.pk])).status_code == 404
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("investors:lead", args=[interest.pk]), {"stage": "contacted", "on": today}
    )
    assert response.status_code == 404
    assert snapshot(interest) == ("new", timezone.localdate(), 1)
    assert _state() == before


def test_the_investor_cannot_move_their_own_lead(client, interest):
    sign_in_verified(client, interest.investor.user)
    before = _state()
    assert client.get(reverse("investors:leads")).status_code == 403
    today = timezone.localdate().isoformat()
    lead_url = reverse("investors:lead", args=[interest.pk])
    assert client.post(lead_url, {"stage": "signed", "on": today}).status_code == 403
    assert _state() == before


def test_an_unpublished_opportunity_does_not_exist_for_investors(client, investor, tarik):
    draft = make_opportunity(slug="draft-one", status="draft")
    sign_in_verified(client, investor.user)
    before = _state()
    url = reverse("investors:interest", args=[draft.slug])
    assert client.post(url, {"message": "Hi"}).status_code == 404
    assert _state() == before


def test_the_outcomes_page_is_public(client, reference_data):
    assert client.get(reverse("investors:outcomes")).status_code == 200


# --------------------------------------------------------------------------- API


def test_the_api_refuses_anonymous_callers(interest):
    before = _state()
    api = _api()
    assert api.get("/api/v1/investors/me/").status_code in (401, 403)
    assert api.get("/api/v1/interests/").status_code in (401, 403)
    response = api.post(
        "/api/v1/interests/", {"opportunity": interest.opportunity.slug, "message": "x"}
    )
    assert response.status_code in (401, 403)
    step = {"stage": "contacted", "on": timezone.localdate().isoformat()}
    assert api.post(f"/api/v1/interests/{interest.pk}/steps/", step).status_code in (401, 403)
    assert _state() == before


def test_the_api_shows_nothing_to_a_user_with_no_role(outsider, interest):
    before = _state()
    api = _api(outsider)
    assert api.get("/api/v1/investors/me/").status_code == 404
    assert api.patch("/api/v1/investors/me/", {"country": "FR"}).status_code == 404
    assert api.get("/api/v1/interests/").json()["results"] == []
    assert api.get(f"/api/v1/interests/{interest.pk}/").status_code == 404
    step = {"stage": "contacted", "on": timezone.localdate().isoformat()}
    assert api.post(f"/api/v1/interests/{interest.pk}/steps/", step).status_code == 404
    response = api.post(
        "/api/v1/interests/",
        {"opportunity": interest.opportunity.slug, "message": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert _state() == before


def test_the_api_refuses_another_states_focal_point(maya, interest):
    before = _state()
    api = _api(maya)
    assert api.get("/api/v1/interests/").json()["results"] == []
    step = {"stage": "contacted", "on": timezone.localdate().isoformat()}
    assert api.post(f"/api/v1/interests/{interest.pk}/steps/", step).status_code == 404
    assert snapshot(interest) == ("new", timezone.localdate(), 1)
    assert _state() == before


def test_the_api_refuses_the_investor_a_step_on_their_own_lead(interest):
    before = _state()
    api = _api(interest.investor.user)
    step = {"stage": "signed", "on": timezone.localdate().isoformat()}
    response = api.post(f"/api/v1/interests/{interest.pk}/steps/", step)
    assert response.status_code == 403
    assert _state() == before
