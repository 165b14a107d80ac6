"""The SME directory's pages and API, persona by persona: the public sees only public AND
validated profiles (list, page, API, search) and never the contact's e-mail or telephone; a
focal point manages her own state's profiles only; an SME's maintainer edits its own profile
only; the invitation link works once; exports read back. Every refusal changes nothing."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from d8coop.directory import services
from d8coop.directory.models import MaintainerInvitation, SmeProfile
from tests.consultations_support import _reference_data_once  # noqa: F401 - a fixture
from tests.test_directory import (
    PASSWORD,
    create_profile,
    maya,  # noqa: F401 - a fixture
    snapshot,
    tarik,  # noqa: F401 - a fixture
)


@pytest.fixture
def reference_data(_reference_data_once, db):  # noqa: F811
    return _reference_data_once


@pytest.fixture
def listed(tarik):  # noqa: F811
    """A Turkish SME, validated and listed with its consent."""
    profile = create_profile(tarik)
    services.sme_profile_validate(by=tarik, profile=profile)
    services.sme_profile_set_public(by=tarik, profile=profile, public=True, consent_note="Form")
    return profile


@pytest.fixture
def unlisted(tarik):  # noqa: F811
    """Turkish SMEs the public must never see: awaiting validation, validated without
    consent, consenting but not validated."""
    draft = create_profile(tarik, name="Draft Denim Works", description="Denim weaving.")
    quiet = create_profile(tarik, name="Quiet Denim Mills", description="Denim finishing.")
    services.sme_profile_validate(by=tarik, profile=quiet)
    eager = create_profile(tarik, name="Eager Denim Co", description="Denim jackets.")
    services.sme_profile_set_public(by=tarik, profile=eager, public=True, consent_note="Mail")
    return [draft, quiet, eager]


def api_json(client, method: str, path: str, data=None):
    call = getattr(client, method)
    if data is None:
        return call(path)
    return call(path, data=data, content_type="application/json")


# --------------------------------------------------------------------------- public


def test_the_empty_directory_says_no_sme_was_introduced_yet(client, reference_data):
    page = client.get("/directory/").content.decode()
    assert "No SME has been introduced yet by the member states' SME organizations" in page


def test_the_public_sees_only_public_validated_profiles_without_contact_details(
    client, listed, unlisted
):
    page = client.get("/directory/").content.decode()
    assert "Anatolia Textiles" in page
    for hidden in unlisted:
        assert hidden.name not in page
        assert client.get(f"/directory/{hidden.slug}/").status_code == 404
        assert client.get(f"/api/v1/sme-profiles/{hidden.slug}/").status_code == 404
    detail = client.get(f"/directory/{listed.slug}/").content.decode()
    assert "5208" in detail and "Ayşe Kaya" in detail
    assert "ayse@anatolia-textiles.example" not in detail and "+90 258" not in detail
    api = client.get("/api/v1/sme-profiles/").json()
    assert [row["slug"] for row in api["results"]] == [listed.slug]
    assert api["results"][0]["contact_email"] is None
    assert api["results"][0]["contact_phone"] is None


def test_text_search_ranks_and_highlights_public_profiles_only(client, listed, unlisted):
    page = client.get("/directory/", {"q": "denim"}).content.decode()
    assert "No company matches these filters." in page
    page = client.get("/directory/", {"q": "cotton"}).content.decode()
    assert "<mark>cotton</mark>" in page.lower() or "<mark>Cotton</mark>" in page
    api = client.get("/api/v1/sme-profiles/", {"q": "denim"}).json()
    assert api["results"] == []


@pytest.mark.parametrize(
    "query, found",
    [
        ({"country": "TR"}, True),
        ({"country": "MY"}, False),
        ({"sector": "C"}, True),
        ({"sector": "A"}, False),
        ({"size": "small"}, True),
        ({"size": "medium"}, False),
        ({"hs": "52"}, True),
        ({"hs": "6302"}, True),
        ({"hs": "61"}, False),
        ({"certification": "iso 9001"}, True),
        ({"certification": "halal"}, False),
        ({"market": "de"}, True),
        ({"market": "NG"}, False),
    ],
)
def test_the_public_directory_filters(client, listed, query, found):
    page = client.get("/directory/", query).content.decode()
    assert ("Anatolia Textiles" in page) is found
    api = client.get("/api/v1/sme-profiles/", query).json()
    assert bool(api["results"]) is found


def test_a_wrong_filter_is_explained_and_the_others_still_apply(client, listed):
    page = client.get("/directory/", {"hs": "52x", "country": "MY"}).content.decode()
    assert "Give 1 to 6 digits." in page
    assert "Anatolia Textiles" not in page  # Malaysia still filters
    page = client.get("/directory/", {"hs": "52x", "market": "DE"}).content.decode()
    assert "Anatolia Textiles" in page


def test_members_see_the_contact_details(client, signed_in, member_user, listed):
    signed_in(member_user)
    detail = client.get(f"/directory/{listed.slug}/").content.decode()
    assert "ayse@anatolia-textiles.example" in detail and "+90 258" in detail
    api = client.get(f"/api/v1/sme-profiles/{listed.slug}/").json()
    assert api["contact_email"] == "ayse@anatolia-textiles.example"


def test_a_signed_in_outsider_sees_what_the_public_sees(
    client, signed_in, outsider, listed, unlisted
):
    signed_in(outsider)
    assert "ayse@" not in client.get(f"/directory/{listed.slug}/").content.decode()
    for hidden in unlisted:
        assert client.get(f"/directory/{hidden.slug}/").status_code == 404
    assert client.get("/directory/manage/").status_code == 404
    assert client.get("/directory/manage/export.csv").status_code == 404
    assert client.get(f"/directory/manage/{listed.slug}/").status_code == 404


def test_the_public_is_sent_to_sign_in_for_managing_pages(client, listed):
    for path in ["/directory/manage/", "/directory/manage/new/", "/directory/manage/export.csv"]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


# --------------------------------------------------------------------------- focal points


def test_a_focal_point_creates_a_profile_on_the_page_and_hears_of_a_wrong_hs_code(
    client,
    signed_in,
    tarik,  # noqa: F811
):
    signed_in(tarik)
    form = {
        "name": "Konya Machine Parts",
        "description": "Precision machined parts.",
        "isic_section": "C",
        "size_class": "medium",
        "products": "8483 Transmission shafts\n848 Gears",
        "export_markets": "DE, XX",
    }
    page = client.post("/directory/manage/new/", form).content.decode()
    assert "Line 2: “848” is not an HS code" in page
    assert "“XX” is not an ISO 3166 country code" in page
    assert SmeProfile.objects.count() == 0

    form.update(products="8483 Transmission shafts\n8484 Gaskets", export_markets="DE, MY")
    response = client.post("/directory/manage/new/", form)
    profile = SmeProfile.objects.get()
    assert response["Location"] == f"/directory/manage/{profile.slug}/"
    assert profile.member_state.code == "TR" and profile.status == "draft"
    assert client.post(f"/directory/manage/{profile.slug}/validate/").status_code == 302
    assert SmeProfile.objects.get().status == "validated"


def test_a_focal_point_of_another_state_is_refused_everywhere_and_nothing_changes(
    client,
    signed_in,
    maya,  # noqa: F811
    listed,
    unlisted,
):
    signed_in(maya)
    before = {p.pk: snapshot(p) for p in [listed, *unlisted]}
    for profile in [listed, *unlisted]:
        slug = profile.slug
        assert client.get(f"/directory/manage/{slug}/").status_code == 404
        for action in ["validate", "archive", "invite"]:
            assert client.post(f"/directory/manage/{slug}/{action}/").status_code == 404
        assert client.post(f"/directory/{slug}/edit/", {"name": "Mine"}).status_code == 404
        assert client.post(f"/directory/{slug}/publication/", {"public": "no"}).status_code == 404
    # The API: unlisted profiles do not exist for her; the listed one is refused.
    for profile in unlisted:
        path = f"/api/v1/sme-profiles/{profile.slug}/validate/"
        assert api_json(client, "post", path, {}).status_code == 404
    refused = api_json(client, "post", f"/api/v1/sme-profiles/{listed.slug}/archive/", {})
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    refused = api_json(client, "patch", f"/api/v1/sme-profiles/{listed.slug}/", {"name": "X"})
    assert refused.status_code == 404
    created = api_json(client, "post", "/api/v1/sme-profiles/", {
        "member_state": "TR", "name": "Intruder", "description": "x", "isic_section": "C",
        "size_class": "small",
    })  # fmt: skip
    assert created.status_code == 403
    assert {p.pk: snapshot(p) for p in [listed, *unlisted]} == before
    assert SmeProfile.objects.count() == 4 and mail.outbox == []
    # Her own list is empty: Malaysia has no profile yet.
    assert (
        "No SME has been introduced yet for your state"
        in client.get("/directory/manage/").content.decode()
    )


def test_the_api_creates_validates_and_explains_bad_codes(
    client,
    signed_in,
    tarik,  # noqa: F811
):
    signed_in(tarik)
    body = {
        "member_state": "TR", "name": "Bursa Silk", "description": "Silk scarves.",
        "isic_section": "C", "size_class": "micro", "size_definition": "TR-2025",
        "products": [{"hs_code": "5007", "description": "Woven silk"},
                     {"hs_code": "50071", "description": "Bad"}],
        "export_markets": ["FR", "QQ"],
    }  # fmt: skip
    refused = api_json(client, "post", "/api/v1/sme-profiles/", body)
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert errors["products"] == [
        "Line 2: “50071” is not an HS code: give 2, 4 or 6 digits, e.g. 52 or 5208."
    ]
    assert errors["export_markets"] == [
        "“QQ” is not an ISO 3166 country code (two letters, e.g. TR, MY, DE)."
    ]
    assert SmeProfile.objects.count() == 0

    body["products"] = body["products"][:1]
    body["export_markets"] = ["FR"]
    created = api_json(client, "post", "/api/v1/sme-profiles/", body)
    assert created.status_code == 201, created.json()
    slug = created.json()["slug"]
    assert created.json()["contact_email"] == ""  # a manager sees it (empty here)
    validated = api_json(client, "post", f"/api/v1/sme-profiles/{slug}/validate/", {})
    assert validated.json()["status"] == "validated"
    patched = api_json(client, "patch", f"/api/v1/sme-profiles/{slug}/", {"employees": 4})
    assert patched.json()["employees"] == 4 and patched.json()["products"][0]["hs_code"] == "5007"
    published = api_json(
        client, "post", f"/api/v1/sme-profiles/{slug}/publication/", {"public": True}
    )
    assert published.status_code == 400 and "consent_note" in published.json()["errors"]


def test_the_public_cannot_write_through_the_api(client, listed):
    before = snapshot(listed)
    assert api_json(client, "post", "/api/v1/sme-profiles/", {"name": "x"}).status_code == 401
    for action in ["validate", "archive", "publication", "invitations"]:
        path = f"/api/v1/sme-profiles/{listed.slug}/{action}/"
        assert api_json(client, "post", path, {}).status_code == 401
    assert snapshot(listed) == before


def test_exports_hold_the_managers_profiles_and_read_back(
    client,
    signed_in,
    tarik,  # noqa: F811
    maya,  # noqa: F811
    listed,
    unlisted,
):
    services.sme_profile_update(
        by=tarik, profile=listed,
        data=services.ProfileInput(
            name="Anatolia Textiles", description="=cmd|' /C calc'!A0", isic_section="C",
            size_class="small",
        ),
    )  # fmt: skip
    signed_in(tarik)
    response = client.get("/directory/manage/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["name"] for r in rows) == sorted(p.name for p in [listed, *unlisted])
    row = next(r for r in rows if r["name"] == "Anatolia Textiles")
    assert row["description"] == "'=cmd|' /C calc'!A0"
    book = load_workbook(io.BytesIO(client.get("/directory/manage/export.xlsx").content))
    assert book.active.max_row == 5
    assert client.get("/directory/manage/export.pdf").status_code == 404

    signed_in(maya)
    rows = list(
        csv.DictReader(io.StringIO(client.get("/directory/manage/export.csv").content.decode()))
    )
    assert rows == []


# --------------------------------------------------------------------------- invitations


def _invite(client, signed_in, tarik, profile) -> str:  # noqa: F811
    signed_in(tarik)
    response = client.post(
        f"/directory/manage/{profile.slug}/invite/", {"email": "", "language": "en"}
    )
    assert response.status_code == 302
    manage_page = client.get(f"/directory/manage/{profile.slug}/").content.decode()
    assert "Invitation sent to ayse@anatolia-textiles.example." in manage_page
    assert "<td>Pending</td>" in manage_page
    client.logout()
    line = next(li for li in mail.outbox[-1].body.splitlines() if "/directory/invitations/" in li)
    return line.strip().removeprefix("http://testserver")


def test_the_invitation_link_creates_the_maintainer_once(
    client,
    signed_in,
    tarik,  # noqa: F811
    listed,
    unlisted,
):
    path = _invite(client, signed_in, tarik, listed)
    assert mail.outbox[-1].to == ["ayse@anatolia-textiles.example"]

    assert "Choose your password" in client.get(path).content.decode()
    response = client.post(path, {"password1": PASSWORD + "x", "password2": PASSWORD + "x"})
    assert response["Location"] == f"/directory/{listed.slug}/"
    listed.refresh_from_db()
    ayse = listed.maintainer
    assert ayse.email == "ayse@anatolia-textiles.example"

    # She edits her own profile; it goes back to awaiting validation
    form = {
        "name": "Anatolia Textiles", "description": "Organic cotton fabrics.",
        "isic_section": "C", "size_class": "small", "products": "5208 Woven cotton fabrics",
    }  # fmt: skip
    assert client.post(f"/directory/{listed.slug}/edit/", form).status_code == 302
    listed.refresh_from_db()
    assert listed.description == "Organic cotton fabrics." and listed.status == "draft"
    # ... but no other
    other = unlisted[0]
    before = snapshot(other)
    assert client.post(f"/directory/{other.slug}/edit/", form).status_code == 404
    assert client.get(f"/directory/manage/{listed.slug}/").status_code == 404
    patch = api_json(client, "patch", f"/api/v1/sme-profiles/{other.slug}/", {"name": "x"})
    assert patch.status_code == 404
    assert snapshot(other) == before

    # The link works once
    client.logout()
    used = client.get(path)
    assert used.status_code == 410 and "It has been used already" in used.content.decode()


def test_a_tampered_or_expired_invitation_link_does_not_work(
    client,
    signed_in,
    tarik,  # noqa: F811
    listed,
):
    path = _invite(client, signed_in, tarik, listed)
    tampered = path.rstrip("/")[:-3] + "abc/"
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 404

    MaintainerInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.post(path, {"password1": PASSWORD + "x", "password2": PASSWORD + "x"})
    assert expired.status_code == 410 and "It has expired" in expired.content.decode()
    listed.refresh_from_db()
    assert listed.maintainer is None


def test_the_maintainer_opts_out_of_the_public_directory(
    client,
    signed_in,
    tarik,  # noqa: F811
    listed,
):
    path = _invite(client, signed_in, tarik, listed)
    client.post(path, {"password1": PASSWORD + "x", "password2": PASSWORD + "x"})
    client.post(f"/directory/{listed.slug}/publication/", {"public": "no"})
    listed.refresh_from_db()
    assert listed.public is False
    client.logout()
    assert client.get(f"/directory/{listed.slug}/").status_code == 404


def test_the_directory_and_the_api_list_cost_the_same_queries_for_one_or_many_profiles(
    client,
    tarik,  # noqa: F811
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def publish(name: str) -> None:
        profile = create_profile(tarik, name=name)
        services.sme_profile_validate(by=tarik, profile=profile)
        services.sme_profile_set_public(by=tarik, profile=profile, public=True, consent_note="F")

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    publish("First SME")
    one = (count("/directory/"), count("/api/v1/sme-profiles/"))
    for number in range(2, 7):
        publish(f"SME number {number}")
    assert (count("/directory/"), count("/api/v1/sme-profiles/")) == one


def test_the_main_menu_and_the_focal_points_workspace_link_to_the_directory(
    client,
    signed_in,
    tarik,  # noqa: F811
    member_user,
):
    main_menu = client.get("/directory/").content.decode().split('id="main-nav"')[1]
    assert 'href="/directory/" aria-current="page">SME directory</a>' in main_menu
    signed_in(tarik)
    assert 'href="/directory/manage/"' in client.get("/workspace/").content.decode()
    signed_in(member_user)  # an observer manages no state's profiles
    assert 'href="/directory/manage/"' not in client.get("/workspace/").content.decode()
