"""Import enterprise-level microdata with DuckDB: validate every row, classify the good ones
under each definition, write them to Parquet, the bad ones to a rejects file, and aggregate.

One pass reads the file into a staged Parquet file with every field parsed and every row's
errors listed (all columns read as text, so a bad value is a reject, never a failed import);
rows that break the file's structure (too many or too few fields) are caught by DuckDB's
`store_rejects` with their line. Duplicated identifiers are found by one aggregation. A second
pass writes the accepted rows with their size class under each definition (the SQL compiled by
`engine.sql`, the very rules the Python classifier applies) to the microdata Parquet file, and
the aggregates are computed from it. Rows read = rows accepted + rows rejected, always.

Framework-free: the service, the command line and the benchmark run the same `run_import`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from d8coop.statistics.engine.definitions import Definition
from d8coop.statistics.engine.files import ReadableFile
from d8coop.statistics.engine.money import ExchangeRates
from d8coop.statistics.engine.rules import MONETARY, criteria_of
from d8coop.statistics.engine.sql import Columns, compile_definition, quote, text

MAX_EMPLOYEES = 3_000_000  # more than any enterprise in the world employs
MAX_AMOUNT = Decimal("1e15")
MAX_TEXT = 200
UNCLASSIFIED = "unclassified"
TRUE_WORDS = ("1", "true", "yes", "y")
FALSE_WORDS = ("0", "false", "no", "n")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "id", "text", "isic", "integer", "amount", "year", "flag"
    required: bool = False


FIELDS = (
    Field("enterprise_id", "id", required=True),
    Field("isic", "isic", required=True),
    Field("employees", "integer", required=True),
    Field("turnover", "amount"),
    Field("assets", "amount"),
    Field("capital", "amount"),
    Field("year", "year"),
    Field("region", "text"),
    Field("legal_form", "text"),
    Field("exporter", "flag"),
    Field("women_owned", "flag"),
    Field("registered", "flag"),
    Field("bank_credit", "flag"),
    Field("uses_ict", "flag"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
REQUIRED = tuple(f.name for f in FIELDS if f.required)
QUALITY_FLAGS = tuple(f.name for f in FIELDS if f.kind == "flag")

# ISIC Rev.4 divisions and their sections (divisions 04, 34, 40, 44, 48, 54, 57, 67, 76, 83
# and 89 do not exist).
ISIC_DIVISIONS = (
    ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39), ("F", 41, 43),
    ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63), ("K", 64, 66), ("L", 68, 68),
    ("M", 69, 75), ("N", 77, 82), ("O", 84, 84), ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93),
    ("S", 94, 96), ("T", 97, 98), ("U", 99, 99),
)  # fmt: skip


class MappingError(ValueError):
    """The column mapping does not fit the file."""


@dataclass(frozen=True)
class ImportPlan:
    source: ReadableFile
    mapping: dict[str, str]  # canonical field -> the file's column
    year: int
    currency: str
    definitions: Sequence[Definition]
    rates: ExchangeRates
    work_dir: Path
    microdata_path: Path
    rejects_path: Path
    decimal_comma: bool = False
    memory_limit: str = "500MB"


@dataclass
class AggregateRow:
    definition: str
    isic_section: str
    size_class: str
    enterprises: int
    employment: int
    turnover: Decimal | None
    turnover_reported: int
    flags: dict[str, tuple[int, int]]  # flag -> (yes, answered)


@dataclass
class ImportResult:
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    reasons: dict[str, int]  # reject reason code -> rows
    class_counts: dict[str, dict[str, int]]  # definition code -> class -> enterprises
    unclassified: dict[str, dict[str, int]]  # definition code -> reason -> enterprises
    aggregates: list[AggregateRow]
    completeness: dict[str, float | None]  # field -> share of rows read with a value
    duplicates: int
    extra_columns: list[str] = field(default_factory=list)  # in the file, not mapped


Progress = Callable[[str, float], None]


def check_columns(mapping: dict[str, str], fields: Sequence[str], columns: Sequence[str]) -> None:
    """Refuse a mapping that names unknown fields or columns, or maps a column twice (any
    kind of data; each kind then checks which fields it requires)."""
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise MappingError(f"Unknown field(s) in the mapping: {', '.join(unknown)}.")
    missing_columns = [c for c in mapping.values() if c not in columns]
    if missing_columns:
        raise MappingError(
            f"The file has no column named {', '.join(repr(c) for c in missing_columns)}; "
            f"its columns are {', '.join(repr(c) for c in columns)}."
        )
    used = list(mapping.values())
    twice = sorted({c for c in used if used.count(c) > 1})
    if twice:
        raise MappingError(f"Column(s) mapped to two fields: {', '.join(twice)}.")


def check_mapping(mapping: dict[str, str], columns: Sequence[str]) -> None:
    """Refuse a mapping that does not fit the file, or leaves a required field out."""
    check_columns(mapping, FIELD_NAMES, columns)
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        raise MappingError(f"Map a column to each required field: {', '.join(missing)}.")


def guess_mapping(columns: Sequence[str], fields: Sequence[str] = FIELD_NAMES) -> dict[str, str]:
    """Columns named like a canonical field (case, spaces and dashes aside) map to it."""

    def key(name: str) -> str:
        return name.casefold().replace(" ", "_").replace("-", "_")

    by_key = {key(c): c for c in columns}
    return {name: by_key[name] for name in fields if name in by_key}


def run_import(plan: ImportPlan, progress: Progress | None = None) -> ImportResult:
    check_mapping(plan.mapping, plan.source.columns)
    report = progress or (lambda phase, fraction: None)
    stage = plan.work_dir / "stage.parquet"
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = {text(plan.memory_limit)}")
        con.execute(f"SET temp_directory = {text(str(plan.work_dir / 'duckdb-spill'))}")
        con.execute("SET preserve_insertion_order = true")
        report("reading", 0.0)
        _run_with_progress(
            con,
            f"COPY ({_stage_query(plan)}) TO {text(str(stage))} (FORMAT parquet)",
            lambda p: report("reading", p),
        )
        _number_lines(con, plan, stage)
        con.execute(
            "CREATE TEMP TABLE dup AS SELECT enterprise_id, min(__rn) AS first_rn, "
            "arg_min(line, __rn) AS first_line FROM staged WHERE errors IS NULL "
            "GROUP BY enterprise_id HAVING count(*) > 1"
        )
        report("classifying", 0.0)
        _run_with_progress(
            con,
            f"COPY ({_accepted_query(plan, stage)}) TO {text(str(plan.microdata_path))} "
            "(FORMAT parquet, COMPRESSION zstd)",
            lambda p: report("classifying", p),
        )
        report("aggregating", 0.0)
        rejected, reasons = _write_rejects(con, plan, stage)
        read = (
            con.execute(f"SELECT count(*) FROM read_parquet({text(str(stage))})").fetchone()[0]
            + con.execute("SELECT count(DISTINCT line) FROM structural").fetchone()[0]
        )
        accepted = con.execute(
            f"SELECT count(*) FROM read_parquet({text(str(plan.microdata_path))})"
        ).fetchone()[0]
        if read != accepted + rejected:  # pragma: no cover - a broken invariant, not input
            raise AssertionError(f"read {read} != accepted {accepted} + rejected {rejected}")
        _cube(con, plan)
        aggregates = _aggregates(con, plan)
        result = ImportResult(
            rows_read=read,
            rows_accepted=accepted,
            rows_rejected=rejected,
            reasons=reasons,
            class_counts=_class_counts(plan, aggregates),
            unclassified=_unclassified(con, plan),
            aggregates=aggregates,
            completeness=_completeness(con, plan, stage, read),
            duplicates=reasons.get("duplicate_identifier", 0),
            extra_columns=[c for c in plan.source.columns if c not in plan.mapping.values()],
        )
        report("done", 1.0)
    stage.unlink(missing_ok=True)
    return result


# -- reading and validating --------------------------------------------------------------------
def _source_relation(plan: ImportPlan) -> str:
    source = plan.source
    if source.is_parquet:
        return f"read_parquet({text(str(source.path))})"
    names = [*source.columns]
    if source.line_column:
        names += [source.line_column, source.extra_column]
    columns = "{" + ", ".join(f"{text(n)}: 'VARCHAR'" for n in names) + "}"
    return (
        f"read_csv({text(str(source.path))}, header = true, auto_detect = false, "
        f"delim = {text(source.delimiter)}, quote = '\"', escape = '\"', columns = {columns}, "
        "store_rejects = true, rejects_table = 'structural_errors', "
        "rejects_scan = 'structural_scans', strict_mode = true)"
    )


def _raw(plan: ImportPlan, name: str) -> str:
    """The trimmed text of a mapped field; NULL when empty or not mapped."""
    column = plan.mapping.get(name)
    if column is None:
        return "CAST(NULL AS VARCHAR)"
    return f"NULLIF(trim(CAST(s.{quote(column)} AS VARCHAR)), '')"


def _error(plan: ImportPlan, name: str, condition: str, code: str, reason: str) -> tuple[str, str]:
    """(condition, the error it gives as a struct)."""
    column = plan.mapping.get(name, name)
    return condition, (
        f"{{'column': {text(column)}, 'value': raw_{name}, "
        f"'code': {text(code)}, 'reason': {text(reason)}}}"
    )


def _section_case(division: str) -> str:
    """The section of a division (an INTEGER expression), NULL for none: a list lookup, as a
    CASE of 21 ranges re-evaluated the division in each arm, a fifth of the validation's cost
    (docs/benchmarks/sme-import.md)."""
    sections = ["NULL"] * 100
    for section, low, high in ISIC_DIVISIONS:
        for number in range(low, high + 1):
            sections[number] = text(section)
    lookup = f"[{', '.join(sections)}]"
    return f"(CASE WHEN {division} BETWEEN 0 AND 99 THEN {lookup}[{division} + 1] END)"


def _stage_query(plan: ImportPlan) -> str:
    raws = [f"{_raw(plan, f.name)} AS raw_{f.name}" for f in FIELDS]
    parsed, errors = [], []
    for f in FIELDS:
        raw = f"raw_{f.name}"
        if f.required:
            errors.append(
                _error(plan, f.name, f"{raw} IS NULL", "missing_required", "missing required field")
            )
        if f.kind in ("id", "text"):
            limit = 64 if f.kind == "id" else MAX_TEXT
            parsed.append(f"{raw} AS {f.name}")
            errors.append(
                _error(plan, f.name, f"length({raw}) > {limit}", "too_long",
                       f"longer than {limit} characters")
            )  # fmt: skip
        elif f.kind in ("integer", "year"):
            # DuckDB's cast rounds "5.7" to 6 and reads "1e3" and "0x10": only digits pass
            # (and a zero fraction, as Parquet doubles are written "5.0").
            value = (
                f"(CASE WHEN regexp_full_match({raw}, '[+-]?[0-9]+(\\.0*)?') "
                f"THEN TRY_CAST({raw} AS BIGINT) END)"
            )
            parsed.append(f"{value} AS {f.name}")
            errors.append(
                _error(plan, f.name, f"{raw} IS NOT NULL AND {f.name} IS NULL", "not_a_number",
                       "not a whole number")
            )  # fmt: skip
            if f.kind == "integer":
                errors.append(_error(plan, f.name, f"{f.name} < 0", "negative", "negative"))
                errors.append(
                    _error(plan, f.name, f"{f.name} > {MAX_EMPLOYEES}", "impossible",
                           f"impossible: more than {MAX_EMPLOYEES:,} employees")
                )  # fmt: skip
            else:
                errors.append(
                    _error(plan, f.name, f"{f.name} <> {plan.year}", "wrong_year",
                           f"wrong year: this import is for {plan.year}")
                )  # fmt: skip
        elif f.kind == "amount":
            # Spaces never matter; the other separator groups thousands only in threes.
            cleaned = f"replace({raw}, ' ', '')"
            # Only text can be written with a decimal comma: a worksheet's numbers and
            # Parquet's come with a point whatever the source's habit.
            comma = plan.decimal_comma and plan.source.format == "csv"
            group, point = (".", ",") if comma else (",", ".")
            grouped = (
                f"regexp_full_match({cleaned}, '-?[0-9]{{1,3}}(\\{group}[0-9]{{3}})+"
                f"(\\{point}[0-9]*)?')"
            )
            # With a decimal comma a point only groups thousands ("1.500" is 1500, not 1.5).
            plain = (
                f"(CASE WHEN NOT contains({cleaned}, '.') THEN replace({cleaned}, ',', '.') END)"
                if comma
                else cleaned
            )
            ungrouped = f"replace(replace({cleaned}, {text(group)}, ''), ',', '.')"
            value = (
                f"coalesce(TRY_CAST({plain} AS DECIMAL(18, 2)), CASE WHEN {grouped} THEN "
                f"TRY_CAST({ungrouped} AS DECIMAL(18, 2)) END)"
            )
            parsed.append(f"{value} AS {f.name}")
            errors.append(
                _error(plan, f.name, f"{raw} IS NOT NULL AND {f.name} IS NULL", "not_a_number",
                       "not a number" + (" (decimal comma expected)" if comma
                                         else " (decimal point expected)"))
            )  # fmt: skip
            errors.append(_error(plan, f.name, f"{f.name} < 0", "negative", "negative"))
            errors.append(
                _error(plan, f.name, f"{f.name} >= {MAX_AMOUNT:f}", "impossible",
                       "impossible: 10^15 or more")
            )  # fmt: skip
        elif f.kind == "flag":
            word = f"lower({raw})"
            yes = ", ".join(text(w) for w in TRUE_WORDS)
            no = ", ".join(text(w) for w in FALSE_WORDS)
            parsed.append(
                f"(CASE WHEN {word} IN ({yes}) THEN TRUE WHEN {word} IN ({no}) THEN FALSE END) "
                f"AS {f.name}"
            )
            errors.append(
                _error(plan, f.name, f"{raw} IS NOT NULL AND {f.name} IS NULL",
                       "not_yes_no", "not yes/no (use 1/0, yes/no, true/false)")
            )  # fmt: skip
        elif f.kind == "isic":
            # Computed once each, as columns the next ones refer to (DuckDB's lateral aliases).
            parsed.append(f"regexp_extract({raw}, '^[A-Ua-u]?([0-9]{{2,4}})$', 1) AS __digits")
            parsed.append("TRY_CAST(left(__digits, 2) AS INTEGER) AS __division")
            parsed.append(f"{_section_case('__division')} AS __by_division")
            parsed.append(f"upper(left({raw}, 1)) AS __letter")
            digits, by_division, letter = "__digits", "__by_division", "__letter"
            section = (
                f"(CASE WHEN length({raw}) = 1 AND {letter} BETWEEN 'A' AND 'U' THEN {letter} "
                f"WHEN {digits} <> '' AND ({letter} BETWEEN '0' AND '9' "
                f"OR {letter} = {by_division}) THEN {by_division} END)"
            )
            parsed.append(f"{raw} AS isic_code")
            parsed.append(f"{section} AS isic_section")
            errors.append(
                _error(plan, f.name, f"{raw} IS NOT NULL AND isic_section IS NULL", "unknown_isic",
                       "unknown ISIC Rev.4 code")
            )  # fmt: skip
    # The worksheet's cells beyond the header, read in the inner query where `s` is in scope.
    extra = (
        f"NULLIF(s.{quote(plan.source.extra_column)}, '')"
        if plan.source.extra_column
        else "CAST(NULL AS VARCHAR)"
    )
    if plan.source.extra_column:
        errors.append(
            (
                "raw___extra IS NOT NULL",
                "{'column': '', 'value': raw___extra, 'code': 'extra_values', "
                "'reason': 'values beyond the named columns'}",
            )
        )
    line = (
        f"CAST(s.{quote(plan.source.line_column)} AS BIGINT)"
        if plan.source.line_column
        else "CAST(NULL AS BIGINT)"
    )
    # The raw texts stay out of the staged file (writing them cost a quarter of the pass):
    # each error carries its value, and `_completeness` counts values from the parsed ones.
    # Three levels, so that each value is parsed once: the texts, then the parsed values, then
    # the errors, which compare parsed values instead of parsing again.
    names = [p.rsplit(" AS ", 1)[1] for p in parsed]
    kept = ", ".join(n for n in names if not n.startswith("__"))
    return (
        f"SELECT __line, {kept}, {_error_list(errors)} AS errors "
        f"FROM (SELECT *, {', '.join(parsed)} "
        f"FROM (SELECT {line} AS __line, {', '.join(raws)}, {extra} AS raw___extra "
        f"FROM {_source_relation(plan)} AS s))"
    )


def _error_list(errors: list[tuple[str, str]]) -> str:
    """The row's errors, NULL when it has none: the list is built only for the rows that need
    it (building it for every row cost more than all the parsing)."""
    any_error = " OR ".join(f"({condition})" for condition, _ in errors)
    cases = ", ".join(f"CASE WHEN {condition} THEN {error} END" for condition, error in errors)
    return f"(CASE WHEN {any_error} THEN list_filter([{cases}], lambda e: e IS NOT NULL) END)"


def _run_with_progress(
    con: duckdb.DuckDBPyConnection, query: str, report: Callable[[float], None]
) -> None:
    """Run `query`, reporting DuckDB's own progress estimate (0-1) every half second."""
    finished = threading.Event()

    def watch() -> None:
        while not finished.wait(0.5):
            percent = con.query_progress()
            if percent >= 0:
                report(min(percent, 100.0) / 100)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        con.execute(query)
    finally:
        finished.set()
        watcher.join()


def _number_lines(con: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: Path) -> None:
    """Give each staged record its line in the file.

    A worksheet carries its row numbers. In a CSV file, record n is on line n + 1 (the header)
    plus the lines DuckDB skipped before it: blank lines and lines it rejected for their
    structure. With those k skipped lines sorted, record n comes after the k-th when
    n >= line_k - k; an ASOF join finds that k. (A quoted field spanning lines is the one case
    left: the records after it are numbered as if it took one line.) For Parquet, the line is
    the row number."""
    if plan.source.is_parquet:
        con.execute("CREATE TEMP TABLE structural (line BIGINT, col VARCHAR, value VARCHAR, "
                    "reason VARCHAR)")  # fmt: skip
        con.execute(f"CREATE TEMP VIEW staged AS SELECT *, __rn AS line FROM {_numbered(stage)}")
        return
    # DISTINCT: DuckDB logs a line with too many fields once per field too many.
    con.execute(
        "CREATE TEMP TABLE structural AS SELECT DISTINCT line, column_name AS col, "
        "csv_line AS value, "
        "CASE error_type WHEN 'TOO MANY COLUMNS' THEN 'too many fields on the line' "
        "WHEN 'MISSING COLUMNS' THEN 'too few fields on the line' "
        "ELSE lower(error_type) || ': ' || error_message END AS reason "
        "FROM structural_errors"
    )
    if plan.source.line_column:
        con.execute(f"CREATE TEMP VIEW staged AS SELECT *, __line AS line FROM {_numbered(stage)}")
        return
    read = con.execute(f"SELECT count(*) FROM read_parquet({text(str(stage))})").fetchone()[0]
    broken = con.execute("SELECT count(DISTINCT line) FROM structural").fetchone()[0]
    # Every line a record, the header or a broken line: none was blank (the usual case, and
    # then the file need not be read again to find them).
    counted = plan.source.lines is not None and plan.source.lines == 1 + read + broken
    blanks = ", ".join(f"({n})" for n in (() if counted else plan.source.blank_lines))
    blanks = blanks or "(NULL)"
    con.execute(
        "CREATE TEMP TABLE skipped AS SELECT line, row_number() OVER (ORDER BY line) AS k "
        f"FROM (SELECT line FROM structural UNION SELECT * FROM (VALUES {blanks}) v(line)) "
        "WHERE line IS NOT NULL"
    )
    con.execute(
        "CREATE TEMP TABLE shifts AS SELECT line - k AS threshold, max(k) AS k "
        "FROM skipped GROUP BY 1"
    )
    if con.execute("SELECT count(*) FROM shifts").fetchone()[0] == 0:
        # Nothing skipped, the usual case: the same lines without the join's cost.
        con.execute(
            f"CREATE TEMP VIEW staged AS SELECT *, __rn + 1 AS line FROM {_numbered(stage)}"
        )
        return
    con.execute(
        "CREATE TEMP VIEW staged AS SELECT st.*, st.__rn + 1 + coalesce(sh.k, 0) AS line "
        f"FROM {_numbered(stage)} AS st "
        "ASOF LEFT JOIN shifts AS sh ON st.__rn >= sh.threshold"
    )


def _numbered(stage: Path) -> str:
    """The staged records with their number in the file (`__rn`, from 1).

    The staging COPY keeps the file's order (preserve_insertion_order), so a record's row in
    the staged Parquet file is its place in the file: numbering it there costs nothing, where
    `row_number() OVER ()` during the scan held the whole file in one window and halved the
    speed of the pass."""
    return (
        f"(SELECT *, file_row_number + 1 AS __rn "
        f"FROM read_parquet({text(str(stage))}, file_row_number = true))"
    )


# -- classifying -------------------------------------------------------------------------------
def class_column(index: int) -> str:
    return f"class_{index}"


def _accepted_query(plan: ImportPlan, stage: Path) -> str:
    keep = ", ".join(["line", *FIELD_NAMES[:1], "isic_code", "isic_section", *FIELD_NAMES[2:]])
    relation = (
        f"(SELECT {keep}, {text(plan.currency)} AS currency, {plan.year} AS ref_year "
        "FROM staged AS st LEFT JOIN dup AS d USING (enterprise_id) "
        "WHERE st.errors IS NULL AND (d.first_rn IS NULL OR st.__rn = d.first_rn))"
    )
    columns = Columns(year="ref_year")
    for index, definition in enumerate(plan.definitions):
        # One currency and year for the whole file: thresholds as literals, no join.
        fixed = (plan.currency, plan.year)
        compiled = compile_definition(definition, plan.rates, columns, fixed=fixed)
        relation = f"({compiled.select(relation, alias=class_column(index))})"
    # No ORDER BY: sorting five million rows cost 40 % of the pass; rows keep their line.
    return f"SELECT * EXCLUDE (ref_year, currency) FROM {relation}"


def _write_rejects(
    con: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: Path
) -> tuple[int, dict[str, int]]:
    """Every rejected row's problems, one line each: line, column, value, code, reason."""
    con.execute(
        "CREATE TEMP TABLE rejects AS "
        "SELECT line, e.column AS col, e.value AS value, e.code AS code, e.reason AS reason "
        "FROM (SELECT line, unnest(errors) AS e FROM staged WHERE errors IS NOT NULL) "
        "UNION ALL "
        "SELECT st.line, "
        f"{text(plan.mapping['enterprise_id'])}, st.enterprise_id, 'duplicate_identifier', "
        "'duplicate identifier: first on line ' || d.first_line "
        "FROM staged AS st JOIN dup AS d USING (enterprise_id) "
        "WHERE st.errors IS NULL AND st.__rn <> d.first_rn "
        "UNION ALL "
        "SELECT line, coalesce(col, ''), value, 'bad_structure', reason FROM structural"
    )
    con.execute(
        f"COPY (SELECT line, col AS column, value, code, reason FROM rejects "
        f"ORDER BY line, code, col) TO {text(str(plan.rejects_path))} (HEADER, DELIMITER ',')"
    )
    rows = con.execute("SELECT count(DISTINCT line) FROM rejects").fetchone()[0]
    reasons = dict(
        con.execute(
            "SELECT code, count(DISTINCT line) FROM rejects GROUP BY code ORDER BY code"
        ).fetchall()
    )
    return rows, reasons


# -- aggregating -------------------------------------------------------------------------------
CUBE = "cube"  # the partial sums every aggregate is made from


def _cube(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> None:
    """One scan of the microdata: partial sums by section, the class under every definition,
    and which monetary values are missing. The aggregates and the reasons for unclassified
    records are sums over it, not a scan of the file per definition each."""
    microdata = f"read_parquet({text(str(plan.microdata_path))})"
    classes = [class_column(i) for i in range(len(plan.definitions))]
    missing = [f"{c} IS NULL AS no_{c}" for c in sorted(MONETARY)]
    flags = ", ".join(
        f"count(*) FILTER (WHERE {f}) AS {f}_yes, count({f}) AS {f}_answered" for f in QUALITY_FLAGS
    )
    keys = ", ".join(["isic_section", *classes, *missing])
    con.execute(
        f"CREATE TEMP TABLE {CUBE} AS SELECT {keys}, count(*) AS n, "
        "coalesce(sum(employees), 0) AS employment, sum(turnover) AS turnover, "
        f"count(turnover) AS turnover_reported, {flags} FROM {microdata} GROUP BY ALL"
    )


def _aggregates(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> list[AggregateRow]:
    flags = ", ".join(
        f"sum({f}_yes) AS {f}_yes, sum({f}_answered) AS {f}_answered" for f in QUALITY_FLAGS
    )
    parts = [
        f"SELECT {index} AS d, isic_section, coalesce({class_column(index)}, "
        f"{text(UNCLASSIFIED)}) AS size_class, sum(n) AS enterprises, "
        "sum(employment) AS employment, sum(turnover) AS turnover, "
        f"sum(turnover_reported) AS turnover_reported, {flags} FROM {CUBE} GROUP BY ALL"
        for index in range(len(plan.definitions))
    ]
    if not parts:
        return []
    rows = con.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2, 3").fetchall()
    result = []
    for row in rows:
        index, section, size_class, enterprises, employment, turnover, reported = row[:7]
        values = row[7:]
        result.append(
            AggregateRow(
                definition=plan.definitions[index].code,
                isic_section=section,
                size_class=size_class,
                enterprises=int(enterprises),
                employment=int(employment),
                turnover=turnover,
                turnover_reported=int(reported),
                flags={
                    f: (int(values[2 * i]), int(values[2 * i + 1]))
                    for i, f in enumerate(QUALITY_FLAGS)
                },
            )
        )
    return result


def _class_counts(plan: ImportPlan, aggregates: list[AggregateRow]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {d.code: {} for d in plan.definitions}
    for row in aggregates:
        by_class = counts[row.definition]
        by_class[row.size_class] = by_class.get(row.size_class, 0) + row.enterprises
    return counts


def _unclassified(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> dict[str, dict[str, int]]:
    """Why records are unclassified under each definition: the values its rule lacks, or a
    sector none of its bands covers. (A missing rate leaves every record unclassified.)"""
    result: dict[str, dict[str, int]] = {}
    for index, definition in enumerate(plan.definitions):
        if definition.rule is None:
            reason = text(f"the thresholds of {definition.code} are not known")
        else:
            missing = ", ".join(
                f"CASE WHEN no_{c} THEN {text(c)} END"
                for c in sorted(criteria_of(definition.rule))
                if c != "employees"  # required: never missing in accepted rows
            )
            missing_text = f"concat_ws(', ', {missing})" if missing else "''"
            rate = _rate_reason(plan, definition)
            reason = (
                text(rate) if rate else
                f"CASE WHEN {missing_text} <> '' THEN 'missing ' || {missing_text} "
                f"ELSE 'sector not covered: ISIC section ' || isic_section END"
            )  # fmt: skip
        rows = con.execute(
            f"SELECT {reason} AS reason, sum(n) FROM {CUBE} "
            f"WHERE {class_column(index)} IS NULL GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
        result[definition.code] = {reason: int(n) for reason, n in rows}
    return result


def _rate_reason(plan: ImportPlan, definition: Definition) -> str:
    if not definition.is_monetary or definition.currency == plan.currency:
        return ""
    missing = [
        c
        for c in (plan.currency, definition.currency)
        if plan.rates.lcu_per_usd(c, plan.year) is None
    ]
    return f"no exchange rate for {' or '.join(missing)} {plan.year}" if missing else ""


def _completeness(
    con: duckdb.DuckDBPyConnection, plan: ImportPlan, stage: Path, read: int
) -> dict[str, float | None]:
    """The share of rows read that give a value for each field (None: not in the file).

    A field has a value when it parsed, or when it did not: its not_a_number or not_yes_no
    error (the only errors of a value given that leave the parsed one NULL)."""

    def given(name: str) -> str:
        column = text(plan.mapping.get(name, name))
        unreadable = (
            f"len(list_filter(errors, lambda e: e.column = {column} "
            "AND e.code IN ('not_a_number', 'not_yes_no'))) > 0"
        )
        parsed = "isic_code" if name == "isic" else name
        return f"count({parsed}) + count(*) FILTER (WHERE {unreadable})"

    counts = ", ".join(given(name) for name in FIELD_NAMES)
    row = con.execute(f"SELECT {counts} FROM read_parquet({text(str(stage))})").fetchone()
    return {
        name: (row[i] / read if read else 0.0) if name in plan.mapping else None
        for i, name in enumerate(FIELD_NAMES)
    }
