"""Opportunities through the API: the whole life cycle through the same services as the pages,
the listing's filters and text search, and `{code, message}` refusals."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from d8coop.opportunities.models import Opportunity
from tests.consultations_support import (  # noqa: F401 - fixtures
    _media,
    _reference_data_once,
    maya,
    reference_data,
    tarik,
)

pytestmark = pytest.mark.django_db

Status = Opportunity.Status


def future(days: int = 90) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def api_as(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


NEW = {
    "host_state": "TR",
    "title": "Textile dyeing plant",
    "description": "An eco-friendly dyeing plant in Denizli.",
    "region": "Denizli",
    "isic_section": "C",
    "isic_division": "13",
    "size_amount": "8000000",
    "currency": "USD",
    "instrument": "joint_venture",
    "stage": "ready",
    "valid_until": None,
}


def test_the_life_cycle_through_the_api(tarik, secretariat):
    focal = api_as(tarik)
    created = focal.post("/api/v1/opportunities/", {**NEW, "valid_until": future()}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    slug = body["slug"]
    assert body["status"] == "draft" and body["host_state"]["code"] == "TR"
    assert body["size_usd"] == "8000000.00"
    assert body["contact"]["role"]
    url = f"/api/v1/opportunities/{slug}/"

    patched = focal.patch(url, {"incentives": "Free zone."}, format="json")
    assert patched.status_code == 200 and patched.json()["incentives"] == "Free zone."

    # The public does not see the draft; its focal point does, by default.
    assert api_as().get(url).status_code == 404
    assert [o["slug"] for o in focal.get("/api/v1/opportunities/").json()["results"]] == [slug]
    assert api_as().get("/api/v1/opportunities/").json()["results"] == []

    submitted = focal.post(url + "submit/", format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    staff = api_as(secretariat)
    returned = staff.post(url + "vet/", {"decision": "return"}, format="json")
    assert returned.status_code == 400
    assert returned.json() == {
        "code": "reasons_required",
        "message": "Give the reasons for returning the opportunity.",
    }
    returned = staff.post(url + "vet/", {"decision": "return", "reasons": "Add a map."})
    assert returned.json()["status"] == "returned"
    assert focal.get(url).json()["return_reasons"] == "Add a map."
    focal.post(url + "submit/")
    published = staff.post(url + "vet/", {"decision": "publish"}, format="json")
    assert published.json()["status"] == "published"

    public = api_as().get(url).json()
    assert public["status"] == "published" and public["return_reasons"] is None
    assert public["web_url"] == f"/opportunities/{slug}/"

    too_soon = focal.post(url + "renew/", {"valid_until": timezone.localdate().isoformat()})
    assert too_soon.status_code == 400 and too_soon.json()["code"] == "validity_in_past"
    renewed = focal.post(url + "renew/", {"valid_until": future(200)}, format="json")
    assert renewed.json()["renewals"] == 1 and renewed.json()["valid_until"] == future(200)

    edit_published = focal.patch(url, {"title": "Changed"}, format="json")
    assert edit_published.status_code == 409
    assert edit_published.json()["code"] == "wrong_status"

    closed = focal.post(url + "close/", {"reason": "Partner found."}, format="json")
    assert closed.json()["status"] == "closed" and closed.json()["close_reason"] == "Partner found."
    assert Opportunity.objects.get(slug=slug).history.latest().history_user == tarik


def test_bad_input_gets_code_and_message_and_writes_nothing(tarik):
    focal = api_as(tarik)
    no_currency = focal.post(
        "/api/v1/opportunities/",
        {**NEW, "currency": "", "valid_until": future()},
        format="json",
    )
    assert no_currency.status_code == 400
    assert no_currency.json()["code"] == "currency_required"
    bad_sector = focal.post(
        "/api/v1/opportunities/", {**NEW, "isic_section": "Z", "valid_until": future()}
    )
    assert bad_sector.json()["code"] == "invalid_sector"
    missing = focal.post("/api/v1/opportunities/", {"host_state": "TR"}, format="json")
    assert missing.status_code == 400 and "title" in missing.json()["errors"]
    unknown = focal.post(
        "/api/v1/opportunities/", {**NEW, "host_state": "QQ", "valid_until": future()}
    )
    assert unknown.status_code == 400
    assert not Opportunity.objects.exists()


def test_the_secretariat_cannot_submit_for_a_state(tarik, secretariat):
    created = api_as(tarik).post(
        "/api/v1/opportunities/", {**NEW, "valid_until": future()}, format="json"
    )
    slug = created.json()["slug"]
    refused = api_as(secretariat).post(f"/api/v1/opportunities/{slug}/submit/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert Opportunity.objects.get(slug=slug).status == Status.DRAFT


def test_the_listing_filters_and_searches(tarik, maya, secretariat):
    def publish(user, **values):
        body = api_as(user).post(
            "/api/v1/opportunities/", {**NEW, **values, "valid_until": future()}, format="json"
        )
        slug = body.json()["slug"]
        api_as(user).post(f"/api/v1/opportunities/{slug}/submit/")
        api_as(secretariat).post(f"/api/v1/opportunities/{slug}/vet/", {"decision": "publish"})
        return slug

    dye = publish(tarik)
    palm = publish(
        maya,
        host_state="MY",
        title="Palm oil refinery",
        description="Refinery in Johor.",
        instrument="loan",
        size_amount="30000000",
    )
    public = api_as()

    def slugs(query: str) -> list[str]:
        response = public.get(f"/api/v1/opportunities/?{query}")
        assert response.status_code == 200
        return [row["slug"] for row in response.json()["results"]]

    assert set(slugs("")) == {dye, palm}
    assert slugs("country=MY") == [palm]
    assert slugs("instrument=joint_venture") == [dye]
    assert slugs("size_min=10000000") == [palm]
    assert slugs("size_max=10000000") == [dye]
    assert slugs("stage=concept") == []
    found = public.get("/api/v1/opportunities/?q=refinery").json()["results"]
    assert [row["slug"] for row in found] == [palm]
    assert "<mark>" in "".join(found[0]["snippets"].values())
    bad = public.get("/api/v1/opportunities/?size_min=lots")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
