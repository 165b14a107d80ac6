"""Who may not: for every opportunity page and endpoint, the anonymous visitor, a signed-in
investor (a user with no role), a signed-in user with no role at all and a focal point of
another state are refused, and nothing changes. Unpublished opportunities are never listed
nor reachable for them (404, as if they did not exist)."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework.test import APIClient

from d8coop.investors.models import Investor
from d8coop.members.models import MemberState
from d8coop.opportunities import services
from d8coop.opportunities.models import Opportunity, OpportunityDocument
from tests.conftest import sign_in_verified
from tests.consultations_support import (  # noqa: F401 - fixtures
    _media,
    _reference_data_once,
    maya,
    reference_data,
    tarik,
)

pytestmark = pytest.mark.django_db

Status = Opportunity.Status
PDF = b"%PDF-1.4\n% a tiny test file\n"
FUTURE = (timezone.localdate() + timedelta(days=120)).isoformat()


def create(by, title: str) -> Opportunity:
    return services.opportunity_create(
        by=by,
        host_state=MemberState.objects.get(code="TR"),
        title=title,
        description="A project of Türkiye.",
        isic_section="C",
        size_amount=Decimal("1000000"),
        currency="USD",
        instrument="equity",
        stage="ready",
        valid_until=timezone.localdate() + timedelta(days=60),
    )


@pytest.fixture
def investor(reference_data, django_user_model):
    user = django_user_model.objects.create_user(
        email="ivan@fund.example", password="x-long-password-7"
    )
    Investor.objects.create(
        user=user,
        organization="Caspian Fund",
        kind="fund",
        country="AZ",
        email_verified_at=timezone.now(),
    )
    return user


@pytest.fixture
def records(tarik, secretariat, _media):
    """A Turkish draft with a document, one submitted, one returned, one published."""
    draft = create(tarik, "Secret tannery")
    services.opportunity_document_add(
        by=tarik, opportunity=draft, title="Draft plan", file=SimpleUploadedFile("p.pdf", PDF)
    )
    submitted = services.opportunity_submit(by=tarik, opportunity=create(tarik, "Secret dairy"))
    returned = services.opportunity_submit(by=tarik, opportunity=create(tarik, "Secret port"))
    services.opportunity_vet(by=secretariat, opportunity=returned, publish=False, reasons="No")
    published = services.opportunity_submit(by=tarik, opportunity=create(tarik, "Open mill"))
    services.opportunity_vet(by=secretariat, opportunity=published, publish=True)
    return {
        "draft": draft,
        "submitted": submitted,
        "returned": returned,
        "published": Opportunity.objects.get(pk=published.pk),
    }


def snapshot() -> list:
    """Every opportunity and document as stored, with the size of their history."""
    rows = [
        (model_to_dict(o), o.status, o.history.count()) for o in Opportunity.objects.order_by("pk")
    ]
    documents = list(OpportunityDocument.objects.order_by("pk").values_list("pk", "sha256"))
    return [rows, documents]


PERSONAS = ["anonymous", "outsider", "investor", "maya"]


@pytest.fixture
def as_persona(client, request):
    """`as_persona(name)`: the test client as that persona (anonymous: not signed in)."""

    def make(name: str):
        if name == "anonymous":
            return client
        return sign_in_verified(client, request.getfixturevalue(name))

    return make


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("persona", PERSONAS)
def test_unpublished_opportunities_are_never_listed_nor_reachable(persona, as_persona, records):
    client = as_persona(persona)
    listing = client.get("/opportunities/?past=on").content.decode()
    assert "Open mill" in listing
    for key in ("draft", "submitted", "returned"):
        opportunity = records[key]
        assert opportunity.title not in listing
        assert client.get(opportunity.get_absolute_url()).status_code == 404
        assert (
            client.get(f"/opportunities/?q={opportunity.title.split()[-1]}")
            .context["page"]
            .paginator.count
            == 0
        )
    document = records["draft"].documents.get()
    url = f"/opportunities/{records['draft'].slug}/documents/{document.pk}/"
    assert client.get(url).status_code == 404
    feed = client.get("/opportunities/feed/").content.decode()
    assert "Secret" not in feed


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_never_shows_them_unpublished_opportunities(persona, records, request):
    api = APIClient()
    if persona != "anonymous":
        api.force_authenticate(request.getfixturevalue(persona))
    listed = api.get("/api/v1/opportunities/?status=draft,submitted,returned,published")
    assert listed.status_code == 200
    assert [row["title"] for row in listed.json()["results"]] == ["Open mill"]
    for key in ("draft", "submitted", "returned"):
        answer = api.get(f"/api/v1/opportunities/{records[key].slug}/")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    published = api.get(f"/api/v1/opportunities/{records['published'].slug}/").json()
    assert published["return_reasons"] is None


# --------------------------------------------------------------------------- writing: pages


WORKSPACE_PAGES = [
    "/opportunities/mine/",
    "/opportunities/mine/export.csv",
    "/opportunities/mine/export.xlsx",
    "/opportunities/vetting/",
    "/opportunities/new/",
]


@pytest.mark.parametrize("persona", ["anonymous", "outsider", "investor"])
@pytest.mark.parametrize("url", WORKSPACE_PAGES)
def test_the_workspace_pages_are_for_focal_points_and_the_secretariat(
    persona, url, as_persona, records
):
    response = as_persona(persona).get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
    else:
        assert response.status_code == 404


def test_another_states_focal_point_sees_and_exports_only_its_own(as_persona, records):
    client = as_persona("maya")
    mine = client.get("/opportunities/mine/").content.decode()
    assert "Secret" not in mine and "Open mill" not in mine
    exported = client.get("/opportunities/mine/export.csv").content.decode()
    assert "Secret" not in exported and "Open mill" not in exported
    assert client.get("/opportunities/vetting/").status_code == 404


def test_a_focal_point_is_not_the_vetting_secretariat(signed_in, tarik, records):
    client = signed_in(tarik)
    assert client.get("/opportunities/vetting/").status_code == 404
    before = snapshot()
    response = client.post(
        f"/opportunities/{records['submitted'].slug}/vet/", {"decision": "publish"}
    )
    assert response.status_code == 404
    assert snapshot() == before


def _posts(records) -> list[tuple[str, str, dict]]:
    draft, published = records["draft"].slug, records["published"].slug
    submitted = records["submitted"].slug
    edit = {
        "title": "Hijacked",
        "description": "x",
        "isic_section": "C",
        "instrument": "equity",
        "stage": "ready",
        "valid_until": FUTURE,
    }
    return [
        ("draft", f"/opportunities/{draft}/edit/", edit),
        ("draft", f"/opportunities/{draft}/submit/", {}),
        ("draft", f"/opportunities/{draft}/documents/", {"title": "Mine"}),
        ("submitted", f"/opportunities/{submitted}/vet/", {"decision": "publish"}),
        ("published", f"/opportunities/{published}/edit/", edit),
        ("published", f"/opportunities/{published}/renew/", {"valid_until": FUTURE}),
        ("published", f"/opportunities/{published}/close/", {"reason": "Gone"}),
        ("published", f"/opportunities/{published}/documents/", {"title": "Mine"}),
        ("published", f"/opportunities/{published}/vet/", {"decision": "return"}),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_write_page_refuses_them_and_changes_nothing(persona, as_persona, records):
    client = as_persona(persona)
    new = {
        "host_state": "TR",
        "title": "Planted",
        "description": "x",
        "isic_section": "C",
        "instrument": "equity",
        "stage": "ready",
        "valid_until": FUTURE,
    }
    before = snapshot()
    response = client.post("/opportunities/new/", new)
    if persona == "maya":
        # Her form offers Malaysia only: Türkiye is not a valid choice.
        assert response.status_code == 400
    else:
        assert response.status_code in (302, 404)
        if persona == "anonymous":
            assert "/accounts/sign-in/" in response["Location"]
    for key, url, data in _posts(records):
        if url.endswith("/documents/"):
            data = {**data, "file": SimpleUploadedFile("x.pdf", PDF)}
        response = client.post(url, data)
        if persona == "anonymous":
            assert response.status_code == 302, url
            assert "/accounts/sign-in/" in response["Location"]
        elif persona == "maya" and key == "published" and not url.endswith("/vet/"):
            assert response.status_code == 403, url  # she reads it but may not change it
        else:
            assert response.status_code == 404, url
    assert snapshot() == before


# --------------------------------------------------------------------------- writing: API


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_write_endpoint_refuses_them_and_changes_nothing(persona, records, request):
    api = APIClient()
    if persona != "anonymous":
        api.force_authenticate(request.getfixturevalue(persona))
    before = snapshot()
    created = api.post(
        "/api/v1/opportunities/",
        {
            "host_state": "TR",
            "title": "Planted",
            "description": "x",
            "isic_section": "C",
            "instrument": "equity",
            "stage": "ready",
            "valid_until": FUTURE,
        },
        format="json",
    )
    assert created.status_code in (401, 403)
    assert set(created.json()) >= {"code", "message"}
    draft = records["draft"].slug
    published = records["published"].slug
    submitted = records["submitted"].slug
    calls = [
        ("draft", "patch", f"/api/v1/opportunities/{draft}/", {"title": "Hijacked"}),
        ("draft", "post", f"/api/v1/opportunities/{draft}/submit/", {}),
        ("submitted", "post", f"/api/v1/opportunities/{submitted}/vet/", {"decision": "publish"}),
        ("published", "patch", f"/api/v1/opportunities/{published}/", {"title": "Hijacked"}),
        ("published", "post", f"/api/v1/opportunities/{published}/renew/", {"valid_until": FUTURE}),
        ("published", "post", f"/api/v1/opportunities/{published}/close/", {"reason": "Gone"}),
        ("published", "post", f"/api/v1/opportunities/{published}/vet/", {"decision": "return"}),
    ]
    for key, method, url, data in calls:
        response = getattr(api, method)(url, data, format="json")
        body = response.json()
        assert set(body) >= {"code", "message"}, url
        if persona == "anonymous":
            assert response.status_code == 401, url
        elif key == "published":
            assert response.status_code == 403, url  # readable, not theirs to change
        else:
            assert response.status_code == 404, url
    assert snapshot() == before
