"""Published national SME counts: shipped from the shared facts, shown on /statistics/ with
the comparison caveat, downloadable as CSV and readable through the API by anyone."""

import csv
import io
import re
from decimal import Decimal

import pytest

from d8coop.reference_data.loader import load_reference_data
from d8coop.statistics.models import PublishedAggregate

pytestmark = pytest.mark.django_db

# Every figure of "SME counts (latest official figures found)" in shared/reference/d8-facts.md:
# (country, year, period as written, size class, measure, value, published as).
SHARED_TABLE = {
    ("TR", 2024, "", "msme", "enterprises", "3928385", ""),
    ("TR", 2024, "", "msme", "share_of_enterprises", "99.6", ""),
    ("TR", 2024, "", "msme", "share_of_employment", "68.5", ""),
    ("MY", 2023, "", "msme", "enterprises", "1101725", ""),
    ("MY", 2023, "", "msme", "share_of_enterprises", "96.9", ""),
    ("MY", 2023, "", "micro", "share_of_msmes", "69.7", ""),
    ("MY", 2023, "", "small", "share_of_msmes", "28.5", ""),
    ("MY", 2023, "", "medium", "share_of_msmes", "1.8", ""),
    ("ID", 2021, "", "msme", "enterprises", "64200000", "64.2 million"),
    ("ID", 2021, "", "micro", "enterprises", "63955369", ""),
    ("ID", 2021, "", "small", "enterprises", "193959", ""),
    ("ID", 2021, "", "medium", "enterprises", "44728", ""),
    ("NG", 2020, "", "msme", "enterprises", "39654385", ""),
    ("EG", 2017, "2017/18", "msme", "enterprises", "3653000", "3.653 million"),
    ("EG", 2017, "2017/18", "micro", "enterprises", "3400000", "3.4 million"),
    ("EG", 2017, "2017/18", "small", "enterprises", "216900", ""),
    ("EG", 2017, "2017/18", "medium", "enterprises", "2181", ""),
    ("PK", 2023, "", "total", "establishments", "7142941", ""),
    ("BD", 2013, "", "total", "economic_units", "7800000", "7.8 million"),
}
SOURCES = {
    "TR": "Turkish Statistical Institute (TÜİK)",
    "MY": "Department of Statistics Malaysia (DOSM)",
    "ID": "Ministry of Cooperatives and SMEs of Indonesia (KemenKopUKM)",
    "NG": "National Bureau of Statistics (NBS) and SMEDAN, Nigeria",
    "EG": "Central Agency for Public Mobilization and Statistics (CAPMAS), Egypt",
    "PK": "Pakistan Bureau of Statistics (PBS)",
    "BD": "Bangladesh Bureau of Statistics (BBS)",
}


def _loaded():
    return {
        (f.country.code, f.year, f.period_text, f.size_class, f.measure,
         f"{f.value.normalize():f}", f.published_as)
        for f in PublishedAggregate.objects.select_related("country")
    }  # fmt: skip


def test_the_loaded_figures_are_exactly_the_shared_table(reference_data):
    assert _loaded() == SHARED_TABLE
    for figure in PublishedAggregate.objects.select_related("country", "source"):
        assert figure.source.publisher == SOURCES[figure.country.code]
    pakistan = PublishedAggregate.objects.get(country__code="PK")
    assert pakistan.note == "95% have fewer than 10 workers."


def test_azerbaijan_and_iran_have_no_figure(reference_data):
    assert not PublishedAggregate.objects.filter(country__code__in=["AZ", "IR"]).exists()


def test_a_second_load_changes_no_figure(reference_data):
    report = load_reference_data()
    assert not report.changed, report.summary()
    assert _loaded() == SHARED_TABLE
    assert PublishedAggregate.history.count() == len(SHARED_TABLE)


def test_a_figure_corrected_in_the_back_office_is_kept_by_the_next_load(reference_data):
    figure = PublishedAggregate.objects.get(country__code="NG")
    figure.value = Decimal("39654386")
    figure._change_reason = "corrected by the secretariat"
    figure.save()
    report = load_reference_data()
    assert report.kept["published aggregates"] == 1
    figure.refresh_from_db()
    assert figure.value == Decimal("39654386")


# -- The page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_everyone_reads_the_statistics_page(
    client, signed_in, request, who, reference_data, django_assert_max_num_queries
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    with django_assert_max_num_queries(10):
        response = client.get("/statistics/")
    assert response.status_code == 200
    page = response.content.decode()
    text_only = re.sub(r"<[^>]+>", "", page)
    # The caveat beside the comparison, linking to the definitions
    assert "Compare with care" in page
    assert "these figures are not directly comparable" in page
    assert 'href="/statistics/definitions/"' in page
    # The figures, rounded ones as published, the class breakdown and the shares
    for text in ("3,928,385", "64,200,000", "(published as 64.2 million)", "Micro: 63,955,369",
                 "Medium: 2,181", "2017/18", "7,142,941", "establishments", "economic units",
                 "Micro, share of MSMEs (%): 69.7", "MSMEs, share of employment (%): 68.5",
                 "95% have fewer than 10 workers."):  # fmt: skip
        assert text in text_only, text
    # Every source, and each country's definition certainty in words
    for publisher in SOURCES.values():
        assert publisher in page, publisher
    assert "Certainty: Verified" in page and "Certainty: Not found" in page
    # Azerbaijan and Iran: said, not left out
    assert page.count("No published figure found.") == 2


def test_the_bars_are_hidden_from_screen_readers_and_scale_to_the_largest_count(
    client, reference_data
):
    page = client.get("/statistics/").content.decode()
    assert page.count('class="scorecard-bar d-flex flex-grow-1" aria-hidden="true"') == 7
    assert 'style="width: 100.0%"' in page  # Indonesia, the largest count
    assert 'style="width: 0.0%"' not in page


def test_the_statistics_page_is_linked_from_the_footer_and_the_definitions(client, reference_data):
    assert 'href="/statistics/"' in client.get("/").content.decode()
    assert 'href="/statistics/"' in client.get("/statistics/definitions/").content.decode()


def test_the_statistics_page_reads_right_to_left_in_arabic(client, reference_data):
    client.cookies["django_language"] = "ar"
    page = client.get("/statistics/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in page


def test_the_table_downloads_as_csv_with_every_figure_and_its_source(client, reference_data):
    response = client.get("/statistics/published-sme-counts.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    figures = [r for r in rows if r["value"]]
    assert {
        (r["country_code"], r["period"], r["size_class"], r["measure"], r["value"]) for r in figures
    } == {(c, p or str(y), s, m, v) for c, y, p, s, m, v, _ in SHARED_TABLE}
    indonesia = next(r for r in figures if r["country_code"] == "ID" and r["size_class"] == "msme")
    assert indonesia["published_as"] == "64.2 million"
    assert indonesia["source_publisher"] == SOURCES["ID"]
    missing = [r for r in rows if not r["value"]]
    assert {r["country_code"] for r in missing} == {"AZ", "IR"}
    assert {r["note"] for r in missing} == {"No published figure found."}


# -- API -----------------------------------------------------------------------------------------

API = "/api/v1/statistics/published-aggregates/"


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_api_lists_published_figures_to_everyone(client, signed_in, request, who,
                                                     reference_data):  # fmt: skip
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    body = client.get(API).json()
    assert body["count"] == len(SHARED_TABLE)


def test_the_api_filters_by_country_and_year(client, reference_data):
    egypt = client.get(API, {"country": "eg", "year": 2017}).json()["results"]
    assert {(f["size_class"], f["value"], f["period_text"]) for f in egypt} == {
        ("msme", "3653000.00", "2017/18"),
        ("micro", "3400000.00", "2017/18"),
        ("small", "216900.00", "2017/18"),
        ("medium", "2181.00", "2017/18"),
    }
    assert egypt[0]["source"] == "eg-capmas-census-2017-18"
    assert client.get(API, {"country": "eg", "year": 2018}).json()["count"] == 0
    assert client.get(API, {"country": "az"}).json()["count"] == 0


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_published_figures_api_is_read_only(client, signed_in, request, who, reference_data):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    response = client.post(API, {"country": "AZ", "year": 2024, "value": 1})
    assert response.status_code in (401, 403, 405)
    assert set(response.json()) >= {"code", "message"}
    assert PublishedAggregate.objects.count() == len(SHARED_TABLE)
