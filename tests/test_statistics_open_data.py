"""The SME database: tables built from an imported microdata file (exact counts, shares, US
dollars), statistical disclosure control for the public, the CSV and XLSX downloads, the
Frictionless Data Package (checked with the frictionless validator), the API and the 404s."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from frictionless import validate
from openpyxl import load_workbook

from d8coop.members.models import MemberState
from d8coop.statistics import imports, tables
from d8coop.statistics.models import ExchangeRate, Upload
from tests.factories import appoint_focal_point

pytestmark = pytest.mark.django_db

# Eight good rows, one rejected (ISIC "bad"). Under TR-2023: section C has four micro
# enterprises (staff 3+5+2+4=14, turnover 440,000) and one medium one (staff 50, turnover
# 5,000,000); section G has three micro ones (staff 1+2+1=4, turnover 60,000).
MICRODATA = (
    b"id,nace,staff,sales,exporter,women\n"
    b"T1,1011,3,100000,yes,no\nT2,1012,5,200000,no,yes\nT3,1020,2,50000,yes,\n"
    b"T4,1030,4,90000,,no\nT5,2511,50,5000000,yes,yes\nT6,4711,1,10000,no,no\n"
    b"T7,4719,2,20000,no,yes\nT8,4721,1,30000,no,\nT9,bad,3,100,no,no\n"
)
COLUMNS = {
    "enterprise_id": "id", "isic": "nace", "employees": "staff", "turnover": "sales",
    "exporter": "exporter", "women_owned": "women",
}  # fmt: skip
TRY_2023 = Decimal("23.738600")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATISTICS_MIN_CELL = 3


def import_file(code: str, year: int = 2023, data: bytes = MICRODATA) -> Upload:
    received = imports.upload_receive(
        user=None,
        file=ContentFile(data),
        filename=f"{code}.csv",
        country=MemberState.objects.get(code=code),
        year=year,
        via=Upload.Via.COMMAND,
        columns=COLUMNS,
    )
    upload = imports.upload_process(received.upload.pk)
    assert upload.status == Upload.Status.DONE, upload.message
    return upload


@pytest.fixture
def turkey_2023(reference_data):
    return import_file("TR")


@pytest.fixture
def focal_point(reference_data, django_user_model):
    user = django_user_model.objects.create_user(email="tarik@kosgeb.example")
    appoint_focal_point(user, "TR", started_on=date(2020, 1, 1))
    return user


def cells(rows) -> dict[tuple[str, str], tables.AggregateRow]:
    return {(r.isic_section, r.size_class): r for r in rows}


# -- tables ------------------------------------------------------------------------------------
def test_the_national_table_counts_the_imported_enterprises_with_shares(turkey_2023):
    rows = tables.aggregate_rows(disclose=True, country="TR", definition="national")

    by_cell = cells(rows)
    assert {r.definition_code for r in rows} == {"TR-2023"}
    micro_c = by_cell[("C", "micro")]
    assert (micro_c.enterprises, micro_c.employment) == (4, 14)
    assert micro_c.turnover == Decimal("440000.00")
    assert micro_c.turnover_reported == 4
    assert micro_c.enterprise_share == 0.5  # 4 of 8
    assert micro_c.employment_share == 14 / 68
    assert micro_c.turnover_usd == (Decimal("440000") / TRY_2023).quantize(Decimal("0.01"))
    assert micro_c.turnover_usd == Decimal("18535.21")
    # exporter: yes, no, yes, unanswered; women-owned: no, yes, unanswered, no
    assert micro_c.quality["exporter"] == (2 / 3, 3)
    assert micro_c.quality["women_owned"] == (1 / 3, 3)
    # no question on bank credit in the file: no share rather than 0 %
    assert micro_c.quality["bank_credit"] == (None, None)
    total = by_cell[("_T", "_T")]
    assert (total.enterprises, total.employment, total.turnover) == (8, 68, Decimal("5500000.00"))
    assert total.enterprise_share == 1.0
    assert by_cell[("_T", "micro")].enterprises == 7
    assert by_cell[("G", "_T")].employment == 4
    assert [(r.isic_section, r.size_class) for r in rows] == [
        ("C", "micro"), ("C", "medium"), ("C", "_T"), ("G", "micro"), ("G", "_T"),
        ("_T", "micro"), ("_T", "medium"), ("_T", "_T"),
    ]  # fmt: skip


def test_turnover_in_dollars_says_why_when_the_year_has_no_rate(turkey_2023):
    ExchangeRate.objects.filter(currency="TRY", year=2023).delete()

    row = cells(tables.aggregate_rows(disclose=True, definition="EU-2003"))[("_T", "_T")]

    assert row.turnover == Decimal("5500000.00")
    assert row.turnover_usd is None
    assert row.turnover_usd_note == "No exchange rate for TRY in 2023."


def test_the_public_sees_small_cells_suppressed_and_the_totals(turkey_2023):
    rows = cells(tables.aggregate_rows(disclose=False, definition="national"))

    medium = rows[("C", "medium")]  # one enterprise: its turnover would be its own
    assert medium.suppressed
    assert (medium.enterprises, medium.employment, medium.turnover) == (None, None, None)
    assert medium.enterprise_share is None and medium.quality["exporter"] == (None, None)
    assert rows[("_T", "medium")].suppressed
    micro_g = rows[("G", "micro")]  # three enterprises: shown
    assert not micro_g.suppressed and micro_g.enterprises == 3
    assert rows[("_T", "_T")].enterprises == 8
    assert rows[("C", "_T")].turnover == Decimal("5440000.00")


def test_the_quality_table_scores_the_upload(turkey_2023):
    table = tables.build_table("data-quality", disclose=False)

    (row,) = [dict(zip(table.field_names, values, strict=True)) for values in table.rows]
    assert (row["country"], row["year"]) == ("TR", 2023)
    assert (row["rows_read"], row["rows_accepted"], row["rows_rejected"]) == (9, 8, 1)
    assert row["validity"] == 8 / 9
    assert row["duplicates"] == 0
    assert row["completeness_exporter"] == 8 / 9
    assert row["completeness_women_owned"] == 7 / 9
    assert row["completeness_assets"] is None  # not in the file
    assert row["timeliness_days"] == (turkey_2023.created_at.date() - date(2023, 12, 31)).days


# -- page ------------------------------------------------------------------------------------
def test_the_database_page_shows_the_figures_with_the_chart_and_the_quality(client, turkey_2023):
    response = client.get(reverse("statistics:database"), {"definition": "EU-2003"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="img"' in html and "enterprises by size class, Türkiye 2023, EU-2003" in html
    assert "c: suppressed, because fewer than 3 enterprises" in html
    assert "Data quality of the current microdata uploads" in html
    totals = [r for r in response.context["rows"] if r.is_total]
    assert [(r.country_code, r.enterprises) for r in totals] == [("TR", 8)]
    assert response.context["caveat"] is None  # one member state: nothing compared


def test_the_page_says_compare_with_care_when_a_national_definition_is_unverified(
    client, turkey_2023
):
    import_file("BD")  # BD-2022: unverified

    response = client.get(reverse("statistics:database"), {"year": 2023})

    caveat = response.context["caveat"]
    assert caveat.uncertain == [("Bangladesh (BD-2022)", "Unverified")]
    assert "not directly comparable" in response.content.decode()


def test_the_page_without_data_points_to_the_published_totals(client, reference_data):
    response = client.get(reverse("statistics:database"))

    assert response.status_code == 200
    assert 'id="no-data"' in response.content.decode()
    assert reverse("statistics:overview") in response.content.decode()


def test_a_filter_value_not_offered_is_refused_with_the_page(client, turkey_2023):
    response = client.get(reverse("statistics:database"), {"definition": "XX-1999"})

    assert response.status_code == 400
    assert [r.definition_code for r in response.context["rows"] if r.is_total] == ["TR-2023"]


def test_a_focal_point_sees_every_cell_on_the_page(client, signed_in, focal_point, turkey_2023):
    signed_in(focal_point)

    response = client.get(reverse("statistics:database"))

    assert not any(r.suppressed for r in response.context["rows"])
    assert "c: suppressed" not in response.content.decode()


def test_the_page_is_linked_from_the_footer(client, reference_data):
    html = client.get("/").content.decode()

    assert f'href="{reverse("statistics:database")}"' in html


# -- downloads -------------------------------------------------------------------------------
def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _medium_c(rows: list[dict]) -> dict:
    return next(
        r for r in rows
        if r["definition"] == "TR-2023" and r["isic_section"] == "C" and r["size_class"] == "medium"
    )  # fmt: skip


def test_the_csv_download_suppresses_small_cells_for_the_public(client, turkey_2023):
    response = client.get(reverse("statistics:download", args=["sme-aggregates", "csv"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert len(rows) == 32  # 4 definitions x 8 cells and margins
    medium = _medium_c(rows)
    assert (medium["enterprises"], medium["turnover"], medium["suppressed"]) == ("c", "c", "true")
    total = next(r for r in rows if r["definition"] == "TR-2023" and r["size_class"] == "_T"
                 and r["isic_section"] == "_T")  # fmt: skip
    assert (total["enterprises"], total["employment"], total["turnover"]) == (
        "8",
        "68",
        "5500000.00",
    )
    assert total["turnover_usd"] == "231690.16"
    assert total["received_on"] == turkey_2023.created_at.date().isoformat()


def test_a_focal_point_downloads_every_figure(client, signed_in, focal_point, turkey_2023):
    signed_in(focal_point)

    response = client.get(reverse("statistics:download", args=["sme-aggregates", "csv"]))

    medium = _medium_c(_csv_rows(response))
    assert (medium["enterprises"], medium["employment"], medium["turnover"]) == (
        "1", "50", "5000000.00"
    )  # fmt: skip
    assert "no-store" in response["Cache-Control"]


def test_the_xlsx_download_holds_numbers_as_numbers(client, turkey_2023):
    response = client.get(reverse("statistics:download", args=["sme-aggregates", "xlsx"]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    values = list(sheet.values)
    header, rows = values[0], [dict(zip(values[0], v, strict=True)) for v in values[1:]]
    assert header[:3] == ("country", "year", "definition")
    micro_c = next(r for r in rows if r["definition"] == "TR-2023"
                   and (r["isic_section"], r["size_class"]) == ("C", "micro"))  # fmt: skip
    assert micro_c["year"] == 2023
    assert micro_c["enterprises"] == 4
    assert micro_c["turnover"] == 440000
    assert micro_c["enterprise_share"] == 0.5
    assert _medium_c(rows)["enterprises"] == "c"


@pytest.mark.parametrize("table", sorted(tables.BUILDERS))
def test_every_table_downloads_as_csv_and_xlsx(client, turkey_2023, table):
    built = tables.build_table(table, disclose=False)

    as_csv = client.get(reverse("statistics:download", args=[table, "csv"]))
    as_xlsx = client.get(reverse("statistics:download", args=[table, "xlsx"]))

    assert len(_csv_rows(as_csv)) == len(built.rows) > 0
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert len(list(sheet.values)) == len(built.rows) + 1


@pytest.mark.parametrize(
    "path",
    [
        "/statistics/downloads/sme-aggregates.json",
        "/statistics/downloads/members.csv",
        "/statistics/downloads/uploads.xlsx",
    ],
)
def test_an_unknown_table_or_format_is_not_found(client, reference_data, path):
    assert client.get(path).status_code == 404


def _package(client, tmp_path):
    response = client.get(reverse("statistics:data_package"))
    assert response.status_code == 200
    folder = tmp_path / "package"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(folder)
    return folder


def test_the_data_package_passes_the_frictionless_validator(client, turkey_2023, tmp_path):
    folder = _package(client, tmp_path)

    report = validate(str(folder / "datapackage.json"))

    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type"])
    assert len(report.tasks) == len(tables.BUILDERS)
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["sme-aggregates"] == 32
    assert rows["data-quality"] == 1


def test_a_broken_value_makes_the_data_package_invalid(client, turkey_2023, tmp_path):
    folder = _package(client, tmp_path)
    aggregates = folder / "sme-aggregates.csv"
    text = aggregates.read_text()
    aggregates.write_text(text.replace(",5500000.00,", ",five million,", 1))

    report = validate(str(folder / "datapackage.json"))

    assert not report.valid
    assert [task.name for task in report.tasks if not task.valid] == ["sme-aggregates"]
    assert report.flatten(["fieldName", "type"]) == [["turnover", "type-error"]]


def test_the_open_data_page_lists_every_download_with_its_rows(client, turkey_2023):
    response = client.get(reverse("statistics:open_data"))

    assert response.status_code == 200
    html = response.content.decode()
    for name in tables.BUILDERS:
        assert reverse("statistics:download", args=[name, "csv"]) in html
        assert reverse("statistics:download", args=[name, "xlsx"]) in html
    counts = {t.name: len(t.rows) for t in response.context["tables"]}
    assert counts["sme-aggregates"] == 32
    assert "CC-BY-4.0" in html
    assert reverse("statistics:data_package") in html


# -- API -------------------------------------------------------------------------------------
def test_the_api_filters_the_aggregates(client, turkey_2023):
    response = client.get(
        "/api/v1/statistics/aggregates/",
        {"country": "tr", "definition": "national", "isic_section": "C", "size_class": "micro"},
    )

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["definition"], row["enterprises"], row["employment"]) == ("TR-2023", 4, 14)
    assert row["turnover"] == "440000.00" and row["turnover_usd"] == "18535.21"
    assert row["enterprise_share"] == 0.5
    assert row["quality"]["exporter"] == {"share": 2 / 3, "answered": 3}
    totals = client.get(
        "/api/v1/statistics/aggregates/", {"isic_section": "_T", "size_class": "_T"}
    )
    assert totals.json()["count"] == 4  # one per definition


def test_the_api_suppresses_small_cells_for_the_public_only(client, signed_in, focal_point,
                                                           turkey_2023):  # fmt: skip
    query = {"definition": "TR-2023", "isic_section": "C", "size_class": "medium"}

    (public,) = client.get("/api/v1/statistics/aggregates/", query).json()["results"]
    signed_in(focal_point)
    (member,) = client.get("/api/v1/statistics/aggregates/", query).json()["results"]

    assert public["suppressed"] is True
    assert (public["enterprises"], public["turnover"]) == (None, None)
    assert member["suppressed"] is False
    assert (member["enterprises"], member["turnover"]) == (1, "5000000.00")


def test_the_api_refuses_a_malformed_year(client, turkey_2023):
    response = client.get("/api/v1/statistics/aggregates/", {"year": "last"})

    assert response.status_code == 400


def test_the_api_gives_the_data_quality_of_each_current_upload(client, turkey_2023):
    response = client.get("/api/v1/statistics/data-quality/", {"country": "TR"})

    (row,) = response.json()["results"]
    assert (row["rows_read"], row["rows_accepted"], row["rows_rejected"]) == (9, 8, 1)
    assert row["completeness"]["assets"] is None
    assert row["completeness"]["exporter"] == 8 / 9
    assert client.get("/api/v1/statistics/data-quality/", {"country": "EG"}).json()["count"] == 0


def test_the_api_is_read_only(client, signed_in, focal_point, turkey_2023):
    signed_in(focal_point)

    response = client.post("/api/v1/statistics/aggregates/", {}, content_type="application/json")

    assert response.status_code in (403, 405)


def test_the_openapi_document_describes_the_aggregates_and_the_data_quality(tmp_path):
    out = StringIO()

    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yml"),
                 stdout=out, stderr=out)  # fmt: skip

    schema = (tmp_path / "schema.yml").read_text()
    assert "/api/v1/statistics/aggregates/:" in schema
    assert "/api/v1/statistics/data-quality/:" in schema
    assert "name: isic_section" in schema
    # no warning comes from these endpoints (the whole document is checked with
    # --fail-on-warn in test_consultations_api)
    assert "aggregate" not in out.getvalue().lower()
    assert "dataquality" not in out.getvalue().lower()


@pytest.mark.parametrize("who", [None, "outsider"])
def test_an_anonymous_or_signed_in_outsider_gets_only_suppressed_figures(
    client, signed_in, request, who, turkey_2023, tmp_path
):
    if who:
        signed_in(request.getfixturevalue(who))

    page = client.get(reverse("statistics:database"))
    download = client.get(reverse("statistics:download", args=["sme-aggregates", "csv"]))
    query = {"definition": "TR-2023", "isic_section": "C", "size_class": "medium"}
    (api_row,) = client.get("/api/v1/statistics/aggregates/", query).json()["results"]
    package = zipfile.ZipFile(io.BytesIO(client.get(reverse("statistics:data_package")).content))

    assert page.context["rows"][1].suppressed  # C medium under TR-2023
    assert _medium_c(_csv_rows(download))["enterprises"] == "c"
    assert api_row["enterprises"] is None
    packaged = list(csv.DictReader(io.StringIO(package.read("sme-aggregates.csv").decode())))
    assert _medium_c(packaged)["employment"] == "c"


PUBLISHED = (
    b"size,section,firms,persons\n"
    b"micro,,3000,7000\nsmall,,200,3000\nmedium,,40,\n"  # medium's employment not published
    b"micro,C,900,2500\n"
)


def test_a_published_table_is_shown_as_published_and_unknowns_stay_unknown(reference_data):
    received = imports.upload_receive(
        user=None, file=ContentFile(PUBLISHED), filename="table.csv",
        country=MemberState.objects.get(code="EG"), year=2022, via=Upload.Via.COMMAND,
        kind="aggregates", source=imports.SourceGiven(title="MSMEDA yearbook 2022"),
        columns={"size_class": "size", "isic_section": "section", "enterprises": "firms",
                 "employment": "persons"},
    )  # fmt: skip
    upload = imports.upload_process(received.upload.pk)
    assert upload.status == Upload.Status.DONE, upload.message
    rows = cells(tables.aggregate_rows(disclose=False, country="EG"))
    # The "all sections" rows are the total section; the classes add up within it only.
    assert rows[(tables.TOTAL, "micro")].enterprises == 3000
    assert rows[(tables.TOTAL, tables.TOTAL)].enterprises == 3240
    assert rows[(tables.TOTAL, "micro")].enterprise_share == pytest.approx(3000 / 3240)
    # An employment figure missing from the table leaves its margin unknown, not 10,000.
    assert rows[(tables.TOTAL, "medium")].employment is None
    assert rows[(tables.TOTAL, tables.TOTAL)].employment is None
    # Section C is not added to the total a second time.
    assert rows[("C", "micro")].enterprises == 900
    assert rows[("C", tables.TOTAL)].enterprises == 900
    assert {r.definition_code for r in rows.values()} == {"EG-2020"}
