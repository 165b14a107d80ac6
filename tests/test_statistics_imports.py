"""Microdata imports through the service and `d8coop statistics import`: counts, the JSON
report, idempotency, atomic replacement of a country-year, refusals that change nothing."""

from __future__ import annotations

import json
from io import StringIO

import duckdb
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from d8coop.members.models import MemberState
from d8coop.statistics import imports
from d8coop.statistics.models import ColumnMapping, SmeAggregate, Upload

pytestmark = pytest.mark.django_db

TURKISH = (
    "firma;nace;calisan;ciro;yil;ihracat\n"
    "T1;1010;5;1.500.000;2023;1\n"  # micro under every definition
    "T2;C25;60;20000000,50;2023;0\n"  # medium (TR: 50-249 employees)
    "T3;47;abc;100;2023;1\n"  # rejected: employees not a number
    "T1;10;3;10;2023;1\n"  # rejected: duplicate of line 2
    "\n"
    "T4;Z9;-1;5;2022;belki\n"  # rejected: four problems on line 7
    "T5;55;12;;2023;\n"  # small, no turnover
    "T6;01;250;x;2023;1;fazla\n"  # rejected: too many fields
)
MAP = [
    "enterprise_id=firma", "isic=nace", "employees=calisan", "turnover=ciro", "year=yil",
    "exporter=ihracat",
]  # fmt: skip


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def turkish_file(tmp_path):
    path = tmp_path / "tuik-2023.csv"
    path.write_text(TURKISH, encoding="utf-8")
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    argv = ["statistics", "import", str(path), *args]
    try:
        call_command(*argv, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def mapped(*extra):
    args = [*extra, "--decimal-comma"]
    for pair in MAP:
        args += ["--map", pair]
    return args


def test_the_json_report_counts_every_row_and_classes_under_each_definition(
    reference_data, turkish_file
):
    code, out, _ = run(turkish_file, "--country", "TR", "--year", "2023", "--json", *mapped())
    assert code == 0
    report = json.loads(out)
    assert (report["rows_read"], report["rows_accepted"], report["rows_rejected"]) == (7, 3, 4)
    assert report["rows_read"] == report["rows_accepted"] + report["rows_rejected"]
    assert report["rejected_by_reason"]["duplicate_identifier"] == 1
    assert report["rejected_by_reason"]["bad_structure"] == 1
    assert report["size_classes"]["D8-STAT"] == {"micro": 1, "small": 1, "medium": 1}
    national = next(code for code in report["size_classes"] if code.startswith("TR-"))
    assert report["size_classes"][national]["micro"] == 1
    # Without turnover or assets, T5 cannot be placed under rules that need them.
    assert report["unclassified"]["EU-2003"] == {"missing assets, turnover": 1}
    with open(report["rejects_file"], encoding="utf-8") as handle:
        rejects = handle.read().splitlines()
    assert rejects[0] == "line,column,value,code,reason"
    assert "4,calisan,abc,not_a_number,not a whole number" in rejects
    assert any(line.startswith("5,firma,T1,duplicate_identifier") for line in rejects)
    assert sum(line.startswith("7,") for line in rejects) == 4
    upload = Upload.objects.get(pk=report["upload"])
    assert upload.is_current and upload.status == Upload.Status.DONE
    assert upload.quality["validity"] == pytest.approx(3 / 7)
    # The accepted rows are in Parquet, with their class under each definition.
    ids = duckdb.sql(
        f"SELECT enterprise_id FROM read_parquet('{upload.microdata}') ORDER BY 1"
    ).fetchall()
    assert ids == [("T1",), ("T2",), ("T5",)]


def test_the_same_file_again_changes_nothing(reference_data, turkish_file):
    run(turkish_file, "--country", "TR", "--year", "2023", *mapped("--mapping", "TÜİK SBS"))
    aggregates = SmeAggregate.objects.count()
    code, out, _ = run(turkish_file, "--country", "TR", "--year", "2023", "--json")
    assert code == 0
    assert json.loads(out)["already_imported"] is True
    assert Upload.objects.count() == 1
    assert SmeAggregate.objects.count() == aggregates


def test_a_saved_mapping_serves_the_next_upload(reference_data, turkish_file, tmp_path):
    run(turkish_file, "--country", "TR", "--year", "2023", *mapped("--mapping", "TÜİK SBS"))
    assert ColumnMapping.objects.get(name="TÜİK SBS").columns["employees"] == "calisan"
    second = tmp_path / "tuik-2022.csv"
    second.write_text("firma;nace;calisan;ciro\nX1;10;4;1000\n", encoding="utf-8")
    code, out, _ = run(second, "--country", "TR", "--year", "2022", "--mapping", "TÜİK SBS",
                       "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["rows_accepted"] == 1


def test_a_new_file_replaces_the_country_year_at_once(reference_data, turkish_file, tmp_path):
    run(turkish_file, "--country", "TR", "--year", "2023", *mapped())
    first = Upload.objects.get()
    revised = tmp_path / "tuik-2023-revised.csv"
    revised.write_text(
        "firma;nace;calisan;ciro;yil;ihracat\nR1;10;2;100;2023;1\nR2;10;300;1;2023;0\n",
        encoding="utf-8",
    )
    code, out, _ = run(revised, "--country", "TR", "--year", "2023", "--json", *mapped())
    assert code == 0
    second = Upload.objects.get(pk=json.loads(out)["upload"])
    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.replaces_id) == (False, True, first.pk)
    current = SmeAggregate.objects.filter(upload__is_current=True, definition__code="D8-STAT")
    assert {(a.size_class, a.enterprises) for a in current} == {("micro", 1), ("large", 1)}
    # The first upload's figures are kept, no longer current.
    assert SmeAggregate.objects.filter(upload=first).exists()


def test_a_file_that_is_not_data_is_refused_with_its_reason(reference_data, tmp_path):
    garbage = tmp_path / "data.csv"
    garbage.write_bytes(bytes(range(256)) * 10)
    code, _, err = run(garbage, "--country", "TR", "--year", "2023")
    assert code == 1
    assert "not text" in err
    assert not SmeAggregate.objects.exists()
    assert Upload.objects.get().status == Upload.Status.REFUSED


def test_unmapped_columns_are_refused_naming_the_file_columns(reference_data, turkish_file):
    code, out, _ = run(turkish_file, "--country", "TR", "--year", "2023", "--json")
    assert code == 1
    message = json.loads(out)["message"]
    assert "'firma'" in message and "enterprise_id" in message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX", "--year", "2023"], "not a member state"),
        (["--country", "TR", "--year", "1850"], "between 1990"),
        (["--country", "TR", "--year", "2023", "--mapping", "nope"], "No saved mapping"),
        (["--country", "TR", "--year", "2023", "--map", "employees"], "FIELD=COLUMN"),
    ],
)
def test_bad_arguments_are_refused_and_store_nothing(reference_data, turkish_file, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("statistics", "import", str(turkish_file), *args)
    assert not Upload.objects.exists()


def test_a_focal_point_uploads_for_their_own_state_only(reference_data, outsider):
    turkey = MemberState.objects.get(code="TR")
    with pytest.raises(imports.PermissionDenied):
        imports.upload_receive(
            user=outsider, file=ContentFile(TURKISH.encode()), filename="x.csv",
            country=turkey, year=2023, via=Upload.Via.WEB,
        )  # fmt: skip
    assert not Upload.objects.exists()


def test_processing_twice_imports_once(reference_data, secretariat):
    turkey = MemberState.objects.get(code="TR")
    received = imports.upload_receive(
        user=secretariat, file=ContentFile(TURKISH.encode()), filename="x.csv", country=turkey,
        year=2023, via=Upload.Via.WEB, columns=dict(p.split("=") for p in MAP),
        decimal_comma=True,
    )  # fmt: skip
    imports.upload_process(received.upload.pk)
    count = SmeAggregate.objects.count()
    again = imports.upload_process(received.upload.pk)
    assert again.status == Upload.Status.DONE
    assert SmeAggregate.objects.count() == count
    assert received.upload.history.count() >= 2  # every write is audited


TABLE = (
    "size;section;firms;persons;turnover\n"
    "micro;;3.100.000;8.200.000;\n"
    "small;;180.000;2.900.000;\n"
    "medium;;30.000;3.000.000;\n"
    "huge;;1;1;\n"  # rejected: unknown class
)


def test_a_published_table_becomes_the_current_figures_with_its_source(
    reference_data, tmp_path, turkish_file
):
    run(turkish_file, "--country", "TR", "--year", "2023", *mapped())
    microdata = Upload.objects.get()
    table = tmp_path / "kobi-2023.csv"
    table.write_text(TABLE, encoding="utf-8")
    code, out, _ = run(
        table, "--country", "TR", "--year", "2023", "--kind", "aggregates", "--json",
        "--decimal-comma", "--map", "size_class=size", "--map", "isic_section=section",
        "--map", "enterprises=firms", "--map", "employment=persons",
        "--source-title", "KOBİ istatistikleri 2023", "--source-publisher", "TÜİK",
        "--source-url", "https://data.tuik.gov.tr/",
    )  # fmt: skip
    assert code == 0, out
    report = json.loads(out)
    assert (report["rows_read"], report["rows_accepted"], report["rows_rejected"]) == (4, 3, 1)
    assert report["source"] == "KOBİ istatistikleri 2023"
    (national,) = report["size_classes"]
    assert national.startswith("TR-")
    assert report["size_classes"][national] == {
        "micro": 3_100_000, "small": 180_000, "medium": 30_000
    }  # fmt: skip
    table_upload = Upload.objects.get(pk=report["upload"])
    microdata.refresh_from_db()
    assert (microdata.is_current, table_upload.is_current) == (False, True)
    cells = SmeAggregate.objects.filter(upload=table_upload)
    assert {(c.size_class, c.isic_section, c.enterprises, c.employment, c.turnover)
            for c in cells} == {
        ("micro", "", 3_100_000, 8_200_000, None),
        ("small", "", 180_000, 2_900_000, None),
        ("medium", "", 30_000, 3_000_000, None),
    }  # fmt: skip
    assert table_upload.source.publisher == "TÜİK"


def test_a_published_table_without_its_source_is_refused(reference_data, tmp_path):
    table = tmp_path / "table.csv"
    table.write_text(TABLE, encoding="utf-8")
    with pytest.raises(CommandError, match="Name the publication"):
        call_command("statistics", "import", str(table), "--country", "TR", "--year", "2023",
                     "--kind", "aggregates")  # fmt: skip
    assert not Upload.objects.exists()
