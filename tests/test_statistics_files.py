"""Recognizing an uploaded data file (engine.files): the text encodings and delimiters of the
member states' files read right, worksheets and Parquet read with their types and line
numbers, and every file that cannot be imported refused with a message that says why, leaving
nothing behind.
"""

from __future__ import annotations

import codecs
import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from d8coop.statistics.engine.files import FileRefused
from tests.statistics_support import csv_bytes, import_bytes, import_source, prepare_bytes

HEADER = "enterprise_id,isic,employees,region"


def refusal(tmp_path: Path, data: bytes, name: str = "upload.csv", **options) -> str:
    """The message a refused file gets; the work folder must stay empty."""
    options.setdefault("country", "TR")
    with pytest.raises(FileRefused) as refused:
        prepare_bytes(tmp_path, data, name, **options)
    assert list((tmp_path / "work").iterdir()) == []
    return str(refused.value)


def workbook_bytes(rows: dict[int, list], *, title: str = "Survey") -> bytes:
    """An .xlsx whose first sheet has `rows` (sheet row number -> cells from column A)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for number, cells in rows.items():
        for column, value in enumerate(cells, start=1):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, member: str, change) -> bytes:
    """The same ZIP archive with one member's bytes changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def parquet_bytes(tmp_path: Path, select: str) -> bytes:
    path = tmp_path / "written.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    data = path.read_bytes()
    path.unlink()
    return data


# -- encodings -----------------------------------------------------------------------------------


def test_turkish_file_in_cp1254_is_read_in_the_code_page_of_turkey(tmp_path):
    data = csv_bytes(HEADER, "T1,C10,5,Şişli İğdır", "T2,G47,3,Muğla", encoding="cp1254")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    imported = import_bytes(tmp_path, data, country="TR")

    assert imported.source.encoding == "cp1254"
    assert [row["region"] for row in imported.rows] == ["Şişli İğdır", "Muğla"]
    assert imported.result.rows_accepted == 2


def test_arabic_file_in_cp1256_is_read_in_the_code_page_of_egypt(tmp_path):
    data = csv_bytes(HEADER, "E1,C10,5,القاهرة", "E2,G47,3,الإسكندرية", encoding="cp1256")

    imported = import_bytes(tmp_path, data, country="EG", currency="EGP")

    assert imported.source.encoding == "cp1256"
    assert [row["region"] for row in imported.rows] == ["القاهرة", "الإسكندرية"]


def test_utf8_with_bom_leaves_no_bom_in_the_first_column_name(tmp_path):
    data = codecs.BOM_UTF8 + csv_bytes(HEADER, "T1,C10,5,Şişli")

    imported = import_bytes(tmp_path, data)

    assert imported.source.encoding == "utf-8-sig"
    assert imported.source.columns == ("enterprise_id", "isic", "employees", "region")
    assert imported.rows[0]["enterprise_id"] == "T1"
    assert imported.rows[0]["region"] == "Şişli"


def test_plain_utf8_needs_no_code_page(tmp_path):
    data = csv_bytes(HEADER, "T1,C10,5,Şişli")

    source = prepare_bytes(tmp_path, data, country="")

    assert source.encoding == "utf-8"
    assert source.path == tmp_path / "upload.csv"  # read in place, not copied


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_transcoded(tmp_path, codec):
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    data = bom + csv_bytes(HEADER, "T1,C10,5,Şişli", "", "T2,B07,8,Ağrı", encoding=codec)

    imported = import_bytes(tmp_path, data)

    assert imported.source.encoding == "utf-16"
    assert imported.source.columns[0] == "enterprise_id"
    assert [(r["line"], r["region"]) for r in imported.rows] == [(2, "Şişli"), (4, "Ağrı")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    lines = [
        ["enterprise_id", "isic", "employees", "turnover", "region"],
        ["T1", "C10", "5", "1500.50", "Konya"],
        ["T2", "G47", "12", "", "İzmir"],
    ]
    data = csv_bytes(*(delimiter.join(cells) for cells in lines))

    imported = import_bytes(tmp_path, data)

    assert imported.source.delimiter == delimiter
    assert [
        (r["enterprise_id"], r["employees"], r["turnover"], r["region"]) for r in imported.rows
    ] == [
        ("T1", 5, Decimal("1500.50"), "Konya"),
        ("T2", 12, None, "İzmir"),
    ]


def test_semicolons_win_over_decimal_commas(tmp_path):
    data = csv_bytes(
        "enterprise_id;isic;employees;turnover",
        "T1;C10;5;1,5",
        "T2;C10;6;2,25",
        "T3;C10;7;3,125",
    )

    source = prepare_bytes(tmp_path, data)

    assert source.delimiter == ";"
    assert source.columns == ("enterprise_id", "isic", "employees", "turnover")


@pytest.mark.parametrize("country", ["", "FR"])
def test_non_utf8_file_without_a_code_page_or_encoding_is_refused(tmp_path, country):
    data = csv_bytes(HEADER, "T1,C10,5,Şişli", encoding="cp1254")

    message = refusal(tmp_path, data, country=country)

    assert message == "The file is not UTF-8; give its encoding (e.g. cp1254 or cp1256)."


def test_given_encoding_wins_over_the_countrys_code_page(tmp_path):
    # Arabic in cp1256, uploaded for Türkiye: cp1254 would read it as Latin letters.
    data = csv_bytes(HEADER, "T1,C10,5,القاهرة", encoding="cp1256")
    guessed = import_bytes(tmp_path / "guessed", data, country="TR")
    assert guessed.rows[0]["region"] == data.split(b",")[-1].strip().decode("cp1254")
    assert guessed.rows[0]["region"] != "القاهرة"

    given = import_bytes(tmp_path / "given", data, country="TR", encoding="cp1256")

    assert given.source.encoding == "cp1256"
    assert given.rows[0]["region"] == "القاهرة"


def test_given_encoding_also_reads_a_file_of_another_country(tmp_path):
    data = csv_bytes(HEADER, "T1,C10,5,Şişli", encoding="cp1254")

    imported = import_bytes(tmp_path, data, country="", encoding="cp1254")

    assert imported.rows[0]["region"] == "Şişli"


def test_unknown_encoding_is_refused(tmp_path):
    message = refusal(tmp_path, csv_bytes(HEADER, "T1,C10,5,x"), encoding="klingon-8")

    assert message == "Unknown text encoding 'klingon-8'."


def test_bytes_the_code_page_does_not_define_are_refused(tmp_path):
    # 0x81 is a letter in cp1256 (Persian pe) and nothing in cp1254.
    data = csv_bytes(HEADER, "T1,C10,5,پ", encoding="cp1256")

    message = refusal(tmp_path, data, country="TR")

    assert message == "The file is not valid cp1254: character maps to <undefined>."


# -- refusals ------------------------------------------------------------------------------------


def test_empty_file_is_refused(tmp_path):
    assert refusal(tmp_path, b"") == "The file is empty."


def test_file_of_blank_lines_is_refused(tmp_path):
    message = refusal(tmp_path, b"\n\n   \r\n\t\n")

    assert message == "The file holds no data: only blank lines."


def test_file_over_the_size_limit_is_refused_with_both_sizes(tmp_path):
    data = csv_bytes(HEADER, *(f"T{i},C10,5,Konya" for i in range(100)))
    assert len(data) == 1_626

    message = refusal(tmp_path, data, max_bytes=1_000)

    assert message == (
        "The file is 1,626 bytes; the limit is 1,000 bytes (D8COOP_MAX_IMPORT_BYTES)."
    )


def test_binary_garbage_is_refused(tmp_path):
    data = b"\x13\x37" + random.Random(8).randbytes(4094)
    assert b"\x00" in data

    message = refusal(tmp_path, data)

    assert message == (
        "The file is not text (it contains NUL bytes) and is neither XLSX nor Parquet."
    )


def test_png_renamed_csv_is_refused(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01" * 2 + b"\x08\x06"

    message = refusal(tmp_path, png, name="figures.csv")

    assert "not text (it contains NUL bytes)" in message


def test_damaged_zip_is_refused(tmp_path):
    whole = workbook_bytes({1: ["enterprise_id", "isic", "employees"], 2: ["T1", "C10", 5]})

    message = refusal(tmp_path, whole[: len(whole) // 2], name="survey.xlsx")

    assert message == "The file looks like a ZIP archive but is damaged."


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("survey.csv", "enterprise_id,isic,employees\nT1,C10,5\n")

    message = refusal(tmp_path, buffer.getvalue(), name="survey.xlsx")

    assert message == "The ZIP archive is not an Excel workbook (.xlsx)."


def test_workbook_that_would_expand_over_100_times_is_refused(tmp_path):
    workbook = b'<?xml version="1.0"?><workbook/>'
    sheet = b"<worksheet><sheetData>" + b"0" * 20_000_000 + b"</sheetData></worksheet>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    data = buffer.getvalue()
    assert len(data) * 100 < len(workbook) + len(sheet)

    message = refusal(tmp_path, data, name="bomb.xlsx")

    assert message == (
        f"The workbook would expand to {len(workbook) + len(sheet):,} bytes from "
        f"{len(data):,}: refused as a possible decompression bomb."
    )


def test_truncated_parquet_is_refused(tmp_path):
    whole = parquet_bytes(tmp_path, "SELECT 'T1' AS enterprise_id, 'C10' AS isic, 5 AS employees")

    message = refusal(tmp_path, whole[:200], name="survey.parquet")

    assert message == "The file starts like Parquet but is truncated or damaged."


def test_two_columns_of_the_same_name_are_refused(tmp_path):
    data = csv_bytes("enterprise_id,isic,Employees,employees", "T1,C10,5,6")

    message = refusal(tmp_path, data)

    assert message == "Two columns are named 'employees'."


def test_column_without_a_name_is_refused(tmp_path):
    data = csv_bytes("enterprise_id,,employees,", "T1,C10,5,6")

    assert refusal(tmp_path, data) == "Column(s) 2, 4 of the first line have no name."


def test_workbook_with_two_columns_of_the_same_name_is_refused(tmp_path):
    data = workbook_bytes({1: ["enterprise_id", "isic", "ISIC"], 2: ["T1", "C10", "C11"]})

    message = refusal(tmp_path, data, name="survey.xlsx")

    assert message == "Two columns are named 'ISIC'."


def test_empty_worksheet_is_refused(tmp_path):
    data = workbook_bytes({})

    assert refusal(tmp_path, data, name="survey.xlsx") == "The workbook's first sheet is empty."


def test_workbook_with_a_damaged_sheet_is_refused(tmp_path):
    whole = workbook_bytes({1: ["enterprise_id", "isic", "employees"], 2: ["T1", "C10", 5]})
    damaged = rewrite_member(whole, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2])

    message = refusal(tmp_path, damaged, name="survey.xlsx")

    assert message.startswith("The workbook cannot be read: ")


# -- worksheets ----------------------------------------------------------------------------------

WORKBOOK_HEADER = ["enterprise_id", "isic", "employees", "turnover", "region", "exporter"]


def test_worksheet_records_keep_their_sheet_row_numbers_and_types(tmp_path):
    data = workbook_bytes(
        {
            3: WORKBOOK_HEADER,  # two blank rows above the header
            4: ["W1", "C10", 12, 1_500_000.5, "Ankara", True],
            6: ["W2", "G47", 3.0, 250_000.0, None, False],  # a blank row above
            7: ["W3", "C25", 8, 100, "Bursa", None, "stray", None, 42],
            9: ["W4", "A01", 2, None, None, None],
            10: ["W5", "Q86", "many", 10, None, None],
            11: ["W6", "F41", 7.5, 10, None, None],
        }
    )

    imported = import_bytes(tmp_path, data, "survey.xlsx")

    assert imported.source.format == "xlsx"
    assert imported.source.columns == tuple(WORKBOOK_HEADER)
    assert [
        (r["line"], r["enterprise_id"], r["employees"], r["turnover"], r["region"], r["exporter"])
        for r in imported.rows
    ] == [
        (4, "W1", 12, Decimal("1500000.50"), "Ankara", True),
        (6, "W2", 3, Decimal("250000.00"), None, False),
        (9, "W4", 2, None, None, None),
    ]
    assert imported.rejected() == [
        (7, "extra_values", ""),
        (10, "not_a_number", "employees"),
        (11, "not_a_number", "employees"),
    ]
    assert imported.rejects[0]["value"] == "stray | 42"
    assert imported.result.rows_read == 6
    assert imported.result.reasons == {"extra_values": 1, "not_a_number": 2}


def test_worksheet_with_a_wrong_stored_dimension_is_read_whole(tmp_path):
    # Some writers store <dimension ref="A1"/> whatever the sheet holds.
    data = workbook_bytes({1: ["enterprise_id", "isic", "employees"], 2: ["W1", "C10", 5]})
    data = rewrite_member(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', xml),
    )

    imported = import_bytes(tmp_path, data, "survey.xlsx")

    assert imported.source.columns == ("enterprise_id", "isic", "employees")
    assert [(r["enterprise_id"], r["isic_code"], r["employees"]) for r in imported.rows] == [
        ("W1", "C10", 5)
    ]


def test_worksheet_numbers_ignore_the_decimal_comma_setting(tmp_path):
    data = workbook_bytes(
        {1: ["enterprise_id", "isic", "employees", "turnover"], 2: ["W1", "C10", 5, 1234.5]}
    )

    imported = import_bytes(tmp_path, data, "survey.xlsx", decimal_comma=True)

    assert imported.rows[0]["turnover"] == Decimal("1234.50")


# -- Parquet -------------------------------------------------------------------------------------


def test_parquet_with_typed_columns(tmp_path):
    data = parquet_bytes(
        tmp_path,
        "SELECT * FROM (VALUES "
        "(101::BIGINT, 'C10', 12::INTEGER, 1500000.5::DOUBLE, 80000::DOUBLE, true, 2023::SMALLINT),"
        "(102, 'G47', 3, NULL, 2.25, false, 2023),"
        "(103, 'C25', NULL, 10.0, NULL, NULL, 2023),"
        "(104, 'A01', -4, 10.0, NULL, true, 2022),"
        "(105, 'F41', 7, 99.99, NULL, NULL, NULL)"
        ") AS t(enterprise_id, isic, employees, turnover, assets, exporter, year)",
    )

    imported = import_bytes(tmp_path, data, "survey.parquet")

    assert imported.source.format == "parquet"
    assert imported.source.is_parquet
    assert imported.source.columns == (
        "enterprise_id", "isic", "employees", "turnover", "assets", "exporter", "year",
    )  # fmt: skip
    assert [
        (r["line"], r["enterprise_id"], r["employees"], r["turnover"], r["assets"], r["exporter"])
        for r in imported.rows
    ] == [
        (1, "101", 12, Decimal("1500000.50"), Decimal("80000.00"), True),
        (2, "102", 3, None, Decimal("2.25"), False),
        (5, "105", 7, Decimal("99.99"), None, None),
    ]
    assert imported.rejected() == [
        (3, "missing_required", "employees"),
        (4, "negative", "employees"),
        (4, "wrong_year", "year"),
    ]


def test_parquet_doubles_ignore_the_decimal_comma_setting(tmp_path):
    data = parquet_bytes(
        tmp_path,
        "SELECT 'P1' AS enterprise_id, 'C10' AS isic, 5.0::DOUBLE AS employees, "
        "1234.5::DOUBLE AS turnover",
    )

    imported = import_bytes(tmp_path, data, "survey.parquet", decimal_comma=True)

    assert [(r["employees"], r["turnover"]) for r in imported.rows] == [(5, Decimal("1234.50"))]


def test_file_is_recognized_by_its_bytes_not_its_name(tmp_path):
    data = parquet_bytes(tmp_path, "SELECT 'P1' AS enterprise_id, 'C10' AS isic, 5 AS employees")

    source = prepare_bytes(tmp_path, data, "survey.csv", country="TR")
    imported = import_source(tmp_path, source)

    assert source.format == "parquet"
    assert [r["enterprise_id"] for r in imported.rows] == ["P1"]
