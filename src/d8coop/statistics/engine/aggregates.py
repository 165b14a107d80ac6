"""Import a member state's published aggregates: enterprises, employment and turnover by size
class (and ISIC section, when given) for one year, one row per cell.

Such tables are small (a few hundred rows), so rows are read with their line and checked in
Python; the rules are those of the microdata (numbers, negatives, ISIC sections) plus the
table's own: a known size class, at least one figure per row, each cell once. Framework-free.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from d8coop.statistics.engine.definitions import LARGE, SIZE_CLASSES
from d8coop.statistics.engine.files import ReadableFile
from d8coop.statistics.engine.microdata import MAX_AMOUNT, MappingError, check_columns
from d8coop.statistics.engine.sql import quote, text

MAX_ROWS = 100_000  # a published table, not microdata
FIELDS = ("size_class", "isic_section", "enterprises", "employment", "turnover")
REQUIRED = ("size_class",)
FIGURES = ("enterprises", "employment", "turnover")
CLASSES = (*SIZE_CLASSES, LARGE)
SECTIONS = frozenset("ABCDEFGHIJKLMNOPQRSTU")
ALL_SECTIONS = ""


@dataclass(frozen=True)
class Cell:
    line: int
    size_class: str
    isic_section: str  # "" for all sections
    enterprises: int | None
    employment: int | None
    turnover: Decimal | None


@dataclass(frozen=True)
class Reject:
    line: int
    column: str
    value: str
    code: str
    reason: str


@dataclass
class AggregatesResult:
    rows_read: int
    cells: list[Cell]
    rejects: list[Reject]

    @property
    def rows_rejected(self) -> int:
        return len({r.line for r in self.rejects})

    @property
    def reasons(self) -> dict[str, int]:
        """Rejected rows by reason code (a row with two problems counts under both), as the
        microdata import reports them."""
        lines_by_code: dict[str, set[int]] = {}
        for reject in self.rejects:
            lines_by_code.setdefault(reject.code, set()).add(reject.line)
        return {code: len(lines) for code, lines in sorted(lines_by_code.items())}


def check_mapping(mapping: dict[str, str], columns: tuple[str, ...]) -> None:
    check_columns(mapping, FIELDS, columns)
    if "size_class" not in mapping or not any(f in mapping for f in FIGURES):
        raise MappingError(
            "Map a column to size_class and to at least one of enterprises, employment, turnover."
        )


def read_rows(source: ReadableFile) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: text}) for every record, numbered as the uploader sees the file."""
    rows: list[tuple[int, dict[str, str]]] = []
    if source.is_parquet:
        with duckdb.connect() as con:
            names = ", ".join(f"CAST({quote(c)} AS VARCHAR)" for c in source.columns)
            query = f"SELECT {names} FROM read_parquet({text(str(source.path))}) LIMIT ?"
            for number, values in enumerate(con.execute(query, [MAX_ROWS + 1]).fetchall(), 1):
                rows.append((number, dict(zip(source.columns, values, strict=True))))
        return rows
    with Path(source.path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=source.delimiter)
        header = next(reader, [])
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            record = dict(zip(header, values, strict=False))
            if source.line_column:
                line = int(record.pop(source.line_column))
                extra = record.pop(source.extra_column, "")
                if extra:
                    record["__extra__"] = extra
            if len(values) != len(header):
                record["__width__"] = str(len(values))
            rows.append((line, record))
            if len(rows) > MAX_ROWS:
                break
    return rows


def run_aggregates_import(
    source: ReadableFile, mapping: dict[str, str], *, decimal_comma: bool = False
) -> AggregatesResult:
    check_mapping(mapping, source.columns)
    rows = read_rows(source)
    if len(rows) > MAX_ROWS:
        raise MappingError(
            f"More than {MAX_ROWS:,} rows: a published table has far fewer; is this microdata?"
        )
    cells: list[Cell] = []
    rejects: list[Reject] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in rows:
        row = _Row(line, record, mapping, len(source.columns), decimal_comma)
        key = (row.section, row.size_class)
        if not row.problems and key in seen:
            row.bad("size_class", "duplicate_cell", f"the same cell as line {seen[key]}")
        if row.problems:
            rejects.extend(row.problems)
            continue
        seen[key] = line
        cells.append(
            Cell(
                line=line,
                size_class=row.size_class,
                isic_section=row.section or ALL_SECTIONS,
                enterprises=_int(row.figures["enterprises"]),
                employment=_int(row.figures["employment"]),
                turnover=row.figures["turnover"],
            )
        )
    return AggregatesResult(rows_read=len(rows), cells=cells, rejects=rejects)


class _Row:
    """One record checked: its values, or its problems."""

    def __init__(
        self, line: int, record: dict[str, str], mapping: dict[str, str], width: int,
        decimal_comma: bool,
    ) -> None:  # fmt: skip
        self.line, self.mapping = line, mapping
        self.problems: list[Reject] = []
        if "__width__" in record:
            self.problems.append(
                Reject(line, "", record["__width__"], "bad_structure",
                       f"{record['__width__']} fields on the line; the header has {width}")
            )  # fmt: skip
        if "__extra__" in record:
            self.problems.append(
                Reject(line, "", record["__extra__"], "extra_values",
                       "values beyond the named columns")
            )  # fmt: skip
        self.raw = {f: (record.get(mapping[f]) or "").strip() for f in FIELDS if f in mapping}
        self.size_class = self.raw.get("size_class", "").lower()
        if not self.size_class:
            self.bad("size_class", "missing_required", "missing required field")
        elif self.size_class not in CLASSES:
            self.bad("size_class", "unknown_class", f"not one of {', '.join(CLASSES)}")
        self.section = self.raw.get("isic_section", "").upper()
        if self.section and self.section not in SECTIONS:
            self.bad("isic_section", "unknown_isic", "not an ISIC Rev.4 section letter (A-U)")
        self.figures: dict[str, Decimal | None] = {}
        for name in FIGURES:
            whole = name != "turnover"
            text_value = self.raw.get(name, "")
            value, problem = _number(text_value, whole=whole, decimal_comma=decimal_comma)
            if problem:
                self.bad(name, *problem)
            self.figures[name] = value
        if not self.problems and all(v is None for v in self.figures.values()):
            self.bad("enterprises", "missing_required", "no figure on the row")

    def bad(self, name: str, code: str, reason: str) -> None:
        column = self.mapping.get(name, name)
        self.problems.append(Reject(self.line, column, self.raw.get(name, ""), code, reason))


def write_rejects(rejects: list[Reject], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "value", "code", "reason"])
        for r in sorted(rejects, key=lambda r: (r.line, r.code, r.column)):
            writer.writerow([r.line, r.column, r.value, r.code, r.reason])


def _number(
    raw: str, *, whole: bool, decimal_comma: bool
) -> tuple[Decimal | None, tuple[str, str] | None]:
    if not raw:
        return None, None
    cleaned = raw.replace(" ", "").replace("\u00a0", "")
    group, point = (".", ",") if decimal_comma else (",", ".")
    head, _, tail = cleaned.partition(point)
    parts = head.lstrip("-").split(group)
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        return None, ("not_a_number", "not a number")
    cleaned = head.replace(group, "") + ("." + tail if tail else "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None, ("not_a_number", "not a number")
    if not value.is_finite():
        return None, ("not_a_number", "not a number")
    if value < 0:
        return None, ("negative", "negative")
    if value >= MAX_AMOUNT:
        return None, ("impossible", "impossible: 10^15 or more")
    if whole and value != value.to_integral_value():
        return None, ("not_a_number", "not a whole number")
    return value, None


def _int(value: Decimal | None) -> int | None:
    return None if value is None else int(value)
