"""A size definition as frozen data: thresholds per sector band and size class, and the rule.

Bands are stored as JSON (the back office edits them as text) in this shape:

    [{"sector": "manufacturing", "isic_sections": ["C"],
      "classes": {"micro": {"employees": "< 5", "turnover": "< 300000"},
                  "small": {"employees": "< 75", "turnover": "< 15000000"},
                  "medium": {"employees": "<= 200", "turnover": "<= 50000000"}}},
     {"sector": "services and other", "isic_sections": [], "classes": {...}}]

A band with no ISIC sections covers every section the other bands do not name. Each bound is
an operator and a number, "< 10" (strictly fewer than 10) or "<= 2000000" (up to and including).
Bounds are cumulative upper limits: "small" is "not micro, and within the small bounds", so a
source's range such as "10-49" is written "<= 49" and the class below supplies the lower end.
A firm under the smallest class's lower end (no employees at all) falls in the smallest class.
"Large" is a firm within no class. `parse_definition` checks all of this and says what is wrong.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from d8coop.statistics.engine.rules import (
    CRITERIA,
    MONETARY,
    Rule,
    RuleError,
    criteria_of,
    parse_rule,
)

# From the smallest; national laws name classes below micro ("nano" in Nigeria, "cottage" in
# Bangladesh). "large" is never a band: it is what is within none of them.
SIZE_CLASSES = ("nano", "cottage", "micro", "small", "medium")
LARGE = "large"
ISIC_SECTIONS = frozenset("ABCDEFGHIJKLMNOPQRSTU")

_BOUND = re.compile(r"^\s*(<=|<)\s*([0-9][0-9_ ]*(?:\.[0-9]+)?)\s*$")


class DefinitionError(ValueError):
    """A definition that cannot be used; `field` is "rule", "bands" or "currency"."""

    def __init__(self, message: str, *, field: str = "bands") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Bound:
    strict: bool  # "<" when true, "<=" otherwise
    value: Decimal

    @property
    def operator(self) -> str:
        return "<" if self.strict else "<="

    def admits(self, amount: Decimal | int) -> bool:
        return amount < self.value if self.strict else amount <= self.value

    def within(self, other: Bound) -> bool:
        """Whether every amount this bound admits, `other` admits too."""
        if self.value != other.value:
            return self.value < other.value
        return self.strict or not other.strict

    def __str__(self) -> str:
        return f"{self.operator} {self.value}"


@dataclass(frozen=True)
class ClassBounds:
    size_class: str
    bounds: tuple[tuple[str, Bound], ...]  # (criterion, bound), canonical criterion order

    def bound(self, criterion: str) -> Bound:
        return dict(self.bounds)[criterion]


@dataclass(frozen=True)
class Band:
    sector: str
    isic_sections: frozenset[str]  # empty: every section no other band names
    classes: tuple[ClassBounds, ...]  # from the smallest class

    def covers(self, section: str) -> bool:
        return section in self.isic_sections


@dataclass(frozen=True)
class Definition:
    code: str
    currency: str  # of the monetary thresholds; "" when there are none
    rule: Rule | None  # None: thresholds not known
    bands: tuple[Band, ...]

    @property
    def criteria(self) -> tuple[str, ...]:
        return criteria_of(self.rule) if self.rule is not None else ()

    @property
    def is_monetary(self) -> bool:
        return any(c in MONETARY for c in self.criteria)

    @property
    def catch_all(self) -> Band | None:
        return next((b for b in self.bands if not b.isic_sections), None)

    def band_for(self, section: str | None) -> Band | None:
        """The band for an ISIC section; with a single band the section does not matter."""
        if len(self.bands) == 1 and not self.bands[0].isic_sections:
            return self.bands[0]
        if section is None:
            return None
        named = next((b for b in self.bands if b.covers(section)), None)
        return named or self.catch_all


def parse_bound(text: Any, *, where: str) -> Bound:
    match = _BOUND.match(str(text))
    if match is None:
        raise DefinitionError(
            f"{where}: “{text}” is not a bound; write “< number” or “<= number”, "
            "e.g. “< 10” or “<= 2000000”."
        )
    digits = match.group(2).replace("_", "").replace(" ", "")
    try:
        return Bound(strict=match.group(1) == "<", value=Decimal(digits))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise DefinitionError(f"{where}: “{text}” is not a number.") from exc


def parse_definition(
    *, code: str, currency: str, rule: str, bands: Sequence[Mapping[str, Any]] | None
) -> Definition:
    """Check and read a stored definition. No bands at all: the thresholds are not known."""
    if not bands:
        return Definition(code=code, currency=currency or "", rule=None, bands=())
    if not isinstance(bands, Sequence) or isinstance(bands, str | bytes):
        raise DefinitionError("The bands must be a list of sector bands.")
    parsed = tuple(_parse_band(band, i) for i, band in enumerate(bands, start=1))
    _check_sectors(parsed)
    used = tuple(c for c in CRITERIA if any(c in dict(k.bounds) for b in parsed for k in b.classes))
    try:
        tree = parse_rule(rule, band_criteria=used)
    except RuleError as exc:
        raise DefinitionError(str(exc), field="rule") from exc
    definition = Definition(code=code, currency=(currency or "").upper(), rule=tree, bands=parsed)
    _check_against_rule(definition, used)
    return definition


def _parse_band(band: Any, number: int) -> Band:
    if not isinstance(band, Mapping):
        raise DefinitionError(f"Band {number} must be an object with sector and classes.")
    sector = str(band.get("sector") or f"band {number}")
    unknown_keys = set(band) - {"sector", "isic_sections", "classes"}
    if unknown_keys:
        raise DefinitionError(f"Band “{sector}”: unknown key(s) {', '.join(sorted(unknown_keys))}.")
    sections = band.get("isic_sections") or []
    if isinstance(sections, str) or not all(str(s).upper() in ISIC_SECTIONS for s in sections):
        raise DefinitionError(
            f"Band “{sector}”: isic_sections must be a list of ISIC Rev.4 section letters A-U."
        )
    classes = band.get("classes")
    if not isinstance(classes, Mapping) or not classes:
        raise DefinitionError(f"Band “{sector}” has no size classes.")
    unknown = [name for name in classes if name not in SIZE_CLASSES]
    if unknown:
        raise DefinitionError(
            f"Band “{sector}”: unknown size class “{unknown[0]}”; use "
            + ", ".join(SIZE_CLASSES)
            + " (large is what is within none of them)."
        )
    parsed = tuple(
        _parse_class(sector, name, classes[name]) for name in SIZE_CLASSES if name in classes
    )
    _check_growing(sector, parsed)
    return Band(
        sector=sector,
        isic_sections=frozenset(str(s).upper() for s in sections),
        classes=parsed,
    )


def _parse_class(sector: str, name: str, bounds: Any) -> ClassBounds:
    where = f"Band “{sector}”, {name}"
    if not isinstance(bounds, Mapping) or not bounds:
        raise DefinitionError(f"{where}: give at least one criterion and its bound.")
    for criterion in bounds:
        if criterion not in CRITERIA:
            raise DefinitionError(
                f"{where}: unknown criterion “{criterion}”; use " + ", ".join(CRITERIA) + "."
            )
    return ClassBounds(
        size_class=name,
        bounds=tuple(
            (c, parse_bound(bounds[c], where=f"{where}, {c}")) for c in CRITERIA if c in bounds
        ),
    )


def _check_growing(sector: str, classes: tuple[ClassBounds, ...]) -> None:
    for smaller, larger in itertools.pairwise(classes):
        for criterion, bound in smaller.bounds:
            upper = dict(larger.bounds).get(criterion)
            if upper is not None and not bound.within(upper):
                raise DefinitionError(
                    f"Band “{sector}”, {criterion}: the {larger.size_class} bound ({upper}) "
                    f"must admit everything the {smaller.size_class} bound ({bound}) admits."
                )


def _check_sectors(bands: tuple[Band, ...]) -> None:
    if sum(1 for b in bands if not b.isic_sections) > 1:
        raise DefinitionError("Only one band may leave isic_sections empty (the other sectors).")
    seen: dict[str, str] = {}
    for band in bands:
        for section in band.isic_sections:
            if section in seen:
                raise DefinitionError(
                    f"ISIC section {section} is in two bands: “{seen[section]}” and "
                    f"“{band.sector}”."
                )
            seen[section] = band.sector


def _check_against_rule(definition: Definition, used: tuple[str, ...]) -> None:
    needed = definition.criteria
    unused = [c for c in used if c not in needed]
    if unused:
        raise DefinitionError(
            f"The thresholds give {', '.join(unused)} but the rule does not use it.", field="rule"
        )
    for band in definition.bands:
        for klass in band.classes:
            missing = [c for c in needed if c not in dict(klass.bounds)]
            if missing:
                raise DefinitionError(
                    f"Band “{band.sector}”, {klass.size_class}: the rule needs a bound for "
                    f"{', '.join(missing)}."
                )
    currency = definition.currency
    if definition.is_monetary and not re.fullmatch(r"[A-Z]{3}", currency):
        raise DefinitionError(
            "Monetary thresholds need the currency they are in (ISO 4217, e.g. TRY).",
            field="currency",
        )
