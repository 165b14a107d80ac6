"""Published tables (enterprises, employment, turnover by size class and section): each row
checked with its line, bad rows rejected with the reason, good rows kept, none lost."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest

from d8coop.statistics.engine.aggregates import run_aggregates_import
from d8coop.statistics.engine.files import prepare
from d8coop.statistics.engine.microdata import MappingError

MAPPING = {
    "size_class": "class",
    "isic_section": "section",
    "enterprises": "firms",
    "employment": "persons",
    "turnover": "turnover",
}


def imported(tmp_path, content: str, mapping=MAPPING, **options):
    path = tmp_path / "table.csv"
    path.write_text(content, encoding="utf-8")
    source = prepare(path, tmp_path, max_bytes=10**6, country="TR")
    return run_aggregates_import(source, mapping, **options)


def test_good_rows_are_kept_and_bad_ones_rejected_with_line_and_reason(tmp_path):
    result = imported(
        tmp_path,
        "class,section,firms,persons,turnover\n"
        "micro,C,1200,3100,5000000.5\n"  # line 2
        "small,C,80,1900,\n"
        "\n"
        "medium,Z,5,900,1\n"  # line 5: unknown section
        "giant,C,1,2,3\n"  # line 6: unknown class
        "micro,C,7,8,9\n"  # line 7: the cell of line 2 again
        "large,,-4,12.5,x\n"  # line 8: three bad figures
        "large,,,,\n"  # line 9: no figure
        "large,,3,2500,1e20\n",  # line 10: impossible turnover
    )
    assert result.rows_read == 8
    assert len(result.cells) + result.rows_rejected == result.rows_read
    assert [(c.line, c.size_class, c.isic_section, c.enterprises, c.employment, c.turnover)
            for c in result.cells] == [
        (2, "micro", "C", 1200, 3100, Decimal("5000000.5")),
        (3, "small", "C", 80, 1900, None),
    ]  # fmt: skip
    found = {(r.line, r.column, r.code) for r in result.rejects}
    assert found == {
        (5, "section", "unknown_isic"),
        (6, "class", "unknown_class"),
        (7, "class", "duplicate_cell"),
        (8, "firms", "negative"),
        (8, "persons", "not_a_number"),
        (8, "turnover", "not_a_number"),
        (9, "firms", "missing_required"),
        (10, "turnover", "impossible"),
    }
    duplicate = next(r for r in result.rejects if r.code == "duplicate_cell")
    assert duplicate.reason == "the same cell as line 2"


def test_decimal_comma_and_grouping_in_threes(tmp_path):
    result = imported(
        tmp_path,
        "class;section;firms;persons;turnover\n"
        "micro;;1.200;3.100;5.000.000,75\n"
        "small;;80;1.90;1\n",  # "1.90" is no grouping in threes: rejected
        decimal_comma=True,
    )
    assert [(c.enterprises, c.employment, c.turnover) for c in result.cells] == [
        (1200, 3100, Decimal("5000000.75"))
    ]
    assert [(r.line, r.column, r.code) for r in result.rejects] == [(3, "persons", "not_a_number")]


def test_a_short_row_is_rejected_not_padded(tmp_path):
    result = imported(tmp_path, "class,section,firms,persons,turnover\nmicro,C,5\n")
    assert [(r.line, r.code) for r in result.rejects] == [(2, "bad_structure")]


def test_a_workbook_rejects_name_the_sheet_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["class", "section", "firms", "persons", "turnover"])
    sheet.append(["micro", "G", 10, 20, 30.5])
    sheet.append([])
    sheet.append(["small", "G", 5, 50, 100, "stray"])  # row 4: a value beyond the columns
    path = tmp_path / "table.xlsx"
    book.save(path)
    result = run_aggregates_import(prepare(path, tmp_path, max_bytes=10**6), MAPPING)
    assert [(c.line, c.enterprises, c.turnover) for c in result.cells] == [(2, 10, Decimal("30.5"))]
    assert [(r.line, r.code, r.value) for r in result.rejects] == [(4, "extra_values", "stray")]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"enterprises": "firms"}, "size_class"),
        ({"size_class": "class"}, "at least one of"),
        ({"size_class": "klass", "enterprises": "firms"}, "no column named 'klass'"),
        ({"size_class": "class", "firms": "firms"}, "Unknown field"),
        ({"size_class": "class", "enterprises": "class"}, "mapped to two fields"),
    ],
)
def test_a_mapping_that_does_not_fit_is_refused(tmp_path, mapping, message):
    with pytest.raises(MappingError, match=message):
        imported(tmp_path, "class,section,firms\nmicro,C,1\n", mapping=mapping)
