"""Reads: the definition in force for a country on a day, the rate table for the engine, and
what the public definitions page shows (a fixed handful of queries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q

from d8coop.core.models import Source
from d8coop.members.models import MemberState
from d8coop.statistics.engine.money import ExchangeRates
from d8coop.statistics.models import ExchangeRate, PublishedAggregate, SmeDefinition

RATES_SOURCE = "wb-wdi-pa-nus-fcrf"


def definition_for(country_code: str, day: date) -> SmeDefinition | None:
    """The national definition of a member state in force on `day`, if any.

    A version with no known start counts as in force before the next version begins."""
    candidates = SmeDefinition.objects.filter(
        kind=SmeDefinition.Kind.NATIONAL, country__code=country_code.upper()
    ).filter(
        Q(effective_from__isnull=True) | Q(effective_from__lte=day),
        Q(effective_to__isnull=True) | Q(effective_to__gte=day),
    )
    return candidates.order_by(F("effective_from").desc(nulls_last=True)).first()


def rates_table(years: Iterable[int] | None = None) -> ExchangeRates:
    """The exchange rates the engine converts thresholds with (all years when None)."""
    rates = ExchangeRate.objects.all()
    if years is not None:
        rates = rates.filter(year__in=list(years))
    return ExchangeRates.from_rows(rates.values_list("currency", "year", "lcu_per_usd"))


@dataclass
class CountryDefinitions:
    state: MemberState
    current: SmeDefinition | None = None
    others: list[SmeDefinition] = field(default_factory=list)  # newest first


@dataclass
class RateTable:
    years: list[int]
    rows: list[tuple[str, list[ExchangeRate | None]]]
    notes: list[tuple[str, str, str]]  # (currency, years as text, note), identical notes merged
    source: Source | None


def definitions_by_country(day: date) -> list[CountryDefinitions]:
    """Every member state with its definition in force on `day` and its other versions."""
    national = (
        SmeDefinition.objects.filter(kind=SmeDefinition.Kind.NATIONAL)
        .select_related("source", "country")
        .order_by(F("effective_from").desc(nulls_last=True))
    )
    by_code: dict[str, CountryDefinitions] = {
        state.code: CountryDefinitions(state) for state in MemberState.objects.all()
    }
    for definition in national:
        entry = by_code[definition.country.code]
        if entry.current is None and definition.in_force_on(day):
            entry.current = definition
        else:
            entry.others.append(definition)
    return list(by_code.values())


def harmonized_definitions() -> list[SmeDefinition]:
    return list(
        SmeDefinition.objects.filter(kind=SmeDefinition.Kind.HARMONIZED)
        .select_related("source")
        .order_by("code")
    )


def rate_table() -> RateTable:
    rates = list(ExchangeRate.objects.order_by("currency", "year"))
    years = sorted({rate.year for rate in rates})
    by_currency: dict[str, dict[int, ExchangeRate]] = {}
    for rate in rates:
        by_currency.setdefault(rate.currency, {})[rate.year] = rate
    rows = [(c, [cells.get(y) for y in years]) for c, cells in sorted(by_currency.items())]
    return RateTable(
        years=years,
        rows=rows,
        notes=_merged_notes(rates),
        source=Source.objects.filter(key=RATES_SOURCE).first(),
    )


def _merged_notes(rates: list[ExchangeRate]) -> list[tuple[str, str, str]]:
    merged: dict[tuple[str, str], list[int]] = {}
    for rate in rates:
        if rate.note:
            merged.setdefault((rate.currency, rate.note), []).append(rate.year)
    return [(currency, _years_text(years), note) for (currency, note), years in merged.items()]


def _years_text(years: list[int]) -> str:
    """2017, 2018, 2019, 2021 -> "2017-2019, 2021"."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


@dataclass
class CountryTotals:
    """A member state's latest published figures: the headline count, its class breakdown and
    its shares, with the national definition in force today (for the comparison caveat)."""

    state: MemberState
    definition: SmeDefinition | None
    headline: PublishedAggregate | None = None
    breakdown: list[PublishedAggregate] = field(default_factory=list)
    shares: list[PublishedAggregate] = field(default_factory=list)

    @property
    def reference(self) -> PublishedAggregate | None:
        """The figure whose year and source the row shows (all of a row share them)."""
        return next(iter(filter(None, [self.headline, *self.breakdown, *self.shares])), None)


_CLASS_ORDER = ["msme", "total", "micro", "small", "medium", "large"]


def published_totals(day: date) -> list[CountryTotals]:
    """Every member state with its latest published figures (none where none were found)."""
    figures = PublishedAggregate.objects.select_related("source", "country").order_by(
        "-year", "measure"
    )
    latest: dict[int, int] = {}
    by_state: dict[int, list[PublishedAggregate]] = {}
    for figure in figures:
        year = latest.setdefault(figure.country_id, figure.year)
        if figure.year == year:
            by_state.setdefault(figure.country_id, []).append(figure)
    result = []
    for entry in definitions_by_country(day):
        own = sorted(
            by_state.get(entry.state.pk, []), key=lambda f: _CLASS_ORDER.index(f.size_class)
        )
        counts = [f for f in own if f.is_count]
        headline = next((f for f in counts if f.size_class in ("msme", "total")), None)
        result.append(
            CountryTotals(
                state=entry.state,
                definition=entry.current,
                headline=headline,
                breakdown=[f for f in counts if f is not headline],
                shares=[f for f in own if not f.is_count],
            )
        )
    return result
