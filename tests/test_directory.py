"""The SME directory's services: profiles created, edited, validated and archived by a focal
point of their own state only; HS and country codes checked line by line; publication only by
the SME or with its recorded consent; invitations to keep a profile current (good, expired,
tampered, used twice); exports that read back and neutralise formulas."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from d8coop.core import spreadsheets
from d8coop.directory import codes, services
from d8coop.directory.models import MaintainerInvitation, Product, SmeProfile
from d8coop.members.models import MemberState, Organization
from d8coop.notifications.models import Kind, Notification
from d8coop.statistics.models import SmeDefinition
from tests.consultations_support import _reference_data_once  # noqa: F401 - a fixture
from tests.factories import appoint_focal_point

PASSWORD = "a-long-pass-42"


@pytest.fixture
def reference_data(_reference_data_once, db):  # noqa: F811
    """The D-8 record, loaded once for the module (rolled back after it)."""
    return _reference_data_once


@pytest.fixture
def tarik(reference_data, django_user_model):
    """Focal point of Türkiye."""
    user = django_user_model.objects.create_user(
        email="tarik.demir@kosgeb.example", password=PASSWORD
    )
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


@pytest.fixture
def maya(reference_data, django_user_model):
    """Focal point of Malaysia."""
    user = django_user_model.objects.create_user(email="maya@smecorp.example", password=PASSWORD)
    appoint_focal_point(user, "MY", started_on=date(2020, 1, 1))
    return user


def profile_input(**values) -> services.ProfileInput:
    arguments = {
        "name": "Anatolia Textiles",
        "description": "Woven cotton fabrics and home textiles.",
        "isic_section": "C",
        "size_class": "small",
        "city": "Denizli",
        "employees": 35,
        "size_definition": SmeDefinition.objects.get(code="TR-2025"),
        "certifications": ["ISO 9001", "OEKO-TEX"],
        "export_markets": ["de", "MY"],
        "products": [("5208", "Woven cotton fabrics"), ("6302.10", "Bed linen, knitted")],
        "contact_name": "Ayşe Kaya",
        "contact_email": "ayse@anatolia-textiles.example",
        "contact_phone": "+90 258 000 00 00",
        "website": "https://anatolia-textiles.example",
        **values,
    }
    return services.ProfileInput(**arguments)


def create_profile(by, code="TR", **values) -> SmeProfile:
    return services.sme_profile_create(
        by=by, member_state=MemberState.objects.get(code=code), data=profile_input(**values)
    )


def snapshot(profile: SmeProfile) -> tuple:
    profile = SmeProfile.objects.get(pk=profile.pk)
    products = tuple(profile.products.values_list("hs_code", "description"))
    return (profile.name, profile.status, profile.public, profile.maintainer_id, products)


# --------------------------------------------------------------------------- codes


def test_hs_codes_of_2_4_or_6_digits_of_an_existing_chapter_are_accepted():
    products, errors = codes.check_products(
        [("52", "Cotton"), ("5208", "Fabrics"), ("520811", "Plain")]
    )
    assert errors == []
    assert [p.hs_code for p in products] == ["52", "5208", "520811"]


@pytest.mark.parametrize(
    "code, expected",
    [
        ("520", "Line 2: “520” is not an HS code: give 2, 4 or 6 digits"),
        ("52A8", "Line 2: “52A8” is not an HS code"),
        ("7701", "Line 2: “7701” is not an HS code: chapter 77 does not exist."),
        ("9801", "chapter 98 does not exist"),
        ("00", "chapter 00 does not exist"),
    ],
)
def test_a_wrong_hs_code_is_refused_naming_its_line(code, expected):
    _products, errors = codes.check_products([("5208", "Fabrics"), (code, "Something")])
    assert len(errors) == 1
    assert expected in errors[0]


def test_a_product_without_description_or_repeated_is_refused_naming_its_line():
    _products, errors = codes.check_products([("5208", "Fabrics"), ("5208", "Again"), ("61", "")])
    assert errors == [
        "Line 2: HS code 5208 is already on line 1.",
        "Line 3: describe the product after its code.",
    ]


def test_product_lines_are_read_code_first():
    assert codes.parse_product_lines("5208 Woven cotton\n\n  6302.10 Bed linen ") == [
        ("5208", "Woven cotton"),
        ("6302.10", "Bed linen"),
    ]


def test_export_markets_must_be_iso_3166_codes():
    good, errors = codes.check_countries(["de", "MY", "XK", "Germany", "DE"])
    assert good == ["DE", "MY"]
    assert errors == [
        "“XK” is not an ISO 3166 country code (two letters, e.g. TR, MY, DE).",
        "“Germany” is not an ISO 3166 country code (two letters, e.g. TR, MY, DE).",
    ]


# --------------------------------------------------------------------------- profiles


def test_a_focal_point_introduces_an_sme_of_her_state_awaiting_validation(tarik):
    profile = create_profile(tarik)

    assert profile.status == SmeProfile.Status.DRAFT
    assert profile.public is False
    assert profile.created_by == tarik
    assert profile.export_markets == ["DE", "MY"]
    assert profile.size_class_basis.startswith("TR-2025")
    assert list(profile.products.values_list("hs_code", flat=True)) == ["5208", "630210"]
    assert profile.history.count() == 1
    assert SmeProfile.objects.public().count() == 0


def test_the_secretariat_introduces_an_sme_of_any_state(secretariat, reference_data):
    profile = create_profile(secretariat, "MY", size_definition=None)
    assert profile.member_state.code == "MY"


def test_a_focal_point_of_another_state_cannot_introduce_an_sme(maya):
    with pytest.raises(PermissionDenied):
        create_profile(maya, "TR")
    assert SmeProfile.objects.count() == 0


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_an_outsider_cannot_introduce_an_sme(who, outsider, reference_data):
    from django.contrib.auth.models import AnonymousUser

    user = outsider if who == "outsider" else AnonymousUser()
    with pytest.raises(PermissionDenied):
        create_profile(user, "TR")
    assert SmeProfile.objects.count() == 0


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(tarik):
    with pytest.raises(ValidationError) as refused:
        create_profile(
            tarik,
            name=" ",
            products=[("5208", "Fabrics"), ("999", "Bad")],
            export_markets=["TR", "ZZ"],
            size_definition=SmeDefinition.objects.get(code="MY-2014"),
            introduced_by=Organization.objects.filter(member_state__code="MY").first(),
            contact_email="not-an-address",
        )
    errors = refused.value.message_dict
    assert errors["name"] == ["Give the company's name."]
    assert errors["products"] == [
        "Line 2: “999” is not an HS code: give 2, 4 or 6 digits, e.g. 52 or 5208."
    ]
    assert errors["export_markets"] == [
        "“ZZ” is not an ISO 3166 country code (two letters, e.g. TR, MY, DE)."
    ]
    assert errors["size_definition"] == ["Choose a national SME definition of Türkiye."]
    assert errors["contact_email"] == ["Enter a valid e-mail address."]
    assert "introduced_by" in errors
    assert SmeProfile.objects.count() == 0 and Product.objects.count() == 0


def test_employees_above_the_national_ceiling_give_a_warning(tarik):
    profile = create_profile(tarik, size_class="micro", employees=12)
    warnings = services.size_class_warnings(profile)
    assert len(warnings) == 1
    assert (
        "12 persons employed is above the ceiling of a micro enterprise under TR-2025"
        in (warnings[0])
    )
    assert services.size_class_warnings(create_profile(tarik, name="Small one", employees=9)) == []


def test_the_focal_point_validates_and_the_profile_is_public_only_once_the_sme_agreed(tarik):
    profile = create_profile(tarik)

    services.sme_profile_validate(by=tarik, profile=profile)
    profile.refresh_from_db()
    assert profile.status == SmeProfile.Status.VALIDATED and profile.validated_by == tarik
    assert SmeProfile.objects.public().count() == 0  # validated, but no consent yet

    with pytest.raises(ValidationError) as refused:
        services.sme_profile_set_public(by=tarik, profile=profile, public=True)
    assert "Say how the SME agreed" in refused.value.message_dict["consent_note"][0]
    assert SmeProfile.objects.public().count() == 0

    services.sme_profile_set_public(
        by=tarik, profile=profile, public=True, consent_note="Signed form of 3 March 2026"
    )
    profile.refresh_from_db()
    assert list(SmeProfile.objects.public()) == [profile]
    assert profile.consent_recorded_by == tarik
    assert profile.consent_note == "Signed form of 3 March 2026"


def test_a_focal_point_of_another_state_cannot_edit_validate_archive_or_publish(tarik, maya):
    profile = create_profile(tarik)
    before = snapshot(profile)

    with pytest.raises(PermissionDenied):
        services.sme_profile_update(by=maya, profile=profile, data=profile_input(name="Taken"))
    with pytest.raises(PermissionDenied):
        services.sme_profile_validate(by=maya, profile=profile)
    with pytest.raises(PermissionDenied):
        services.sme_profile_archive(by=maya, profile=profile)
    with pytest.raises(PermissionDenied):
        services.sme_profile_set_public(by=maya, profile=profile, public=True, consent_note="x")
    with pytest.raises(PermissionDenied):
        services.maintainer_invitation_send(by=maya, profile=profile, site_url="http://t")

    assert snapshot(profile) == before
    assert profile.history.count() == 1
    assert MaintainerInvitation.objects.count() == 0 and mail.outbox == []


def test_editing_replaces_the_products_and_keeps_their_history(tarik):
    profile = create_profile(tarik)
    changed = services.sme_profile_update(
        by=tarik,
        profile=profile,
        data=profile_input(products=[("5208", "Woven cotton fabrics, dyed"), ("5209", "Denim")]),
    )
    assert changed is True
    assert list(profile.products.values_list("hs_code", "description")) == [
        ("5208", "Woven cotton fabrics, dyed"),
        ("5209", "Denim"),
    ]
    assert Product.history.filter(hs_code="630210", history_type="-").exists()
    assert services.sme_profile_update(by=tarik, profile=profile, data=profile_input(
        products=[("5208", "Woven cotton fabrics, dyed"), ("5209", "Denim")]
    )) is False  # fmt: skip


def test_archiving_withdraws_the_profile_and_validation_restores_it(tarik):
    profile = create_profile(tarik)
    services.sme_profile_validate(by=tarik, profile=profile)
    services.sme_profile_set_public(by=tarik, profile=profile, public=True, consent_note="Form")
    services.sme_profile_archive(by=tarik, profile=profile)
    assert SmeProfile.objects.public().count() == 0
    with pytest.raises(ValidationError):
        services.sme_profile_archive(by=tarik, profile=profile)
    services.sme_profile_validate(by=tarik, profile=profile)
    assert SmeProfile.objects.public().count() == 1


# --------------------------------------------------------------------------- invitations


def invite(tarik, profile, **values) -> tuple[MaintainerInvitation, str]:
    invitation = services.maintainer_invitation_send(
        by=tarik, profile=profile, site_url="https://d8.example", **values
    )
    link = [line for line in mail.outbox[-1].body.splitlines() if "/directory/invitations/" in line]
    return invitation, link[0].strip().removeprefix("https://d8.example")


def token_of(path: str) -> str:
    return path.strip("/").split("/")[-1]


def test_the_invitation_goes_to_the_sme_contact_with_a_link_that_works_once(tarik):
    profile = create_profile(tarik)
    invitation, path = invite(tarik, profile)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ayse@anatolia-textiles.example"]
    assert "Anatolia Textiles" in message.subject
    assert path in message.alternatives[0][0]  # the HTML part holds the same link

    found = services.invitation_by_token(token_of(path))
    assert found == invitation
    user = services.maintainer_invitation_accept(invitation=found, password=PASSWORD)
    profile.refresh_from_db()
    assert profile.maintainer == user and user.email == "ayse@anatolia-textiles.example"

    with pytest.raises(services.InvitationUnusable) as unusable:
        services.maintainer_invitation_accept(
            invitation=services.invitation_by_token(token_of(path)), password=PASSWORD
        )
    assert unusable.value.status == MaintainerInvitation.Status.ACCEPTED


def test_an_expired_invitation_cannot_be_accepted(tarik):
    profile = create_profile(tarik)
    earlier = timezone.now() - timedelta(days=30)
    _invitation, path = invite(tarik, profile, now=earlier)
    invitation = services.invitation_by_token(token_of(path))
    with pytest.raises(services.InvitationUnusable) as unusable:
        services.maintainer_invitation_accept(invitation=invitation, password=PASSWORD)
    assert unusable.value.status == MaintainerInvitation.Status.EXPIRED
    profile.refresh_from_db()
    assert profile.maintainer is None


def test_a_tampered_link_finds_no_invitation(tarik):
    profile = create_profile(tarik)
    _invitation, path = invite(tarik, profile)
    token = token_of(path)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert services.invitation_by_token(tampered) is None
    assert services.invitation_by_token("not-a-token") is None
    forged = services.signing.dumps({"n": "guess"}, salt="another-salt")
    assert services.invitation_by_token(forged) is None


def test_a_new_invitation_replaces_the_pending_one(tarik):
    profile = create_profile(tarik)
    first, _first_path = invite(tarik, profile)
    _second, _path = invite(tarik, profile, email="owner@anatolia-textiles.example")
    first.refresh_from_db()
    assert first.status == MaintainerInvitation.Status.REVOKED
    assert mail.outbox[-1].to == ["owner@anatolia-textiles.example"]


def test_the_maintainer_edits_only_its_own_profile_and_focal_points_are_told(tarik):
    profile = create_profile(tarik)
    other = create_profile(tarik, name="Aegean Olive Oil", contact_email="a@olive.example")
    services.sme_profile_validate(by=tarik, profile=profile)
    _invitation, path = invite(tarik, profile)
    ayse = services.maintainer_invitation_accept(
        invitation=services.invitation_by_token(token_of(path)), password=PASSWORD
    )
    other_before = snapshot(other)

    # Not another profile
    with pytest.raises(PermissionDenied):
        services.sme_profile_update(by=ayse, profile=other, data=profile_input(name="Mine now"))
    with pytest.raises(PermissionDenied):
        services.sme_profile_set_public(by=ayse, profile=other, public=True)
    with pytest.raises(PermissionDenied):
        services.sme_profile_validate(by=ayse, profile=profile)
    assert snapshot(other) == other_before

    # Her own: back to awaiting validation, focal points notified
    services.sme_profile_update(by=ayse, profile=profile, data=profile_input(employees=40))
    profile.refresh_from_db()
    assert profile.status == SmeProfile.Status.DRAFT and profile.employees == 40
    notice = Notification.objects.get(kind=Kind.SME_PROFILE)
    assert notice.recipient == tarik
    assert "Anatolia Textiles" in notice.subject

    # She opts in herself, without a note
    services.sme_profile_set_public(by=ayse, profile=profile, public=True)
    profile.refresh_from_db()
    assert profile.public is True and profile.consent_recorded_by == ayse


def test_the_maintainer_cannot_edit_an_archived_profile(tarik):
    profile = create_profile(tarik)
    _invitation, path = invite(tarik, profile)
    ayse = services.maintainer_invitation_accept(
        invitation=services.invitation_by_token(token_of(path)), password=PASSWORD
    )
    services.sme_profile_archive(by=tarik, profile=profile)
    with pytest.raises(PermissionDenied):
        services.sme_profile_update(by=ayse, profile=profile, data=profile_input(name="Back"))
    assert SmeProfile.objects.get(pk=profile.pk).name == "Anatolia Textiles"


# --------------------------------------------------------------------------- exports


def test_export_cells_that_look_like_formulas_stay_text():
    rows = [['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "plain", 35, None, True]]
    expected = ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "plain"]

    text = spreadsheets.to_csv(["a", "b", "c", "d", "e", "f", "g", "h"], rows)
    assert list(csv.reader(io.StringIO(text)))[1] == [*expected, "35", "", "true"]

    book = load_workbook(io.BytesIO(spreadsheets.to_xlsx(["a"] * 8, rows, sheet="t")))
    values = [cell.value for cell in next(book.active.iter_rows(min_row=2, max_row=2))]
    assert values == [*expected, 35, None, "true"]
