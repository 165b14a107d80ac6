"""Classify one enterprise record under one definition, in plain Python.

For each size class from the smallest, the rule answers yes, no or unknown (a value is
missing). The first yes gives the class; an unknown before it leaves the record unclassified
(it might belong to the smaller class); all no gives "large". Monetary thresholds in another
currency than the record's are converted with the year's rate (money.convert); without a rate
the record is unclassified, with the reason, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

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


@dataclass(frozen=True)
class EnterpriseRecord:
    """One enterprise in one year. Any value may be missing (None)."""

    employees: int | None = None
    turnover: Decimal | None = None
    assets: Decimal | None = None
    capital: Decimal | None = None
    year: int | None = None
    currency: str | None = None
    isic_section: str | None = None

    def value(self, criterion: str) -> Decimal | int | None:
        return getattr(self, criterion)


class Unclassified(StrEnum):
    NO_THRESHOLDS = "no_thresholds"
    MISSING_VALUE = "missing_value"
    MISSING_CURRENCY = "missing_currency"
    NO_EXCHANGE_RATE = "no_exchange_rate"
    MISSING_SECTOR = "missing_sector"
    SECTOR_NOT_COVERED = "sector_not_covered"


@dataclass(frozen=True)
class Classification:
    size_class: str | None  # "micro" ... "large"; None: unclassified, see reason
    reason_code: Unclassified | None = None
    reason: str = ""

    @classmethod
    def refused(cls, code: Unclassified, reason: str) -> Classification:
        return cls(size_class=None, reason_code=code, reason=reason)


# Kleene logic: True, False, or None for unknown.
Truth = bool | None


def classify(
    record: EnterpriseRecord, definition: Definition, rates: ExchangeRates
) -> Classification:
    """The size class of `record` under `definition`, or None with the reason."""
    if definition.rule is None:
        return Classification.refused(
            Unclassified.NO_THRESHOLDS, f"the thresholds of {definition.code} are not known"
        )
    refusal = _conversion_refusal(record, definition, rates)
    if refusal is not None:
        return refusal
    band = definition.band_for(record.isic_section)
    if band is None:
        if record.isic_section is None:
            return Classification.refused(Unclassified.MISSING_SECTOR, "missing ISIC section")
        return Classification.refused(
            Unclassified.SECTOR_NOT_COVERED,
            f"sector not covered: ISIC section {record.isic_section} is in no band",
        )
    return _classify_in_band(record, definition, band, rates)


def _conversion_refusal(
    record: EnterpriseRecord, definition: Definition, rates: ExchangeRates
) -> Classification | None:
    if not definition.is_monetary:
        return None
    if not record.currency:
        return Classification.refused(Unclassified.MISSING_CURRENCY, "missing currency")
    if record.currency == definition.currency:
        return None
    if convert(
        Decimal(1), source=definition.currency, target=record.currency, year=record.year,
        rates=rates,
    ) is None:  # fmt: skip
        missing = [
            c
            for c in (record.currency, definition.currency)
            if record.year is None or rates.lcu_per_usd(c, record.year) is None
        ]
        return Classification.refused(
            Unclassified.NO_EXCHANGE_RATE,
            f"no exchange rate for {' or '.join(missing)} {record.year or '(no year)'}",
        )
    return None


def _classify_in_band(
    record: EnterpriseRecord, definition: Definition, band: Band, rates: ExchangeRates
) -> Classification:
    assert definition.rule is not None
    for klass in band.classes:
        bounds = threshold_bounds(klass, definition, record.currency, record.year, rates)
        answer = evaluate(definition.rule, record, bounds)
        if answer is True:
            return Classification(size_class=klass.size_class)
        if answer is None:
            missing = [c for c in criteria_of(definition.rule) if record.value(c) is None]
            return Classification.refused(
                Unclassified.MISSING_VALUE, "missing " + ", ".join(missing)
            )
    return Classification(size_class=LARGE)


def threshold_bounds(
    klass: ClassBounds,
    definition: Definition,
    currency: str | None,
    year: int | None,
    rates: ExchangeRates,
) -> dict[str, tuple[bool, Decimal]]:
    """(strict, limit) per criterion, monetary limits in the record's currency."""
    result = {}
    for criterion, bound in klass.bounds:
        limit = bound.value
        if criterion in MONETARY and currency and currency != definition.currency:
            converted = convert(
                limit, source=definition.currency, target=currency, year=year, rates=rates
            )
            assert converted is not None  # checked by _conversion_refusal
            limit = converted
        result[criterion] = (bound.strict, limit)
    return result


def evaluate(rule: Rule, record: EnterpriseRecord, bounds: dict[str, tuple[bool, Decimal]]):
    """Whether the record is within the bounds under the rule: True, False or None."""
    if isinstance(rule, Criterion):
        value = record.value(rule.name)
        if value is None:
            return None
        strict, limit = bounds[rule.name]
        return value < limit if strict else value <= limit
    answers = [evaluate(part, record, bounds) for part in rule.parts]
    if isinstance(rule, AllOf):
        return False if False in answers else (None if None in answers else True)
    if isinstance(rule, AnyOf):
        return True if True in answers else (None if None in answers else False)
    if isinstance(rule, AtLeast):
        yes = answers.count(True)
        if yes >= rule.count:
            return True
        return False if yes + answers.count(None) < rule.count else None
    if isinstance(rule, FirstKnown):
        for part, answer in zip(rule.parts, answers, strict=True):
            if all(record.value(c) is not None for c in criteria_of(part)):
                return answer
        return None
    raise TypeError(f"Not a rule: {rule!r}")
