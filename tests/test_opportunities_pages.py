"""Opportunity pages: the public listing (filters, text search, pagination), the detail page,
the workspace (create, edit, submit, vet, renew, close, documents), the Atom feed and the
CSV/XLSX exports read back."""

# ruff: noqa: F811 - the persona fixtures come from tests.consultations_support

from __future__ import annotations

import csv
import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from d8coop.members.models import MemberState
from d8coop.opportunities import services
from d8coop.opportunities.models import Opportunity
from tests.consultations_support import (  # noqa: F401 - fixtures
    _media,
    _reference_data_once,
    emad,
    maya,
    reference_data,
    tarik,
)

pytestmark = pytest.mark.django_db

Status = Opportunity.Status
PDF = b"%PDF-1.4\n% a tiny test file\n"


def today():
    return timezone.localdate()


def make(by, code="TR", status="draft", secretariat=None, **overrides) -> Opportunity:
    values = {
        "title": "Solar panel plant in Konya",
        "description": "A photovoltaic module factory seeking an equity partner.",
        "region": "Konya",
        "isic_section": "C",
        "size_amount": Decimal("2500000"),
        "currency": "USD",
        "instrument": "equity",
        "stage": "feasibility",
        "valid_until": today() + timedelta(days=90),
    }
    values.update(overrides)
    opportunity = services.opportunity_create(
        by=by, host_state=MemberState.objects.get(code=code), **values
    )
    if status == "draft":
        return opportunity
    services.opportunity_submit(by=by, opportunity=opportunity)
    if status == "submitted":
        return opportunity
    services.opportunity_vet(
        by=secretariat, opportunity=opportunity, publish=status != "returned", reasons="Why"
    )
    if status == "closed":
        services.opportunity_close(by=by, opportunity=opportunity, reason="Investor found")
    if status == "expired":
        services.opportunities_expire(timezone.now() + timedelta(days=6))
    opportunity.refresh_from_db()
    return opportunity


@pytest.fixture
def catalogue(tarik, maya, secretariat):
    """One opportunity in each status, and a Malaysian published one."""
    return {
        "draft": make(tarik, title="Draft tannery"),
        "submitted": make(tarik, "TR", "submitted", title="Submitted dairy"),
        "returned": make(tarik, "TR", "returned", secretariat, title="Returned port"),
        "expired": make(
            tarik,
            "TR",
            "expired",
            secretariat,
            title="Expired brickworks",
            valid_until=today() + timedelta(days=5),
        ),
        "closed": make(tarik, "TR", "closed", secretariat, title="Closed textile mill"),
        "published": make(tarik, "TR", "published", secretariat),
        "palm": make(
            maya,
            "MY",
            "published",
            secretariat,
            title="Palm oil refinery in Johor",
            description="Refinery expansion with a joint venture partner.",
            region="Johor",
            isic_section="C",
            instrument="joint_venture",
            stage="expansion",
            size_amount=Decimal("40000000"),
        ),
    }


# --------------------------------------------------------------------------- listing


def test_the_listing_shows_published_opportunities_only(client, catalogue):
    page = client.get("/opportunities/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Solar panel plant in Konya" in html and "Palm oil refinery in Johor" in html
    for hidden in ("Draft tannery", "Submitted dairy", "Returned port"):
        assert hidden not in html
    # Expired and closed: not by default, shown as such on request.
    assert "Expired brickworks" not in html and "Closed textile mill" not in html
    past = client.get("/opportunities/?past=on").content.decode()
    assert "Expired brickworks" in past and "Closed textile mill" in past
    assert "Returned port" not in past and "Draft tannery" not in past
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/opportunities/feed/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=MY", {"Palm oil refinery in Johor"}),
        ("country=TR", {"Solar panel plant in Konya"}),
        ("instrument=joint_venture", {"Palm oil refinery in Johor"}),
        ("stage=feasibility", {"Solar panel plant in Konya"}),
        ("sector=C", {"Palm oil refinery in Johor", "Solar panel plant in Konya"}),
        ("sector=A", set()),
        ("size_min=10000000", {"Palm oil refinery in Johor"}),
        ("size_max=3000000", {"Solar panel plant in Konya"}),
        (
            "size_min=1000000&size_max=50000000",
            {"Palm oil refinery in Johor", "Solar panel plant in Konya"},
        ),
    ],
)
def test_the_listing_filters(client, catalogue, query, expected):
    page = client.get(f"/opportunities/?{query}")
    assert page.status_code == 200
    titles = {o.title for o in page.context["page"].object_list}
    assert titles == expected


def test_text_search_ranks_and_highlights(client, catalogue):
    page = client.get("/opportunities/?q=refinery")
    found = list(page.context["page"].object_list)
    assert [o.title for o in found] == ["Palm oil refinery in Johor"]
    html = page.content.decode()
    assert "<mark>" in html and "best match first" in html
    # A draft matching the text is never found by the public.
    assert client.get("/opportunities/?q=tannery").context["page"].paginator.count == 0


def test_the_listing_is_paginated(client, tarik, secretariat):
    for n in range(23):
        make(tarik, "TR", "published", secretariat, title=f"Project {n}")
    first = client.get("/opportunities/")
    assert len(first.context["page"].object_list) == 20
    second = client.get("/opportunities/?page=2")
    assert len(second.context["page"].object_list) == 3
    assert 'rel="next"' in first.content.decode()


# --------------------------------------------------------------------------- detail


def test_the_detail_page_shows_every_field_and_the_contact(client, catalogue, tarik):
    opportunity = catalogue["published"]
    services.opportunity_document_add(
        by=tarik,
        opportunity=opportunity,
        title="Feasibility study",
        file=SimpleUploadedFile("study.pdf", PDF),
    )
    page = client.get(opportunity.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Solar panel plant in Konya",
        "Türkiye",
        "Konya",
        "Manufacturing",
        "Equity",
        "Feasibility study done",
        "2,500,000 USD",
        "Feasibility study",
        hashlib.sha256(PDF).hexdigest(),
        opportunity.contact.role,
    ):
        assert text in html, text
    assert 'datetime="' + opportunity.valid_until.isoformat() + '"' in html
    # The public downloads documents of a published opportunity.
    document = opportunity.documents.get()
    download = client.get(f"/opportunities/{opportunity.slug}/documents/{document.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_the_dollar_size_says_where_it_comes_from(client, tarik, secretariat):
    opportunity = make(
        tarik, "TR", "published", secretariat, size_amount=Decimal("1000000"), currency="MYR"
    )
    html = client.get(opportunity.get_absolute_url()).content.decode()
    from d8coop.statistics.models import ExchangeRate

    rate = ExchangeRate.objects.filter(currency="MYR").order_by("-year").first()
    assert opportunity.size_usd_rate_year == rate.year
    assert f"At the {rate.year} annual average rate".lower() in html.lower()
    assert "MYR per US dollar" in html
    assert escape(rate.source.title) in html
    unknown = make(tarik, "TR", "published", secretariat, title="Other", currency="XTS")
    html = client.get(unknown.get_absolute_url()).content.decode()
    assert "No size in US dollars" in html and "XTS" in html


def test_expired_and_closed_are_shown_as_such(client, catalogue):
    html = client.get(catalogue["expired"].get_absolute_url()).content.decode()
    assert "This opportunity expired after" in html
    html = client.get(catalogue["closed"].get_absolute_url()).content.decode()
    assert "This opportunity was closed on" in html and "Investor found" in html


def test_the_detail_page_places_the_interest_panel(client, catalogue):
    page = client.get(catalogue["published"].get_absolute_url())
    assert "interest_panel" in page.context
    assert str(page.context["interest_panel"]) in page.content.decode()


# --------------------------------------------------------------------------- workspace


def test_a_focal_point_creates_edits_and_submits_from_the_pages(signed_in, tarik, secretariat):
    client = signed_in(tarik)
    form = client.get("/opportunities/new/")
    assert form.status_code == 200
    data = {
        "host_state": "TR",
        "title": "Cement plant in Izmir",
        "description": "Greenfield cement plant.",
        "isic_section": "C",
        "size_amount": "5000000",
        "currency": "usd",
        "instrument": "loan",
        "stage": "concept",
        "valid_until": (today() + timedelta(days=60)).isoformat(),
    }
    bad = client.post("/opportunities/new/", {**data, "currency": "", "title": "X"})
    assert bad.status_code == 400
    assert "Give the currency of the project size" in bad.content.decode()
    assert not Opportunity.objects.exists()
    created = client.post("/opportunities/new/", data)
    opportunity = Opportunity.objects.get()
    assert created.status_code == 302 and created["Location"] == opportunity.get_absolute_url()
    assert opportunity.currency == "USD" and opportunity.created_by == tarik
    edited = client.post(f"/opportunities/{opportunity.slug}/edit/", {**data, "region": "Izmir"})
    assert edited.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.region == "Izmir"
    mine = client.get("/opportunities/mine/").content.decode()
    assert "Cement plant in Izmir" in mine and "Draft" in mine
    client.post(f"/opportunities/{opportunity.slug}/submit/")
    opportunity.refresh_from_db()
    assert opportunity.status == Status.SUBMITTED
    # Once submitted it is no longer editable.
    refused = client.post(f"/opportunities/{opportunity.slug}/edit/", {**data, "region": "Y"})
    assert refused.status_code == 409
    opportunity.refresh_from_db()
    assert opportunity.region == "Izmir"


def test_the_secretariat_vets_from_the_queue(signed_in, tarik, secretariat):
    opportunity = make(tarik, "TR", "submitted")
    client = signed_in(secretariat)
    queue = client.get("/opportunities/vetting/").content.decode()
    assert "Solar panel plant in Konya" in queue
    no_reasons = client.post(f"/opportunities/{opportunity.slug}/vet/", {"decision": "return"})
    assert no_reasons.status_code == 400
    assert "Give the reasons for returning" in no_reasons.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == Status.SUBMITTED
    published = client.post(f"/opportunities/{opportunity.slug}/vet/", {"decision": "publish"})
    assert published.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.status == Status.PUBLISHED
    assert (
        "Solar panel plant in Konya" not in client.get("/opportunities/vetting/").content.decode()
    )


def test_renew_close_and_upload_from_the_pages(signed_in, tarik, secretariat):
    opportunity = make(tarik, "TR", "published", secretariat)
    client = signed_in(tarik)
    past = client.post(
        f"/opportunities/{opportunity.slug}/renew/", {"valid_until": today().isoformat()}
    )
    assert past.status_code == 400 and "after today" in past.content.decode()
    new_date = today() + timedelta(days=300)
    client.post(f"/opportunities/{opportunity.slug}/renew/", {"valid_until": new_date.isoformat()})
    opportunity.refresh_from_db()
    assert opportunity.valid_until == new_date and opportunity.renewals == 1
    upload = client.post(
        f"/opportunities/{opportunity.slug}/documents/",
        {"title": "Site plan", "file": SimpleUploadedFile("plan.pdf", PDF)},
    )
    assert upload.status_code == 302 and opportunity.documents.count() == 1
    bad = client.post(
        f"/opportunities/{opportunity.slug}/documents/",
        {"title": "Bad", "file": SimpleUploadedFile("plan.exe", b"MZ")},
    )
    assert bad.status_code == 400 and "are not accepted" in bad.content.decode()
    client.post(f"/opportunities/{opportunity.slug}/close/", {"reason": "Investor found."})
    opportunity.refresh_from_db()
    assert opportunity.status == Status.CLOSED


def test_the_workspace_home_links_to_opportunities(signed_in, tarik, secretariat):
    make(tarik, "TR", "returned", secretariat)
    html = signed_in(tarik).get("/workspace/").content.decode()
    assert "/opportunities/mine/" in html and "waits for your changes" in html
    assert 'href="/opportunities/"' in html  # the main navigation


# --------------------------------------------------------------------------- feed


def test_the_feed_lists_newly_published_opportunities(client, catalogue):
    feed = client.get("/opportunities/feed/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    xml = feed.content.decode()
    assert "Solar panel plant in Konya" in xml and "Palm oil refinery in Johor" in xml
    for hidden in ("Draft tannery", "Submitted dairy", "Returned port", "Closed textile mill"):
        assert hidden not in xml
    assert "tag:d8coop.local,2026:opportunities/" in xml


# --------------------------------------------------------------------------- exports


def test_a_focal_point_exports_its_states_opportunities_as_csv(signed_in, catalogue, tarik):
    response = signed_in(tarik).get("/opportunities/mine/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    titles = {row["title"] for row in rows}
    assert "Draft tannery" in titles and "Returned port" in titles
    assert "Palm oil refinery in Johor" not in titles  # Malaysia's
    assert {row["host_state"] for row in rows} == {"TR"}
    assert {row["status"] for row in rows} == set(Status.values)


def test_the_secretariat_exports_all_as_xlsx(signed_in, catalogue, secretariat):
    response = signed_in(secretariat).get("/opportunities/mine/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[:3] == ("slug", "title", "status")
    assert len(data) == len(catalogue)
    palm = next(row for row in data if row[1] == "Palm oil refinery in Johor")
    assert palm[header.index("size_amount")] == 40000000


def test_exports_are_guarded_against_formula_injection(signed_in, tarik, secretariat):
    make(tarik, title='=HYPERLINK("http://evil")', description="+cmd", region="@SUM(A1)")
    client = signed_in(tarik)
    [row] = list(
        csv.DictReader(io.StringIO(client.get("/opportunities/mine/export.csv").content.decode()))
    )
    assert row["title"].startswith("'=") and row["description"] == "'+cmd"
    assert row["region"] == "'@SUM(A1)"
    sheet = load_workbook(io.BytesIO(client.get("/opportunities/mine/export.xlsx").content)).active
    values = list(sheet.iter_rows(values_only=True))[1]
    assert values[1].startswith("'=")
    assert sheet.cell(row=2, column=2).data_type == "s"  # text, not a formula


def test_the_listing_pins_its_queries(client, tarik, secretariat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    for n in range(3):
        make(tarik, "TR", "published", secretariat, title=f"Project {n}")
    few = (count("/opportunities/"), count("/opportunities/?q=project"))
    for n in range(3, 15):
        make(tarik, "TR", "published", secretariat, title=f"Project {n}")
    many = (count("/opportunities/"), count("/opportunities/?q=project"))
    assert many == few  # more rows, no more queries
    assert few[0] <= 6


def test_host_focal_points_and_the_secretariat_read_a_drafts_documents(
    signed_in, tarik, secretariat
):
    opportunity = make(tarik)
    document = services.opportunity_document_add(
        by=tarik, opportunity=opportunity, title="Plan", file=SimpleUploadedFile("p.pdf", PDF)
    )
    url = f"/opportunities/{opportunity.slug}/documents/{document.pk}/"
    for user in (tarik, secretariat):
        response = signed_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
    html = signed_in(tarik).get(opportunity.get_absolute_url()).content.decode()
    assert "The documents become public when the opportunity is published." in html


def test_the_sitemap_lists_published_opportunities_and_public_sme_profiles_only(
    client, catalogue, tarik
):
    from d8coop.directory import services as directory_services
    from tests.test_directory import create_profile

    listed = create_profile(tarik, name="Anatolian Looms")
    directory_services.sme_profile_validate(by=tarik, profile=listed)
    directory_services.sme_profile_set_public(
        by=tarik, profile=listed, public=True, consent_note="Signed form of 3 March 2026"
    )
    hidden = create_profile(tarik, name="Hidden Bakery")
    directory_services.sme_profile_validate(by=tarik, profile=hidden)

    content = client.get("/sitemap.xml").content.decode()

    assert catalogue["published"].get_absolute_url() in content
    for status in ("draft", "submitted", "returned"):
        assert catalogue[status].get_absolute_url() not in content
    assert listed.get_absolute_url() in content
    assert hidden.get_absolute_url() not in content
    assert "/opportunities/</loc>" in content and "/directory/</loc>" in content
