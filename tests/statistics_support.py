"""Shared helpers for the statistics engine tests: the shipped definitions and rates, and a
whole import of a file's bytes (engine.files then engine.microdata) with its outputs read back.

`import_bytes` checks the engine's invariants on every file it imports: rows read = accepted +
rejected, one rejected row per distinct line of the rejects file, one microdata row per
accepted row.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

from d8coop.reference_data.loader import DATA_DIR
from d8coop.statistics.engine.definitions import Definition, parse_definition
from d8coop.statistics.engine.files import ReadableFile, prepare
from d8coop.statistics.engine.microdata import (
    ImportPlan,
    ImportResult,
    guess_mapping,
    run_import,
)
from d8coop.statistics.engine.money import ExchangeRates

MAX_BYTES = 50 * 1024 * 1024


@cache
def shipped_definitions() -> dict[str, Definition]:
    """Every definition of the reference file, by code, as the platform loads them."""
    records = yaml.safe_load((DATA_DIR / "09_sme_definitions.yaml").read_text("utf-8"))
    return {
        rec["code"]: parse_definition(
            code=rec["code"], currency=rec["currency"], rule=rec["rule"], bands=rec["bands"]
        )
        for rec in records["sme_definitions"]
    }


@cache
def shipped_rates() -> ExchangeRates:
    records = yaml.safe_load((DATA_DIR / "10_exchange_rates.yaml").read_text("utf-8"))
    return ExchangeRates.from_rows(
        (r["currency"], r["year"], r["lcu_per_usd"]) for r in records["exchange_rates"]
    )


@dataclass
class Imported:
    source: ReadableFile
    result: ImportResult
    rejects: list[dict[str, str]]  # the rejects file's rows: line, column, value, code, reason
    rows: list[dict[str, Any]]  # the microdata file's rows, by line

    def rejected(self) -> list[tuple[int, str, str]]:
        """(line, code, column) of every problem in the rejects file, in its order."""
        return [(int(r["line"]), r["code"], r["column"]) for r in self.rejects]

    def lines(self) -> list[int]:
        return [row["line"] for row in self.rows]

    def row(self, enterprise_id: str) -> dict[str, Any]:
        return next(r for r in self.rows if r["enterprise_id"] == enterprise_id)


def upload(tmp_path: Path, data: bytes, name: str = "upload.csv") -> Path:
    """Write `data` as an uploaded file; the work folder next to it stays empty."""
    (tmp_path / "work").mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_bytes(data)
    return path


def prepare_bytes(
    tmp_path: Path, data: bytes, name: str = "upload.csv", **options: Any
) -> ReadableFile:
    options.setdefault("max_bytes", MAX_BYTES)
    return prepare(upload(tmp_path, data, name), tmp_path / "work", **options)


def import_bytes(
    tmp_path: Path,
    data: bytes,
    name: str = "upload.csv",
    *,
    country: str = "TR",
    encoding: str = "",
    mapping: dict[str, str] | None = None,
    year: int = 2023,
    currency: str = "TRY",
    decimal_comma: bool = False,
    definitions: Sequence[Definition] | None = None,
) -> Imported:
    source = prepare_bytes(tmp_path, data, name, country=country, encoding=encoding)
    return import_source(
        tmp_path,
        source,
        mapping=mapping,
        year=year,
        currency=currency,
        decimal_comma=decimal_comma,
        definitions=definitions,
    )


def import_source(
    tmp_path: Path,
    source: ReadableFile,
    *,
    mapping: dict[str, str] | None = None,
    year: int = 2023,
    currency: str = "TRY",
    decimal_comma: bool = False,
    definitions: Sequence[Definition] | None = None,
) -> Imported:
    plan = ImportPlan(
        source=source,
        mapping=mapping if mapping is not None else guess_mapping(source.columns),
        year=year,
        currency=currency,
        # One cheap definition unless a test needs more: all sixteen cost a second a file.
        definitions=[shipped_definitions()["D8-STAT"]] if definitions is None else definitions,
        rates=shipped_rates(),
        work_dir=tmp_path / "work",
        microdata_path=tmp_path / "microdata.parquet",
        rejects_path=tmp_path / "rejects.csv",
        decimal_comma=decimal_comma,
    )
    result = run_import(plan)
    with plan.rejects_path.open(encoding="utf-8", newline="") as handle:
        rejects = list(csv.DictReader(handle))
    with duckdb.connect() as con:
        cursor = con.execute(
            "SELECT * FROM read_parquet(?) ORDER BY line", [str(plan.microdata_path)]
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    # The invariants, on every file imported.
    assert result.rows_read == result.rows_accepted + result.rows_rejected
    assert len({r["line"] for r in rejects}) == result.rows_rejected
    assert sum(result.reasons.values()) >= result.rows_rejected
    assert len(rows) == result.rows_accepted
    return Imported(source=source, result=result, rejects=rejects, rows=rows)


def csv_bytes(*lines: str, encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)
