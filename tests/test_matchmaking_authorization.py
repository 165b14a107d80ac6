"""Who sees which matches, on the pages (/matches/...) and through the API
(/api/v1/matches/...): each refusal is checked with the outsiders (anonymous visitor, signed-in
user with no role, focal point of another state, an investor), and that nothing changed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from d8coop.cooperation.models import Meeting
from d8coop.directory.models import Product, SmeProfile
from d8coop.investors.models import Interest, Investor
from d8coop.members.models import MemberState
from d8coop.opportunities.models import Opportunity
from d8coop.participation.models import Event, Nomination
from tests.consultations_support import _reference_data_once, reference_data  # noqa: F401
from tests.factories import MeetingFactory, appoint_focal_point

SINCE = date(2020, 1, 1)


@pytest.fixture(autouse=True)
def _fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.D8COOP_MATCHING_TEXT = "lexical"  # the embedding backend has tests of its own


def user(email: str, **extra):
    return get_user_model().objects.create_user(email=email, password="x-long-password-7", **extra)


def state(code: str) -> MemberState:
    return MemberState.objects.get(code=code)


def make_opportunity(slug, code, by, *, status="published", **kw):
    values = {
        "title": "Halal meat processing plant",
        "description": "Slaughter lines, blast freezers and cold storage for halal beef.",
        "isic_section": "C",
        "instrument": Opportunity.Instrument.JOINT_VENTURE,
        "stage": Opportunity.Stage.READY,
        "size_usd": Decimal("12000000"),
        "valid_until": timezone.localdate() + timedelta(days=60),
        "published_at": timezone.now() if status == "published" else None,
    }
    return Opportunity.objects.create(
        slug=slug, host_state=state(code), created_by=by, status=status, **(values | kw)
    )


def make_sme(slug, code, by, *, public=False, maintainer=None, **kw):
    values = {
        "name": slug.replace("-", " ").title(),
        "description": "Halal meat cutting and vacuum packing.",
        "isic_section": "C",
        "size_class": SmeProfile.SizeClass.MEDIUM,
        "certifications": ["halal"],
        "export_markets": ["MY"],
    }
    return SmeProfile.objects.create(
        slug=slug,
        member_state=state(code),
        created_by=by,
        status=SmeProfile.Status.VALIDATED,
        public=public,
        maintainer=maintainer,
        **(values | kw),
    )


@pytest.fixture
def world(reference_data, secretariat, outsider):  # noqa: F811
    hamid = user("hamid@smeda.example")
    appoint_focal_point(hamid, "PK", started_on=SINCE)
    tarik = user("tarik@kosgeb.example")
    appoint_focal_point(tarik, "TR", started_on=SINCE)
    keeper = user("keeper@indus-meats.example")
    ines = user("ines@fund.example")
    investor = Investor.objects.create(
        user=ines,
        organization="Crescent Halal Foods",
        kind=Investor.Kind.FUND,
        country="MY",
        sectors=["C"],
        instruments=["joint_venture"],
        ticket_min_usd=Decimal("5000000"),
        ticket_max_usd=Decimal("20000000"),
        description="Halal meat processing and frozen food.",
        email_verified_at=timezone.now(),
    )
    uma = user("uma@capital.example")
    Investor.objects.create(
        user=uma, organization="Unverified Capital", kind=Investor.Kind.FUND, country="AE",
        sectors=["C"], instruments=["joint_venture"], description="Halal meat plants.",
    )  # fmt: skip
    meat = make_opportunity("halal-meat-plant", "PK", hamid)
    make_opportunity(
        "wind-farm-draft", "PK", hamid, status="draft", title="Secret wind farm draft",
        isic_section="D", description="Wind farm, not published yet.",
    )  # fmt: skip
    make_opportunity(
        "textile-mill", "TR", tarik, title="Organic cotton spinning mill",
        description="Spinning mill for organic cotton yarn.",
    )  # fmt: skip
    indus = make_sme("indus-meats", "PK", hamid, maintainer=keeper)
    Product.objects.create(profile=indus, hs_code="0201", description="Fresh beef")
    klang = make_sme(
        "klang-cold-chain", "MY", secretariat, public=True, isic_section="H",
        description="Refrigerated trucking and chilled warehouses for halal meat.",
    )  # fmt: skip
    Product.objects.create(profile=klang, hs_code="0202", description="Frozen beef storage")
    make_sme("ege-packaging-private", "TR", tarik, public=False)
    meeting = MeetingFactory(
        kind=Meeting.Kind.EXHIBITION, title="Halal food industry exhibition",
        country=state("MY"), status=Meeting.Status.PLANNED, summary="Meat and food processing.",
    )  # fmt: skip
    Event.objects.create(
        meeting=meeting, registration_opens=timezone.now() - timedelta(days=1),
        registration_closes=timezone.now() + timedelta(days=10), default_quota=3,
        created_by=secretariat,
    )  # fmt: skip
    return {
        "secretariat": secretariat,
        "outsider": outsider,
        "hamid": hamid,
        "tarik": tarik,
        "keeper": keeper,
        "ines": ines,
        "uma": uma,
        "investor": investor,
        "meat": meat,
        "indus": indus,
    }


def snapshot() -> tuple:
    """Every record matchmaking could touch, with its history: none may change."""
    return tuple(
        (model.objects.count(), model.history.count())
        for model in (Opportunity, SmeProfile, Product, Investor, Interest, Event, Nomination)
    )


OPPORTUNITY_PAGE = "/matches/opportunities/halal-meat-plant/"
SME_PAGE = "/matches/smes/indus-meats/"
INVESTOR_PAGE = "/matches/investor/"
OPPORTUNITY_API = "/api/v1/matches/opportunities/halal-meat-plant/"
SME_API = "/api/v1/matches/smes/indus-meats/"
INVESTOR_API = "/api/v1/matches/investor/"

# Who may see each page; every other persona gets 404 (anonymous: sent to sign in / 401).
ALLOWED = {
    "opportunity": {"secretariat", "hamid"},
    "sme": {"secretariat", "hamid", "keeper"},
    "investor": {"ines"},
}
PERSONAS = ["secretariat", "outsider", "hamid", "tarik", "keeper", "ines", "uma"]
PAGES = {"opportunity": OPPORTUNITY_PAGE, "sme": SME_PAGE, "investor": INVESTOR_PAGE}
APIS = {"opportunity": OPPORTUNITY_API, "sme": SME_API, "investor": INVESTOR_API}


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(world, client, page):
    before = snapshot()
    response = client.get(PAGES[page])
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]
    assert client.get(APIS[page]).status_code in (401, 403)
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_pages_and_api_allow_only_their_readers(world, signed_in, page, persona):
    client = signed_in(world[persona])
    before = snapshot()
    expected = 200 if persona in ALLOWED[page] else 404
    assert client.get(PAGES[page]).status_code == expected
    assert client.get(APIS[page]).status_code == expected
    # Read only: nothing to write, on the pages or the API.
    assert client.post(PAGES[page]).status_code in (405, 404)
    assert client.post(APIS[page], {}).status_code in (405, 404)
    assert snapshot() == before


@pytest.mark.django_db
def test_opportunity_page_ranks_investors_and_smes_with_reasons(world, signed_in):
    response = signed_in(world["hamid"]).get(OPPORTUNITY_PAGE)
    html = response.content.decode()
    assert "Crescent Halal Foods" in html
    assert "Unverified Capital" not in html  # e-mail not verified: not a candidate
    assert "Indus Meats" in html
    assert "sector of interest: C Manufacturing (+0.30)" in html
    assert "instrument used: joint venture (+0.20)" in html
    assert "based in the host state PK (+0.15)" in html
    assert '<th scope="col">' in html


@pytest.mark.django_db
def test_sme_page_lists_published_opportunities_open_events_and_partners(world, signed_in):
    html = signed_in(world["hamid"]).get(SME_PAGE).content.decode()
    assert "Halal meat processing plant" in html
    assert "Secret wind farm draft" not in html
    assert "Halal food industry exhibition" in html
    assert "Klang Cold Chain" in html
    # Another state's non-public SME stays hidden, as in the directory.
    assert "Ege Packaging Private" not in html
    assert "products in the same HS chapter 02 (+0.20)" in html
    # The SME's own maintainer sees public partner SMEs only.
    keeper_html = signed_in(world["keeper"]).get(SME_PAGE).content.decode()
    assert "Klang Cold Chain" in keeper_html
    assert "Ege Packaging Private" not in keeper_html


@pytest.mark.django_db
def test_investor_sees_published_opportunities_only(world, signed_in):
    client = signed_in(world["ines"])
    html = client.get(INVESTOR_PAGE).content.decode()
    assert "Halal meat processing plant" in html
    assert "Secret wind farm draft" not in html
    data = client.get(INVESTOR_API).json()
    assert data["method"] == "lexical"
    titles = [m["name"] for m in data["opportunities"]]
    assert titles[0] == "Halal meat processing plant"
    assert "Secret wind farm draft" not in titles
    # Nor can the investor reach the draft's matches, or the published one's.
    assert client.get("/matches/opportunities/wind-farm-draft/").status_code == 404
    assert client.get(OPPORTUNITY_API).status_code == 404


@pytest.mark.django_db
def test_api_returns_scores_and_their_parts(world, signed_in):
    data = signed_in(world["secretariat"]).get(OPPORTUNITY_API).json()
    first = data["investors"][0]
    assert first["name"] == "Crescent Halal Foods"
    assert first["score"] == pytest.approx(sum(p["points"] for p in first["parts"]), abs=1e-3)
    assert {p["criterion"] for p in first["parts"]} >= {"sector", "instrument", "ticket", "text"}
    sme_data = signed_in(world["keeper"]).get(SME_API).json()
    assert [e["name"] for e in sme_data["events"]] == ["Halal food industry exhibition"]
    assert [p["name"] for p in sme_data["partners"]] == ["Klang Cold Chain"]


@pytest.mark.django_db
def test_unknown_records_are_404(world, signed_in):
    client = signed_in(world["secretariat"])
    assert client.get("/matches/opportunities/nothing-here/").status_code == 404
    assert client.get("/api/v1/matches/smes/nothing-here/").status_code == 404


@pytest.mark.django_db
def test_a_former_focal_point_loses_access(world, signed_in):
    from d8coop.members.models import PositionHolding

    PositionHolding.objects.filter(person__user=world["hamid"]).update(
        ended_on=timezone.localdate() - timedelta(days=1)
    )
    client = signed_in(world["hamid"])
    assert client.get(OPPORTUNITY_PAGE).status_code == 404
    assert client.get(SME_API).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [None, *PERSONAS])
def test_matches_link_is_shown_only_to_readers(world, rf, persona):
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines

    template = engines["django"].from_string("{% load matchmaking %}{% matches_link record %}")
    records = {"opportunity": world["meat"], "sme": world["indus"], "investor": world["investor"]}
    for page, record in records.items():
        request = rf.get("/")
        request.user = world[persona] if persona else AnonymousUser()
        html = template.render({"record": record}, request)
        if persona in ALLOWED[page]:
            assert f'href="{PAGES[page]}"' in html
        else:
            assert "href" not in html


@pytest.mark.django_db
def test_the_other_apps_pages_link_to_the_matches_for_readers_only(world, client, signed_in):
    pages = [
        (world["meat"].get_absolute_url(), OPPORTUNITY_PAGE, "hamid", "tarik"),
        (world["indus"].get_absolute_url(), SME_PAGE, "keeper", "outsider"),
        ("/investors/me/", INVESTOR_PAGE, "ines", None),
    ]
    for url, link, reader, other in pages:
        html = signed_in(world[reader]).get(url).content.decode()
        assert f'href="{link}"' in html, url
        client.logout()
        if other:
            response = signed_in(world[other]).get(url)
            assert f'href="{link}"' not in response.content.decode(), url
            client.logout()
