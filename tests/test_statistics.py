"""SME definitions and exchange rates as shipped data: loaded idempotently, edited in the back
office with clear refusals, shown on a public page and through the API."""

import json
from datetime import date
from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.urls import reverse

from d8coop.accounts.roles import secretariat_group
from d8coop.members.models import MemberState
from d8coop.reference_data.loader import DATA_DIR, load_reference_data
from d8coop.statistics import selectors
from d8coop.statistics.engine.classifier import EnterpriseRecord, classify
from d8coop.statistics.models import ExchangeRate, SmeDefinition

pytestmark = pytest.mark.django_db

# shared/reference/sme-definitions.yaml: 13 entries, plus the earlier versions it describes
# (TR 2018 and 2022 under TR-2023, the superseded 2016 Bangladeshi thresholds under BD-2022).
SHARED_DEFINITIONS = 13
EARLIER_VERSIONS = 3
# shared/reference/exchange-rates.csv: 10 currencies x 2015-2025, less IRR 2024 and 2025.
SHARED_RATES = 108


def test_every_definition_and_rate_of_the_shared_files_is_shipped(reference_data):
    assert SmeDefinition.objects.count() == SHARED_DEFINITIONS + EARLIER_VERSIONS
    assert ExchangeRate.objects.count() == SHARED_RATES
    assert not ExchangeRate.objects.filter(currency="IRR", year__gte=2024).exists()
    assert ExchangeRate.objects.get(currency="TRY", year=2023).lcu_per_usd == Decimal("23.7386")
    assert "OFFICIAL rate only" in ExchangeRate.objects.get(currency="IRR", year=2019).note
    assert set(SmeDefinition.objects.values_list("source__key", flat=True)) == {
        "sme-definitions-2026"
    }


def test_every_shipped_definition_is_one_the_engine_can_use(reference_data):
    for definition in SmeDefinition.objects.all():
        definition.full_clean()  # raises on a band or rule the engine refuses


def test_a_second_load_changes_no_definition_and_no_rate(reference_data):
    history = (
        SmeDefinition.history.count(),
        ExchangeRate.history.count(),
    )
    report = load_reference_data()
    assert not report.changed
    assert (SmeDefinition.history.count(), ExchangeRate.history.count()) == history


def test_versions_of_a_country_follow_each_other_without_a_gap(reference_data):
    turkey = SmeDefinition.objects.filter(country__code="TR").order_by("effective_from")
    assert [(d.code, d.effective_from, d.effective_to) for d in turkey] == [
        ("TR-2018", date(2018, 6, 24), date(2022, 3, 17)),
        ("TR-2022", date(2022, 3, 18), date(2023, 5, 24)),
        ("TR-2023", date(2023, 5, 25), date(2025, 8, 6)),
        ("TR-2025", date(2025, 8, 7), None),
    ]
    bangladesh = SmeDefinition.objects.get(code="BD-2016")
    assert (bangladesh.effective_from, bangladesh.effective_to) == (None, date(2022, 9, 28))


def test_the_certainty_of_each_definition_comes_from_the_shared_status(reference_data):
    certainty = dict(SmeDefinition.objects.values_list("code", "certainty"))
    assert certainty["TR-2023"] == "verified"  # verified-secondary
    assert certainty["TR-2025"] == "partially_verified"
    assert certainty["BD-2022"] == "unverified"  # secondary-unconfirmed
    iran = SmeDefinition.objects.get(code="IR")
    assert (iran.certainty, iran.bands, iran.rule) == ("not_found", [], "")


@pytest.mark.parametrize(
    ("code", "day", "expected"),
    [
        ("TR", date(2022, 3, 17), "TR-2018"),
        ("TR", date(2022, 3, 18), "TR-2022"),
        ("tr", date(2024, 1, 1), "TR-2023"),
        ("TR", date(2025, 8, 7), "TR-2025"),
        ("BD", date(2020, 1, 1), "BD-2016"),
        ("BD", date(2023, 1, 1), "BD-2022"),
        ("IR", date(2024, 1, 1), "IR"),
        ("MY", date(2013, 12, 31), None),
    ],
)
def test_the_definition_in_force_on_a_day(reference_data, code, day, expected):
    found = selectors.definition_for(code, day)
    assert (found.code if found else None) == expected


def test_the_rate_table_feeds_the_engine(reference_data):
    rates = selectors.rates_table([2023, 2024])
    assert rates.lcu_per_usd("TRY", 2023) == Decimal("23.7386")
    assert rates.lcu_per_usd("TRY", 2019) is None  # not asked for
    assert rates.lcu_per_usd("IRR", 2024) is None
    eu = SmeDefinition.objects.get(code="EU-2003").engine_definition()
    record = EnterpriseRecord(employees=5, turnover=Decimal(1000), year=2024, currency="IRR")
    assert classify(record, eu, rates).reason == "no exchange rate for IRR 2024"


def _definition(**changes) -> SmeDefinition:
    values = {
        "code": "TR-2027",
        "name": "KOBİ definition (2027)",
        "country": MemberState.objects.get(code="TR"),
        "kind": SmeDefinition.Kind.NATIONAL,
        "effective_from": date(2027, 1, 1),
        "currency": "TRY",
        "rule": "employees and (turnover or assets)",
        "bands": [{"sector": "all", "classes": {"micro": {"employees": "< 10",
                   "turnover": "<= 20000000", "assets": "<= 20000000"}}}],
        "certainty": SmeDefinition.Certainty.UNVERIFIED,
        "source_id": SmeDefinition.objects.first().source_id,
    }  # fmt: skip
    return SmeDefinition(**{**values, **changes})


def test_a_bad_band_is_refused_on_the_bands_field_with_a_clear_message(reference_data):
    bad = _definition(bands=[{"sector": "all", "classes": {"micro": {"employees": "ten"}}}])
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "“ten” is not a bound" in caught.value.message_dict["bands"][0]


def test_a_bad_rule_is_refused_on_the_rule_field(reference_data):
    with pytest.raises(ValidationError) as caught:
        _definition(rule="employees and profit").full_clean()
    assert "Unknown criterion “profit”" in caught.value.message_dict["rule"][0]


def test_versions_of_a_country_may_not_overlap(reference_data):
    # TR-2025 has no end: a 2027 version must wait until it is ended.
    with pytest.raises(ValidationError) as caught:
        _definition().full_clean()
    assert "TR-2025" in caught.value.message_dict["effective_from"][0]
    SmeDefinition.objects.filter(code="TR-2025").update(effective_to=date(2026, 12, 31))
    _definition().full_clean()


def test_a_definition_without_thresholds_must_say_they_were_not_found(reference_data):
    with pytest.raises(ValidationError) as caught:
        _definition(code="XX", bands=[], effective_from=date(2030, 1, 1)).full_clean()
    assert "not found" in caught.value.message_dict["bands"][0]


# -- Back office ---------------------------------------------------------------------------------


@pytest.fixture
def secretariat_staff(secretariat):
    secretariat.groups.add(secretariat_group())
    return secretariat


def _admin_form(definition: SmeDefinition, **changes) -> dict:
    data = {
        "code": definition.code, "name": definition.name, "kind": definition.kind,
        "country": definition.country_id or "", "agency": definition.agency,
        "legal_basis": definition.legal_basis,
        "effective_from": definition.effective_from or "",
        "effective_to": definition.effective_to or "", "currency": definition.currency,
        "rule": definition.rule, "bands": json.dumps(definition.bands),
        "certainty": definition.certainty, "notes": definition.notes,
        "source": definition.source_id, "source_note": definition.source_note,
    }  # fmt: skip
    return {**data, **changes}


def test_the_secretariat_corrects_a_threshold_and_the_next_load_keeps_it(
    client, signed_in, secretariat_staff, reference_data
):
    signed_in(secretariat_staff)
    definition = SmeDefinition.objects.get(code="PK-2021")
    url = reverse("admin:statistics_smedefinition_change", args=[definition.pk])
    limits = {"micro": "<= 30000000", "small": "<= 150000000", "medium": "<= 800000000"}
    bands = [{"sector": "all", "classes": {k: {"turnover": v} for k, v in limits.items()}}]

    response = client.post(url, _admin_form(definition, bands=json.dumps(bands)))

    assert response.status_code == 302
    definition.refresh_from_db()
    assert definition.bands[0]["classes"]["micro"] == {"turnover": "<= 30000000"}
    report = load_reference_data()
    definition.refresh_from_db()
    assert "micro" in definition.bands[0]["classes"]
    assert report.kept == {"SME definitions": 1}


def test_a_bad_band_in_the_back_office_is_shown_next_to_the_field_and_changes_nothing(
    client, signed_in, secretariat_staff, reference_data
):
    signed_in(secretariat_staff)
    definition = SmeDefinition.objects.get(code="PK-2021")
    url = reverse("admin:statistics_smedefinition_change", args=[definition.pk])
    bands = '[{"sector": "all", "classes": {"small": {"turnover": "up to 150 million"}}}]'

    response = client.post(url, _admin_form(definition, bands=bands))

    assert response.status_code == 200
    assert "“up to 150 million” is not a bound" in response.content.decode()
    definition.refresh_from_db()
    assert definition.bands[0]["classes"]["small"] == {"turnover": "<= 150000000"}


def test_the_secretariat_adds_an_exchange_rate(
    client, signed_in, secretariat_staff, reference_data
):
    signed_in(secretariat_staff)
    source = ExchangeRate.objects.first().source_id
    response = client.post(
        reverse("admin:statistics_exchangerate_add"),
        {"currency": "irr", "year": 2024, "lcu_per_usd": "42000", "note": "official",
         "source": source, "source_note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert ExchangeRate.objects.get(currency="IRR", year=2024).lcu_per_usd == 42000


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member_user"])
def test_only_the_secretariat_edits_definitions(client, signed_in, request, who, reference_data):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    response = client.get(reverse("admin:statistics_smedefinition_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# -- The public page -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_everyone_reads_the_definitions_page(
    client, signed_in, request, who, reference_data, django_assert_max_num_queries
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    with django_assert_max_num_queries(12):
        response = client.get("/statistics/definitions/")
    assert response.status_code == 200
    page = response.content.decode()
    # Each country, its current and earlier versions, the rule in words and the limits
    for text in ("Türkiye", "TR-2023", "TR-2018", "Resmî Gazete 25.05.2023",
                 "Criteria that must be within a class&#x27;s limits: employees and "
                 "(turnover or assets).",
                 "Each criterion gives a class; the smaller class applies.",
                 "≤ 10,000,000", "&lt; 10", "Limits of MY-2014: <span lang=\"en\" dir=\"auto\">"
                 "manufacturing</span> (ISIC sections C)"):  # fmt: skip
        assert text in page, text
    # Certainty shown in words, not only in colour; unknown thresholds said as such
    assert "Certainty: Partially verified" in page
    assert "Certainty: Not found" in page
    assert "Thresholds not found: records are not classified under this definition." in page
    # The harmonized definitions and the rates, with their source and limits
    assert "EU-2003" in page and "IFC" in page and "D8-STAT" in page
    assert "42,000" in page and "no rate" in page
    assert "Known limits:" in page and "IRR is the official rate only" in page


def test_the_page_is_linked_from_every_page_footer(client, reference_data):
    assert 'href="/statistics/definitions/"' in client.get("/").content.decode()


def test_the_definitions_page_reads_right_to_left_in_arabic(client, reference_data):
    client.cookies["django_language"] = "ar"
    page = client.get("/statistics/definitions/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in page
    # The limits keep their left-to-right reading inside the right-to-left page
    assert '<span dir="ltr">&lt; 10</span>' in page


# -- API -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_api_lists_definitions_and_rates_to_everyone(client, signed_in, request, who,
                                                         reference_data):  # fmt: skip
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    definitions = client.get("/api/v1/statistics/definitions/").json()
    assert definitions["count"] == SHARED_DEFINITIONS + EARLIER_VERSIONS
    rates = client.get("/api/v1/statistics/exchange-rates/", {"currency": "irr"}).json()
    assert [r["year"] for r in rates["results"]] == list(range(2015, 2024))
    assert rates["results"][0]["source"] == "wb-wdi-pa-nus-fcrf"


def test_the_api_gives_one_definition_with_its_bands(client, reference_data):
    body = client.get("/api/v1/statistics/definitions/TR-2023/").json()
    assert body["country"] == "TR" and body["certainty"] == "verified"
    assert body["bands"][0]["classes"]["micro"]["employees"] == "< 10"
    turkey = client.get("/api/v1/statistics/definitions/", {"country": "tr"}).json()
    assert [d["code"] for d in turkey["results"]] == ["TR-2018", "TR-2022", "TR-2023", "TR-2025"]
    missing = client.get("/api/v1/statistics/definitions/XX-1999/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_api_is_read_only(client, signed_in, request, who, reference_data):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    response = client.post("/api/v1/statistics/definitions/", {"code": "X"})
    assert response.status_code in (401, 403, 405)
    assert set(response.json()) >= {"code", "message"}
    assert SmeDefinition.objects.count() == SHARED_DEFINITIONS + EARLIER_VERSIONS


def test_the_shipped_files_hold_what_the_counts_say():
    definitions = yaml.safe_load((DATA_DIR / "09_sme_definitions.yaml").read_text("utf-8"))
    rates = yaml.safe_load((DATA_DIR / "10_exchange_rates.yaml").read_text("utf-8"))
    assert len(definitions["sme_definitions"]) == SHARED_DEFINITIONS + EARLIER_VERSIONS
    assert len(rates["exchange_rates"]) == SHARED_RATES
