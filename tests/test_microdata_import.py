"""Importing enterprise microdata (engine.microdata): every row validated with its exact line,
numbers read in the file's convention, duplicates caught, and the size classes and aggregates
the same as an independent computation with the Python classifier and plain sums.

Every import goes through `statistics_support.import_bytes`, which checks on each file that
rows read = accepted + rejected and that the rejects file has one distinct line per rejected row.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from d8coop.statistics.engine.classifier import EnterpriseRecord, classify
from d8coop.statistics.engine.definitions import LARGE
from d8coop.statistics.engine.microdata import (
    MappingError,
    check_mapping,
    guess_mapping,
    run_import,
)
from d8coop.statistics.engine.money import convert
from d8coop.statistics.engine.rules import MONETARY
from tests.statistics_support import (
    csv_bytes,
    import_bytes,
    prepare_bytes,
    shipped_definitions,
    shipped_rates,
)

D = Decimal
HEADER = "enterprise_id,isic,employees,turnover,assets,year,region,exporter"

# -- validation ----------------------------------------------------------------------------------

LONG_ID = "X" * 65
LONG_REGION = "r" * 201
EVERY_PROBLEM = [
    HEADER,  # 1
    "E01,C10,5,1000,,2023,Ankara,yes",  # 2: accepted
    "E02,,5,,,2023,,",  # 3: no ISIC code
    "E03,C10,,,,2023,,",  # 4: no employees
    "",  # 5: blank
    f"{LONG_ID},C10,1,,,,,",  # 6: identifier too long
    "E05,C10,five,,,,,",  # 7
    "E06,C10,-1,,,,,",  # 8
    "E07,C10,3000001,,,,,",  # 9
    "E08,C10,3,,,2022,,",  # 10: another year
    "E09,C10,3,,,,,maybe",  # 11
    "E10,04,3,,,,,",  # 12: division 04 does not exist
    "E11,A10,3,,,,,",  # 13: division 10 is in section C
    "E12,C10,3,1,,,,,extra",  # 14: nine fields
    "E13,C10",  # 15: two fields
    "E01,C11,7,,,,,",  # 16: E01 again
    'E14,c25,3,"1,500,000.50",-5,,,',  # 17: negative assets
    'E15,C25,3,"1,5",,,,',  # 18: a decimal comma in a decimal-point file
    "E16,C25,3,1000000000000000,,,,",  # 19: 10^15
    "",  # 20: blank
    f"E17,G,3,,,2023,{LONG_REGION},",  # 21: region too long
    'E18,U99,0,"1,500,000.50",,,,no',  # 22: accepted
    "E03,B07,4,,,,,",  # 23: accepted, its line 4 namesake was rejected
    "E19,C10,5.7,,,,,",  # 24: not whole
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_reject_reason_is_on_its_exact_line(tmp_path, newline):
    imported = import_bytes(tmp_path, csv_bytes(*EVERY_PROBLEM, newline=newline))

    assert imported.source.blank_lines == (5, 20)
    too_few = [(15, "bad_structure", column) for column in sorted(HEADER.split(",")[2:])]
    assert imported.rejected() == [
        (3, "missing_required", "isic"),
        (4, "missing_required", "employees"),
        (6, "too_long", "enterprise_id"),
        (7, "not_a_number", "employees"),
        (8, "negative", "employees"),
        (9, "impossible", "employees"),
        (10, "wrong_year", "year"),
        (11, "not_yes_no", "exporter"),
        (12, "unknown_isic", "isic"),
        (13, "unknown_isic", "isic"),
        (14, "bad_structure", ""),
        *too_few,
        (16, "duplicate_identifier", "enterprise_id"),
        (17, "negative", "assets"),
        (18, "not_a_number", "turnover"),
        (19, "impossible", "turnover"),
        (21, "too_long", "region"),
        (24, "not_a_number", "employees"),
    ]
    result = imported.result
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (21, 3, 18)
    assert result.reasons == {
        "bad_structure": 2,
        "duplicate_identifier": 1,
        "impossible": 2,
        "missing_required": 2,
        "negative": 2,
        "not_a_number": 3,
        "not_yes_no": 1,
        "too_long": 2,
        "unknown_isic": 2,
        "wrong_year": 1,
    }
    assert result.duplicates == 1
    assert [
        (r["line"], r["enterprise_id"], r["isic_section"], r["employees"], r["turnover"])
        for r in imported.rows
    ] == [
        (2, "E01", "C", 5, D("1000.00")),
        (22, "E18", "U", 0, D("1500000.50")),
        (23, "E03", "B", 4, None),
    ]


def test_reject_rows_say_what_was_wrong_in_words(tmp_path):
    imported = import_bytes(tmp_path, csv_bytes(*EVERY_PROBLEM))
    by_line = {int(r["line"]): r for r in imported.rejects}

    assert by_line[9]["reason"] == "impossible: more than 3,000,000 employees"
    assert by_line[10]["reason"] == "wrong year: this import is for 2023"
    assert by_line[14]["value"] == "E12,C10,3,1,,,,,extra"
    assert by_line[14]["reason"] == "too many fields on the line"
    assert by_line[15]["reason"] == "too few fields on the line"
    assert by_line[16]["value"] == "E01"
    assert by_line[16]["reason"] == "duplicate identifier: first on line 2"
    assert by_line[18]["value"] == "1,5"
    assert by_line[18]["reason"] == "not a number (decimal point expected)"
    assert by_line[19]["reason"] == "impossible: 10^15 or more"


def test_duplicate_after_blank_and_broken_lines_names_the_first_line(tmp_path):
    data = csv_bytes(
        "enterprise_id,isic,employees",
        "",
        "A1,C10,1,too,many",
        "",
        "",
        "A1,C10,2",  # line 6: the first A1 kept
        "A2,C10",
        "A1,G47,3",  # line 8
        "a1,G47,4",  # another identifier: case matters
        "A1,G47,5",  # line 10
    )

    imported = import_bytes(tmp_path, data)

    assert imported.rejected() == [
        (3, "bad_structure", ""),
        (7, "bad_structure", "employees"),
        (8, "duplicate_identifier", "enterprise_id"),
        (10, "duplicate_identifier", "enterprise_id"),
    ]
    assert {r["reason"] for r in imported.rejects if r["code"] == "duplicate_identifier"} == {
        "duplicate identifier: first on line 6"
    }
    assert [(r["line"], r["enterprise_id"], r["employees"]) for r in imported.rows] == [
        (6, "A1", 2),
        (9, "a1", 4),
    ]
    assert imported.result.reasons == {"bad_structure": 2, "duplicate_identifier": 2}


def test_isic_codes_are_read_in_every_usual_form(tmp_path):
    codes = {
        "A": "A", "a": "A", "01": "A", "0111": "A", "A0111": "A", "B07": "B", "c25": "C",
        "1010": "C", "35": "D", "41": "F", "G47": "G", "68": "L", "99": "U", "U99": "U",
    }  # fmt: skip
    bad = ["04", "34", "00", "A10", "C01", "V", "Z", "1", "10.1", "C10.1", "12345", "CC"]
    lines = [f"I{i},{code},1" for i, code in enumerate([*codes, *bad])]

    imported = import_bytes(tmp_path, csv_bytes("enterprise_id,isic,employees", *lines))

    assert [(r["isic_code"], r["isic_section"]) for r in imported.rows] == list(codes.items())
    assert [r["value"] for r in imported.rejects] == bad
    assert {r["code"] for r in imported.rejects} == {"unknown_isic"}


def test_yes_no_flags(tmp_path):
    words = ["1", "0", "yes", "No", "TRUE", "false", "y", "N", ""]
    lines = [f"F{i},C10,1,{word}" for i, word in enumerate(words)] + ["F9,C10,1,maybe"]

    imported = import_bytes(tmp_path, csv_bytes("enterprise_id,isic,employees,exporter", *lines))

    assert [r["exporter"] for r in imported.rows] == [
        True, False, True, False, True, False, True, False, None,
    ]  # fmt: skip
    assert imported.rejected() == [(11, "not_yes_no", "exporter")]


def test_whole_numbers_only_for_employees(tmp_path):
    values = ["7", "+7", "7.0", " 7 ", "7.5", "1e3", "0x10", "7,0", "1_000"]
    lines = [f'N{i},C10,"{v}"' for i, v in enumerate(values)]

    imported = import_bytes(tmp_path, csv_bytes("enterprise_id,isic,employees", *lines))

    assert [r["employees"] for r in imported.rows] == [7, 7, 7, 7]
    assert [(int(r["line"]), r["value"]) for r in imported.rejects] == [
        (6, "7.5"), (7, "1e3"), (8, "0x10"), (9, "7,0"), (10, "1_000"),
    ]  # fmt: skip


def test_decimal_point_file_reads_grouped_thousands_and_refuses_a_decimal_comma(tmp_path):
    amounts = ["1,500,000.50", "1500000.50", "1 500 000.50", "1,500", "1.5", "0.05", "-0"]
    bad = ["1,5", "1,50", "15,00,000", "1.500.000,50", "12abc"]
    lines = [f'M{i},C10,1,"{a}"' for i, a in enumerate([*amounts, *bad])]

    imported = import_bytes(tmp_path, csv_bytes("enterprise_id,isic,employees,turnover", *lines))

    assert [r["turnover"] for r in imported.rows] == [
        D("1500000.50"), D("1500000.50"), D("1500000.50"), D("1500"), D("1.5"), D("0.05"), D(0),
    ]  # fmt: skip
    assert [(r["value"], r["code"]) for r in imported.rejects] == [(b, "not_a_number") for b in bad]
    assert imported.rejects[0]["reason"] == "not a number (decimal point expected)"


def test_decimal_comma_file_reads_grouped_thousands_and_refuses_a_lone_point(tmp_path):
    amounts = ["1.500.000,50", "1500000,50", "1 500 000,50", "1.500", "1,5", "0,05"]
    bad = ["1.5", "1.50", "1,500,000.50", "1.500,0.0"]
    lines = [f"M{i};C10;1;{a}" for i, a in enumerate([*amounts, *bad])]

    imported = import_bytes(
        tmp_path, csv_bytes("enterprise_id;isic;employees;turnover", *lines), decimal_comma=True
    )

    assert imported.source.delimiter == ";"
    assert [r["turnover"] for r in imported.rows] == [
        D("1500000.50"), D("1500000.50"), D("1500000.50"), D("1500"), D("1.5"), D("0.05"),
    ]  # fmt: skip
    assert [(r["value"], r["code"]) for r in imported.rejects] == [(b, "not_a_number") for b in bad]
    assert imported.rejects[0]["reason"] == "not a number (decimal comma expected)"


def test_amount_limits(tmp_path):
    data = csv_bytes(
        "enterprise_id,isic,employees,turnover,assets,capital",
        "L1,C10,3000000,999999999999999.99,0,0.00",
        "L2,C10,1,1000000000000000,,",
        "L3,C10,1,,-0.01,",
        "L4,C10,1,,,-1",
    )

    imported = import_bytes(tmp_path, data)

    assert [(r["employees"], r["turnover"]) for r in imported.rows] == [
        (3_000_000, D("999999999999999.99"))
    ]
    assert imported.rejected() == [
        (3, "impossible", "turnover"),
        (4, "negative", "assets"),
        (5, "negative", "capital"),
    ]


def test_a_row_with_several_problems_is_one_rejected_row(tmp_path):
    data = csv_bytes(HEADER, "E1,Z9,-2,abc,,1999,,perhaps")

    imported = import_bytes(tmp_path, data)

    assert imported.rejected() == [
        (2, "negative", "employees"),
        (2, "not_a_number", "turnover"),
        (2, "not_yes_no", "exporter"),
        (2, "unknown_isic", "isic"),
        (2, "wrong_year", "year"),
    ]
    assert imported.result.rows_rejected == 1
    assert imported.result.reasons == {
        "negative": 1, "not_a_number": 1, "not_yes_no": 1, "unknown_isic": 1, "wrong_year": 1,
    }  # fmt: skip


def test_mapped_columns_keep_the_files_names_in_the_rejects(tmp_path):
    data = csv_bytes("Firma No;NACE;Çalışan;Ciro", "T1;C10;beş;1.000,00", "T2;C10;4;1.000,00")
    mapping = {"enterprise_id": "Firma No", "isic": "NACE", "employees": "Çalışan",
               "turnover": "Ciro"}  # fmt: skip

    imported = import_bytes(tmp_path, data, mapping=mapping, decimal_comma=True)

    assert imported.rejected() == [(2, "not_a_number", "Çalışan")]
    assert [(r["enterprise_id"], r["turnover"]) for r in imported.rows] == [("T2", D("1000"))]
    assert imported.result.extra_columns == []


def test_completeness_counts_every_row_read(tmp_path):
    data = csv_bytes(
        "enterprise_id,isic,employees,turnover,notes",
        "C1,C10,1,100,x",
        "C2,C10,2,,",
        "C3,C10,bad,300,",
        "C4,C10,4,",
    )

    imported = import_bytes(tmp_path, data)
    completeness = imported.result.completeness

    assert imported.result.rows_read == 4
    # The structurally broken last line gives no value; a wrong value is still a value.
    assert completeness["enterprise_id"] == 0.75
    assert completeness["employees"] == 0.75
    assert completeness["turnover"] == 0.5
    assert completeness["assets"] is None  # not in the file
    assert imported.result.extra_columns == ["notes"]


def test_progress_is_reported_by_phase(tmp_path):
    source = prepare_bytes(tmp_path, csv_bytes("enterprise_id,isic,employees", "P1,C10,3"))
    seen = []
    plan = _plan(tmp_path, source)

    run_import(plan, lambda phase, fraction: seen.append((phase, fraction)))

    assert [phase for phase, _ in seen if _ == 0.0] == ["reading", "classifying", "aggregating"]
    assert seen[-1] == ("done", 1.0)


# -- size classes and aggregates -----------------------------------------------------------------


def test_unclassified_records_say_why(tmp_path):
    definitions = [shipped_definitions()[c] for c in ("TR-2023", "EU-2003", "IR", "MY-2014")]
    data = csv_bytes(
        "enterprise_id,isic,employees,turnover,assets",
        "U1,C10,5,,",  # no turnover or assets: micro or more?
        "U2,C10,300,,",  # 250 or more employees: large whatever the rest
        "U3,G47,5,100,",
    )

    imported = import_bytes(tmp_path, data, definitions=definitions)
    result = imported.result

    assert result.class_counts == {
        "TR-2023": {"unclassified": 1, LARGE: 1, "micro": 1},
        "EU-2003": {"unclassified": 1, LARGE: 1, "micro": 1},
        "IR": {"unclassified": 3},
        "MY-2014": {"unclassified": 2, "micro": 1},
    }
    assert result.unclassified == {
        "TR-2023": {"missing assets, turnover": 1},
        "EU-2003": {"missing assets, turnover": 1},
        "IR": {"the thresholds of IR are not known": 3},
        # smaller_wins: 5 employees is not micro (< 5), so turnover must decide.
        "MY-2014": {"missing turnover": 2},
    }
    assert [r[f"class_{i}"] for r in imported.rows for i in range(4)] == [
        None, None, None, None,
        LARGE, LARGE, None, None,
        "micro", "micro", None, "micro",
    ]  # fmt: skip


def test_missing_exchange_rate_leaves_monetary_definitions_unclassified(tmp_path):
    definitions = [shipped_definitions()[c] for c in ("EU-2003", "D8-STAT")]
    data = csv_bytes("enterprise_id,isic,employees,turnover", "R1,C10,5,100")

    imported = import_bytes(tmp_path, data, currency="IRR", year=2025, definitions=definitions)

    assert imported.result.class_counts == {
        "EU-2003": {"unclassified": 1},
        "D8-STAT": {"micro": 1},
    }
    assert imported.result.unclassified["EU-2003"] == {"no exchange rate for IRR 2025": 1}


SECTION_DIVISIONS = {
    "A": (1, 2, 3), "B": (5, 6, 7, 8, 9), "C": tuple(range(10, 34)), "D": (35,),
    "E": (36, 37, 38, 39), "F": (41, 42, 43), "G": (45, 46, 47), "H": (49, 50, 51, 52, 53),
    "I": (55, 56), "J": (58, 59, 60, 61, 62, 63), "K": (64, 65, 66), "L": (68,),
    "M": (69, 70, 71, 72, 73, 74, 75), "N": (77, 78, 79, 80, 81, 82), "O": (84,), "P": (85,),
    "Q": (86, 87, 88), "R": (90, 91, 92, 93), "S": (94, 95, 96), "T": (97, 98), "U": (99,),
}  # fmt: skip
YEAR, CURRENCY = 2023, "TRY"


def boundary_values() -> tuple[list[int], list[Decimal]]:
    """Every threshold of every shipped definition (monetary ones in TRY at 2023 rates), and
    one unit either side of it."""
    employees, amounts = set(), set()
    for definition in shipped_definitions().values():
        for band in definition.bands:
            for klass in band.classes:
                for criterion, bound in klass.bounds:
                    if criterion not in MONETARY:
                        v = int(bound.value)
                        employees.update(n for n in (v - 1, v, v + 1) if n >= 0)
                        continue
                    limit = convert(
                        bound.value, source=definition.currency, target=CURRENCY, year=YEAR,
                        rates=shipped_rates(),
                    )  # fmt: skip
                    assert limit is not None
                    amounts.update(limit + step for step in (D("-0.01"), D(0), D("0.01")))
    return sorted(employees), sorted(amounts)


def random_rows(rng: random.Random, count: int):
    """(row written to the file, record the classifier gets or None when the row must be
    rejected), with boundary values, missing amounts and every section."""
    employees_pool, amounts_pool = boundary_values()

    def amount(missing: float) -> Decimal | None:
        roll = rng.random()
        if roll < missing:
            return None
        if roll < missing + 0.35:
            return rng.choice(amounts_pool)
        return D(round(10 ** rng.uniform(2, 11), 2)).quantize(D("0.01"))

    def written(value: Decimal | None) -> str:
        if value is None:
            return ""
        return f"{value:,.2f}" if rng.random() < 0.2 else f"{value:.2f}"

    for i in range(count):
        section = rng.choice(sorted(SECTION_DIVISIONS))
        division = rng.choice(SECTION_DIVISIONS[section])
        isic = rng.choice([
            section, f"{section}{division:02d}", f"{division:02d}",
            f"{division:02d}{rng.randint(10, 99)}", f"{section.lower()}{division:02d}",
        ])  # fmt: skip
        if rng.random() < 0.4:
            employees = rng.choice(employees_pool)
        else:
            employees = int(10 ** rng.uniform(0, 3.8)) - 1
        turnover, assets, capital = amount(0.2), amount(0.3), amount(0.5)
        exporter = rng.choice(["yes", "no", "", "1", "0"])
        record = EnterpriseRecord(
            employees=employees, turnover=turnover, assets=assets, capital=capital,
            year=YEAR, currency=CURRENCY, isic_section=section,
        )  # fmt: skip
        row = [f"R{i:05d}", isic, str(employees), written(turnover), written(assets),
               written(capital), rng.choice([str(YEAR), ""]), exporter]  # fmt: skip
        if rng.random() < 0.02:  # a bad row
            row[2], record = rng.choice(["n/a", "-3", "12.5"]), None
        yield row, record, exporter


def test_import_agrees_with_the_python_classifier_and_plain_sums(tmp_path):
    # Given 3,000 seeded rows, some rejected and some repeating an earlier identifier
    rng = random.Random(20260714)
    rows, records, flags = [], [], []
    for row, record, exporter in random_rows(rng, 3_000):
        rows.append(row)
        records.append(record)
        flags.append(exporter)
    for i in rng.sample(range(100, 3_000), 40):  # repeat the identifier of an earlier row
        rows[i][0] = rows[rng.randrange(0, i)][0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["enterprise_id", "isic", "employees", "turnover", "assets", "capital",
                     "year", "exporter"])  # fmt: skip
    writer.writerows(rows)
    definitions = list(shipped_definitions().values())

    # When the file is imported
    imported = import_bytes(
        tmp_path, buffer.getvalue().encode(), definitions=definitions, currency=CURRENCY
    )

    # Then the rows kept are the valid ones, each identifier's first
    kept, seen, duplicates = [], set(), 0
    for row, record, exporter in zip(rows, records, flags, strict=True):
        if record is None:
            continue
        if row[0] in seen:
            duplicates += 1
            continue
        seen.add(row[0])
        kept.append((row[0], record, exporter))
    bad = records.count(None)
    result = imported.result
    assert (result.rows_read, result.rows_accepted) == (3_000, len(kept))
    assert result.rows_rejected == bad + duplicates
    assert result.reasons["duplicate_identifier"] == duplicates
    assert [r["enterprise_id"] for r in imported.rows] == [k[0] for k in kept]

    # And every definition's classes are the Python classifier's
    rates = shipped_rates()
    for index, definition in enumerate(definitions):
        classes = [classify(record, definition, rates).size_class for _, record, _ in kept]
        assert [r[f"class_{index}"] for r in imported.rows] == classes, definition.code
        expected = Counter(c or "unclassified" for c in classes)
        assert result.class_counts[definition.code] == dict(expected), definition.code
        assert sum(result.unclassified[definition.code].values()) == classes.count(None)
        if definition.rule is not None:  # the boundaries reach every class
            named = {k.size_class for band in definition.bands for k in band.classes}
            assert named | {LARGE} <= set(classes), definition.code

        # And the aggregates are plain sums by section and class
        sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, None, 0, 0, 0])
        for (_, record, exporter), size_class in zip(kept, classes, strict=True):
            cell = sums[(record.isic_section, size_class or "unclassified")]
            cell[0] += 1
            cell[1] += record.employees
            if record.turnover is not None:
                cell[2] = (cell[2] or 0) + record.turnover
                cell[3] += 1
            cell[4] += exporter in ("yes", "1")
            cell[5] += exporter != ""
        got = {
            (a.isic_section, a.size_class): [
                a.enterprises,
                a.employment,
                a.turnover,
                a.turnover_reported,
                *a.flags["exporter"],
            ]
            for a in result.aggregates
            if a.definition == definition.code
        }
        assert got == dict(sums), definition.code

    # And every section appears, with the totals of plain Python sums
    totals = defaultdict(lambda: [0, 0, D(0)])
    for _, record, _ in kept:
        total = totals[record.isic_section]
        total[0] += 1
        total[1] += record.employees
        total[2] += record.turnover or 0
    assert sorted(totals) == sorted(SECTION_DIVISIONS)
    for definition in definitions:
        by_section = defaultdict(lambda: [0, 0, D(0)])
        for a in result.aggregates:
            if a.definition == definition.code:
                cell = by_section[a.isic_section]
                cell[0] += a.enterprises
                cell[1] += a.employment
                cell[2] += a.turnover or 0
        assert by_section == totals, definition.code


# -- mapping -------------------------------------------------------------------------------------

COLUMNS = ("Firm", "NACE", "Staff", "Sales")
MAPPING = {"enterprise_id": "Firm", "isic": "NACE", "employees": "Staff"}


def test_mapping_with_an_unknown_field_is_refused():
    with pytest.raises(MappingError) as refused:
        check_mapping({**MAPPING, "headcount": "Staff", "profit": "Sales"}, COLUMNS)

    assert str(refused.value) == "Unknown field(s) in the mapping: headcount, profit."


def test_mapping_without_a_required_field_is_refused():
    with pytest.raises(MappingError) as refused:
        check_mapping({"enterprise_id": "Firm", "turnover": "Sales"}, COLUMNS)

    assert str(refused.value) == "Map a column to each required field: isic, employees."


def test_mapping_to_a_column_the_file_lacks_lists_the_files_columns():
    with pytest.raises(MappingError) as refused:
        check_mapping({**MAPPING, "employees": "Workers"}, COLUMNS)

    assert str(refused.value) == (
        "The file has no column named 'Workers'; its columns are 'Firm', 'NACE', 'Staff', 'Sales'."
    )


def test_mapping_one_column_to_two_fields_is_refused():
    with pytest.raises(MappingError) as refused:
        check_mapping({**MAPPING, "turnover": "Sales", "assets": "Sales"}, COLUMNS)

    assert str(refused.value) == "Column(s) mapped to two fields: Sales."


def test_good_mapping_passes():
    check_mapping({**MAPPING, "turnover": "Sales"}, COLUMNS)


def test_import_with_a_bad_mapping_writes_nothing(tmp_path):
    source = prepare_bytes(tmp_path, csv_bytes(",".join(COLUMNS), "F1,C10,3,100"))
    plan = _plan(tmp_path, source, mapping={**MAPPING, "employees": "Workers"})

    with pytest.raises(MappingError, match="no column named 'Workers'"):
        run_import(plan)

    assert not plan.microdata_path.exists()
    assert not plan.rejects_path.exists()
    assert list((tmp_path / "work").iterdir()) == []


def test_guess_mapping_matches_canonical_names_whatever_their_case():
    columns = ("Enterprise_ID", "ISIC", "Employees", "TurnOver", "Region Name", "legal-form",
               "Women Owned", "EXPORTER", "sales")  # fmt: skip

    assert guess_mapping(columns) == {
        "enterprise_id": "Enterprise_ID",
        "isic": "ISIC",
        "employees": "Employees",
        "turnover": "TurnOver",
        "legal_form": "legal-form",
        "exporter": "EXPORTER",
        "women_owned": "Women Owned",
    }


def _plan(tmp_path, source, *, mapping=None):
    from d8coop.statistics.engine.microdata import ImportPlan

    return ImportPlan(
        source=source,
        mapping=mapping if mapping is not None else guess_mapping(source.columns),
        year=YEAR,
        currency=CURRENCY,
        definitions=[shipped_definitions()["D8-STAT"]],
        rates=shipped_rates(),
        work_dir=tmp_path / "work",
        microdata_path=tmp_path / "microdata.parquet",
        rejects_path=tmp_path / "rejects.csv",
    )
