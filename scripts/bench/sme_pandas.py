"""The import done the straightforward pandas way: the baseline of ``bench_sme_import.py``.

The same work as ``engine.microdata.run_import`` on a UTF-8 CSV file with the canonical
column names: read every column as text (``read_csv(dtype=str)``, pandas' default C parser),
apply the same rules to reject rows (missing required fields, values too long, numbers that do
not parse, negative or impossible values, unknown ISIC codes, a wrong year, flags that are not
yes/no; then a repeated identifier among the error-free rows, the first kept), classify the
accepted rows under each definition with vectorised numpy (the definition's rule tree
evaluated over whole columns in three-valued logic, thresholds converted with
``money.convert`` as the engine converts them, compared in cents), write them to Parquet with
pyarrow (zstd) and the rejects to CSV, and aggregate by definition x ISIC section x class.

It validates the number formats the generator writes (digits, a decimal point, thousands
separators in threes); DuckDB's casts accept a few more ("1e3", "+.5"), which this baseline
does not try to mimic. Amounts are floats, as a pandas user would keep them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from d8coop.statistics.engine.definitions import LARGE, Definition
from d8coop.statistics.engine.microdata import (
    FALSE_WORDS,
    FIELD_NAMES,
    FIELDS,
    ISIC_DIVISIONS,
    MAX_AMOUNT,
    MAX_EMPLOYEES,
    MAX_TEXT,
    QUALITY_FLAGS,
    TRUE_WORDS,
    UNCLASSIFIED,
)
from d8coop.statistics.engine.money import ExchangeRates, convert
from d8coop.statistics.engine.rules import (
    MONETARY,
    AllOf,
    AnyOf,
    AtLeast,
    Criterion,
    FirstKnown,
    Rule,
    criteria_of,
)

INTEGER = r"[+-]?[0-9]+(?:\.0*)?"  # as the engine: digits, or a zero fraction ("5.0")
PLAIN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
GROUPED = r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
ISIC = r"^[A-Ua-u]?([0-9]{2,4})$"
SECTION_OF_DIVISION = {
    division: section for section, low, high in ISIC_DIVISIONS for division in range(low, high + 1)
}


class Validation:
    """The parsed columns of the file and every rule a row breaks."""

    def __init__(self, frame: pd.DataFrame, year: int) -> None:
        self.rows = len(frame)
        self.line = np.arange(2, self.rows + 2)  # the header is line 1
        self.raw: dict[str, pd.Series] = {}
        for name in FIELD_NAMES:
            stripped = frame[name].str.strip(" ")
            self.raw[name] = stripped.where(stripped != "")
        self.errors: list[tuple[str, str, np.ndarray, str]] = []  # code, field, rows, reason
        self.parsed: dict[str, pd.Series | np.ndarray] = {}
        for f in FIELDS:
            getattr(self, f"_{f.kind}")(f.name, year)
            if f.required:
                self.check(f.name, self.raw[f.name].isna(), "missing_required",
                           "missing required field")  # fmt: skip

    def check(self, name: str, rows: pd.Series | np.ndarray, code: str, reason: str) -> None:
        mask = np.asarray(rows, dtype=bool)
        if mask.any():
            self.errors.append((code, name, mask, reason))

    def _text(self, name: str, year: int, limit: int = MAX_TEXT) -> None:
        self.parsed[name] = self.raw[name]
        self.check(name, self.raw[name].str.len() > limit, "too_long",
                   f"longer than {limit} characters")  # fmt: skip

    def _id(self, name: str, year: int) -> None:
        self._text(name, year, limit=64)

    def _number(self, name: str, pattern: str) -> pd.Series:
        raw = self.raw[name]
        ok = raw.str.fullmatch(pattern)
        self.check(name, raw.notna() & ~ok, "not_a_number", "not a whole number")
        return pd.to_numeric(raw.where(ok), errors="coerce")

    def _integer(self, name: str, year: int) -> None:
        value = self._number(name, INTEGER)
        self.parsed[name] = value
        self.check(name, value < 0, "negative", "negative")
        self.check(name, value > MAX_EMPLOYEES, "impossible",
                   f"impossible: more than {MAX_EMPLOYEES:,} employees")  # fmt: skip

    def _year(self, name: str, year: int) -> None:
        value = self._number(name, INTEGER)
        self.parsed[name] = value
        self.check(name, value.notna() & (value != year), "wrong_year",
                   f"wrong year: this import is for {year}")  # fmt: skip

    def _amount(self, name: str, year: int) -> None:
        cleaned = self.raw[name].str.replace(" ", "", regex=False)
        plain, grouped = cleaned.str.fullmatch(PLAIN), cleaned.str.fullmatch(GROUPED)
        text = cleaned.where(plain, cleaned.str.replace(",", "", regex=False).where(grouped))
        value = pd.to_numeric(text, errors="coerce")
        self.parsed[name] = value
        self.check(name, cleaned.notna() & value.isna(), "not_a_number",
                   "not a number (decimal point expected)")  # fmt: skip
        self.check(name, value < 0, "negative", "negative")
        self.check(name, value >= float(MAX_AMOUNT), "impossible", "impossible: 10^15 or more")

    def _flag(self, name: str, year: int) -> None:
        word = self.raw[name].str.lower()
        yes, no = word.isin(TRUE_WORDS), word.isin(FALSE_WORDS)
        self.parsed[name] = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
        self.check(name, word.notna() & ~yes & ~no, "not_yes_no",
                   "not yes/no (use 1/0, yes/no, true/false)")  # fmt: skip

    def _isic(self, name: str, year: int) -> None:
        raw = self.raw[name]
        digits = raw.str.extract(ISIC, expand=False)
        division = pd.to_numeric(digits.str.slice(0, 2), errors="coerce")
        by_division = division.map(SECTION_OF_DIVISION)
        letter = raw.str.slice(0, 1).str.upper()
        is_letter = letter.isin(list("ABCDEFGHIJKLMNOPQRSTU"))
        section = letter.where((raw.str.len() == 1) & is_letter)
        matches = digits.notna() & (letter.str.isdigit() | (letter == by_division))
        section = section.fillna(by_division.where(matches))
        self.parsed["isic_code"] = raw
        self.parsed["isic_section"] = section
        self.check(name, raw.notna() & section.isna(), "unknown_isic", "unknown ISIC Rev.4 code")

    def rejected(self) -> np.ndarray:
        rows = np.zeros(self.rows, dtype=bool)
        for _, _, mask, _ in self.errors:
            rows |= mask
        return rows


def run(
    csv_path: Path,
    work_dir: Path,
    *,
    year: int,
    currency: str,
    definitions: Sequence[Definition],
    rates: ExchangeRates,
) -> dict:
    """Import `csv_path`; the counts to compare with the engine's ``ImportResult``."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    checked = Validation(frame, year)
    del frame
    bad = checked.rejected()
    ids = checked.raw["enterprise_id"]
    good = np.flatnonzero(~bad)
    repeated = np.zeros(checked.rows, dtype=bool)
    repeated[good] = ids.iloc[good].duplicated(keep="first").to_numpy()
    first_line = pd.Series(checked.line[good], index=ids.iloc[good]).groupby(level=0).first()
    accepted = ~bad & ~repeated

    rejects = _rejects(checked, repeated, first_line)
    rejects.to_csv(work_dir / "pandas-rejects.csv", index=False)
    reasons = {
        code: int(rows.sum()) for code, rows in sorted(_rows_by_code(checked, repeated).items())
    }

    micro = pd.DataFrame({"line": checked.line[accepted]})
    for name in ["enterprise_id", "isic_code", "isic_section", *FIELD_NAMES[2:]]:
        column = checked.parsed[name]
        micro[name] = column[accepted] if isinstance(column, np.ndarray) else (
            column.to_numpy()[accepted]
        )  # fmt: skip
    for index, definition in enumerate(definitions):
        micro[f"class_{index}"] = classify(micro, definition, rates, year=year, currency=currency)
    micro.to_parquet(work_dir / "pandas-microdata.parquet", compression="zstd", index=False)

    class_counts, aggregates = {}, []
    for index, definition in enumerate(definitions):
        size_class = micro[f"class_{index}"].fillna(UNCLASSIFIED)
        grouped = micro.assign(size_class=size_class).groupby(["isic_section", "size_class"])
        table = grouped.agg(
            enterprises=("line", "size"),
            employment=("employees", "sum"),
            turnover=("turnover", "sum"),
            turnover_reported=("turnover", "count"),
            **{f"{f}_yes": (f, "sum") for f in QUALITY_FLAGS},
            **{f"{f}_answered": (f, "count") for f in QUALITY_FLAGS},
        )
        aggregates.append(table.assign(definition=definition.code))
        class_counts[definition.code] = {
            k: int(v) for k, v in size_class.value_counts().sort_index().items()
        }
    pd.concat(aggregates).to_parquet(work_dir / "pandas-aggregates.parquet", index=True)
    completeness = {name: float(checked.raw[name].notna().mean()) for name in FIELD_NAMES}
    return {
        "rows_read": checked.rows,
        "rows_accepted": int(accepted.sum()),
        "rows_rejected": int((~accepted).sum()),
        "reasons": reasons,
        "class_counts": class_counts,
        "completeness": completeness,
    }


def _rows_by_code(checked: Validation, repeated: np.ndarray) -> dict[str, np.ndarray]:
    rows: dict[str, np.ndarray] = {}
    for code, _, mask, _ in checked.errors:
        rows[code] = rows[code] | mask if code in rows else mask
    if repeated.any():
        rows["duplicate_identifier"] = repeated
    return rows


def _rejects(checked: Validation, repeated: np.ndarray, first_line: pd.Series) -> pd.DataFrame:
    """One line per problem, sorted as the engine sorts its rejects file."""
    parts = []
    for code, name, mask, reason in checked.errors:
        parts.append(
            pd.DataFrame(
                {"line": checked.line[mask], "column": name,
                 "value": checked.raw[name].to_numpy()[mask], "code": code, "reason": reason}
            )
        )  # fmt: skip
    ids = checked.raw["enterprise_id"].to_numpy()[repeated]
    parts.append(
        pd.DataFrame(
            {"line": checked.line[repeated], "column": "enterprise_id", "value": ids,
             "code": "duplicate_identifier",
             "reason": "duplicate identifier: first on line "
             + first_line.loc[ids].astype(str).to_numpy()}
        )
    )  # fmt: skip
    return pd.concat(parts, ignore_index=True).sort_values(["line", "code", "column"])


# -- classifying -------------------------------------------------------------------------------
def classify(
    micro: pd.DataFrame, definition: Definition, rates: ExchangeRates, *, year: int, currency: str
) -> np.ndarray:
    """The class of every row (None: unclassified): the definition's rule over whole columns."""
    rows = len(micro)
    result = np.full(rows, None, dtype=object)
    if definition.rule is None:
        return result
    native = definition.currency
    if definition.is_monetary and convert(
        Decimal(1), source=native, target=currency, year=year, rates=rates
    ) is None:  # fmt: skip
        return result
    # Amounts in cents: exact in a float64 below 2^53 cents, far above any amount here.
    values = {
        c: micro[c].to_numpy(dtype=float) * (100 if c in MONETARY else 1)
        for c in criteria_of(definition.rule)
    }
    values = {c: np.round(v) if c in MONETARY else v for c, v in values.items()}
    sections = micro["isic_section"].to_numpy(dtype=object)
    named = set().union(*(b.isic_sections for b in definition.bands))
    for band in definition.bands:
        if len(definition.bands) == 1 and not band.isic_sections:
            in_band = np.ones(rows, dtype=bool)
        elif band.isic_sections:
            in_band = np.isin(sections, sorted(band.isic_sections))
        else:
            in_band = pd.notna(sections) & ~np.isin(sections, sorted(named))
        undecided = in_band
        for klass in band.classes:
            limits = {}
            for criterion, bound in klass.bounds:
                limit = bound.value
                if criterion in MONETARY:
                    converted = convert(limit, source=native, target=currency, year=year,
                                        rates=rates)  # fmt: skip
                    assert converted is not None
                    limit = converted * 100
                limits[criterion] = (bound.strict, float(limit))
            yes, no = _evaluate(definition.rule, values, limits)
            result[undecided & yes] = klass.size_class
            undecided = undecided & no  # unknown: unclassified, decided
        result[undecided] = LARGE
    return result


def _evaluate(
    rule: Rule, values: dict[str, np.ndarray], limits: dict[str, tuple[bool, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """(yes, no) over every row; neither is unknown (Kleene logic, as in SQL)."""
    if isinstance(rule, Criterion):
        value = values[rule.name]
        strict, limit = limits[rule.name]
        known = ~np.isnan(value)
        within = value < limit if strict else value <= limit
        return known & within, known & ~within
    answers = [_evaluate(part, values, limits) for part in rule.parts]
    yeses = np.array([yes for yes, _ in answers])
    nos = np.array([no for _, no in answers])
    if isinstance(rule, AllOf):
        return yeses.all(axis=0), nos.any(axis=0)
    if isinstance(rule, AnyOf):
        return yeses.any(axis=0), nos.all(axis=0)
    if isinstance(rule, AtLeast):
        count_yes = yeses.sum(axis=0)
        unknown = len(answers) - count_yes - nos.sum(axis=0)
        return count_yes >= rule.count, count_yes + unknown < rule.count
    if isinstance(rule, FirstKnown):
        yes = np.zeros(yeses.shape[1], dtype=bool)
        no = np.zeros_like(yes)
        decided = np.zeros_like(yes)
        for part, (part_yes, part_no) in zip(rule.parts, answers, strict=True):
            known = np.all([~np.isnan(values[c]) for c in criteria_of(part)], axis=0)
            take = known & ~decided
            yes |= take & part_yes
            no |= take & part_no
            decided |= take
        return yes, no
    raise TypeError(f"Not a rule: {rule!r}")
