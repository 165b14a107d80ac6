"""Compile a definition to a DuckDB SQL expression giving the same class as `classify`.

The expression reads the record columns of a relation (aliased `r`) and, when the definition
has monetary thresholds, a relation of thresholds converted into each (currency, year) that has
rates (aliased `fx`, built by `money.convert` exactly as the Python path converts them) joined
on the record's currency and year. `CompiledDefinition.select(relation)` gives the whole query.
A NULL result is an unclassified record; SQL's three-valued logic is the unknown of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from d8coop.statistics.engine.definitions import LARGE, Band, ClassBounds, Definition
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

RECORD = "r"
RATES = "fx"
NULL = "CAST(NULL AS VARCHAR)"


@dataclass(frozen=True)
class Columns:
    """Names of the record columns in the relation classified."""

    employees: str = "employees"
    turnover: str = "turnover"
    assets: str = "assets"
    capital: str = "capital"
    year: str = "year"
    currency: str = "currency"
    isic_section: str = "isic_section"

    def ref(self, name: str) -> str:
        return f"{RECORD}.{quote(getattr(self, name))}"


@dataclass(frozen=True)
class CompiledDefinition:
    code: str
    expression: str  # over r.<record columns> and fx.<threshold columns>
    threshold_relation: str | None  # None: no monetary thresholds, no join
    columns: Columns = field(default_factory=Columns)

    def select(self, relation: str, *, alias: str = "size_class") -> str:
        """Every column of `relation` and the class as `alias` (NULL: unclassified)."""
        query = (
            f"SELECT {RECORD}.*, {self.expression} AS {quote(alias)} FROM {relation} AS {RECORD}"
        )
        if self.threshold_relation is None:
            return query
        currency, year = self.columns.ref("currency"), self.columns.ref("year")
        return (
            f"{query} LEFT JOIN {self.threshold_relation} AS {RATES} "
            f"ON {RATES}.currency = {currency} AND {RATES}.year = {year}"
        )


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(value: Decimal | int) -> str:
    text = format(Decimal(value), "f")
    digits, _, decimals = text.lstrip("-").partition(".")
    scale = len(decimals)
    precision = 18 if len(digits) + scale <= 18 else 38
    return f"CAST('{text}' AS DECIMAL({precision}, {scale}))"


def text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def compile_definition(
    definition: Definition,
    rates: ExchangeRates,
    columns: Columns | None = None,
    *,
    fixed: tuple[str, int] | None = None,
) -> CompiledDefinition:
    """The definition as SQL; thresholds converted with `rates` for every currency-year.

    With `fixed` (currency, year), every record is known to be in that currency and year (a
    national import): the converted thresholds are written into the expression as literals,
    with no relation to join, and the expression is NULL throughout without a rate."""
    columns = columns or Columns()
    if definition.rule is None:
        return CompiledDefinition(definition.code, NULL, None, columns)
    compiler = _Compiler(definition, columns, rates=rates, fixed=fixed)
    if fixed is not None:
        if definition.is_monetary and not compiler.convertible():
            return CompiledDefinition(definition.code, NULL, None, columns)
        return CompiledDefinition(definition.code, compiler.definition_case(), None, columns)
    expression = compiler.definition_case()
    relation = compiler.threshold_relation(rates) if definition.is_monetary else None
    return CompiledDefinition(definition.code, expression, relation, columns)


class _Compiler:
    def __init__(
        self,
        definition: Definition,
        columns: Columns,
        *,
        rates: ExchangeRates,
        fixed: tuple[str, int] | None = None,
    ) -> None:
        self.definition = definition
        self.columns = columns
        self.rates = rates
        self.fixed = fixed
        assert definition.rule is not None
        self.rule: Rule = definition.rule

    # -- thresholds ----------------------------------------------------------------------------
    def monetary_bounds(self) -> list[tuple[str, int, ClassBounds, str]]:
        """(column name, band index, class, criterion) of every monetary threshold."""
        found = []
        for index, band in enumerate(self.definition.bands):
            for klass in band.classes:
                for criterion, _ in klass.bounds:
                    if criterion in MONETARY:
                        name = f"b{index}_{klass.size_class}_{criterion}"
                        found.append((name, index, klass, criterion))
        return found

    def threshold_relation(self, rates: ExchangeRates) -> str:
        bounds = self.monetary_bounds()
        names = ["currency", "year", *(name for name, *_ in bounds)]
        rows = []
        for currency, year in sorted(rates.pairs()):
            if currency == self.definition.currency:
                continue
            converted = [
                convert(
                    klass.bound(criterion).value,
                    source=self.definition.currency, target=currency, year=year, rates=rates,
                )
                for _, _, klass, criterion in bounds
            ]  # fmt: skip
            if any(value is None for value in converted):
                continue
            values = [text(currency), str(year), *(literal(v) for v in converted if v is not None)]
            rows.append("(" + ", ".join(values) + ")")
        header = ", ".join(quote(n) for n in names)
        if not rows:
            typed = ", ".join(
                [f"{NULL} AS currency", "CAST(NULL AS INTEGER) AS year"]
                + [f"CAST(NULL AS DECIMAL(38, 2)) AS {quote(n)}" for n, *_ in bounds]
            )
            return f"(SELECT {typed} WHERE false)"
        return f"(SELECT * FROM (VALUES {', '.join(rows)}) AS v({header}))"

    def convertible(self) -> bool:
        """With a fixed currency and year: whether the thresholds convert into it."""
        assert self.fixed is not None
        currency, year = self.fixed
        if not currency:
            return False
        one = Decimal(1)
        source = self.definition.currency
        return convert(one, source=source, target=currency, year=year, rates=self.rates) is not None

    def bound(self, band_index: int, klass: ClassBounds, criterion: str) -> str:
        value = literal(klass.bound(criterion).value)
        if criterion not in MONETARY:
            return value
        if self.fixed is not None:
            currency, year = self.fixed
            converted = convert(
                klass.bound(criterion).value, source=self.definition.currency,
                target=currency, year=year, rates=self.rates,
            )  # fmt: skip
            assert converted is not None  # checked by convertible()
            return literal(converted)
        column = f"{RATES}.{quote(f'b{band_index}_{klass.size_class}_{criterion}')}"
        currency = self.columns.ref("currency")
        native = text(self.definition.currency)
        return f"(CASE WHEN {currency} = {native} THEN {value} ELSE {column} END)"

    # -- the rule ------------------------------------------------------------------------------
    def rule_sql(self, rule: Rule, band_index: int, klass: ClassBounds) -> str:
        if isinstance(rule, Criterion):
            operator = "<" if klass.bound(rule.name).strict else "<="
            bound = self.bound(band_index, klass, rule.name)
            return f"({self.columns.ref(rule.name)} {operator} {bound})"
        parts = [self.rule_sql(part, band_index, klass) for part in rule.parts]
        if isinstance(rule, AllOf):
            return "(" + " AND ".join(parts) + ")"
        if isinstance(rule, AnyOf):
            return "(" + " OR ".join(parts) + ")"
        if isinstance(rule, AtLeast):
            yes = " + ".join(f"CAST({p} IS TRUE AS INTEGER)" for p in parts)
            maybe = " + ".join(f"CAST({p} IS NOT FALSE AS INTEGER)" for p in parts)
            return (
                f"(CASE WHEN ({yes}) >= {rule.count} THEN TRUE "
                f"WHEN ({maybe}) < {rule.count} THEN FALSE ELSE CAST(NULL AS BOOLEAN) END)"
            )
        if isinstance(rule, FirstKnown):
            arms = []
            for part, sql in zip(rule.parts, parts, strict=True):
                known = " AND ".join(
                    f"{self.columns.ref(c)} IS NOT NULL" for c in criteria_of(part)
                )
                arms.append(f"WHEN {known} THEN {sql}")
            return f"(CASE {' '.join(arms)} ELSE CAST(NULL AS BOOLEAN) END)"
        raise TypeError(f"Not a rule: {rule!r}")

    def band_case(self, index: int, band: Band) -> str:
        arms = []
        for klass in band.classes:
            test = self.rule_sql(self.rule, index, klass)
            arms.append(f"WHEN {test} THEN {text(klass.size_class)}")
            arms.append(f"WHEN {test} IS NULL THEN {NULL}")
        return f"(CASE {' '.join(arms)} ELSE {text(LARGE)} END)"

    def definition_case(self) -> str:
        arms = []
        if self.definition.is_monetary and self.fixed is None:
            currency = self.columns.ref("currency")
            arms.append(f"WHEN {currency} IS NULL OR {currency} = '' THEN {NULL}")
            arms.append(
                f"WHEN {currency} <> {text(self.definition.currency)} "
                f"AND {RATES}.currency IS NULL THEN {NULL}"
            )
        bands = self.definition.bands
        if len(bands) == 1 and not bands[0].isic_sections:
            if not arms:
                return self.band_case(0, bands[0])
            arms.append(f"ELSE {self.band_case(0, bands[0])}")
        else:
            section = self.columns.ref("isic_section")
            for index, band in enumerate(bands):
                if band.isic_sections:
                    listed = ", ".join(text(s) for s in sorted(band.isic_sections))
                    arms.append(f"WHEN {section} IN ({listed}) THEN {self.band_case(index, band)}")
            catch_all = self.definition.catch_all
            if catch_all is not None:
                index = bands.index(catch_all)
                arms.append(f"WHEN {section} IS NOT NULL THEN {self.band_case(index, catch_all)}")
            arms.append(f"ELSE {NULL}")
        return f"(CASE {' '.join(arms)} END)"
