"""Exchange rates by year, and thresholds converted into a record's currency.

Rates are annual averages in local currency units per US dollar (the World Bank's
PA.NUS.FCRF). A threshold of T in the definition's currency D is, for a record in currency C
and year Y, T x rate(C, Y) / rate(D, Y), rounded to the cent (half to even). Both the Python
classifier and the SQL compiler take converted thresholds from `convert`, so they compare a
record with the very same number. A missing rate gives None: the caller leaves the record
unclassified rather than guessing.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

CENT = Decimal("0.01")
_CONTEXT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)


@dataclass(frozen=True)
class ExchangeRates:
    """Local currency units per US dollar, by (currency, year). The dollar is 1 every year."""

    per_usd: Mapping[tuple[str, int], Decimal] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, Decimal | str | float]]) -> ExchangeRates:
        return cls({(c.upper(), int(y)): Decimal(str(r)) for c, y, r in rows})

    def lcu_per_usd(self, currency: str, year: int) -> Decimal | None:
        if currency == "USD":
            return Decimal(1)
        return self.per_usd.get((currency, year))

    def pairs(self) -> set[tuple[str, int]]:
        """Every (currency, year) with a rate, the dollar included for every year listed."""
        years = {year for _, year in self.per_usd}
        return set(self.per_usd) | {("USD", year) for year in years}


def convert(
    amount: Decimal, *, source: str, target: str, year: int | None, rates: ExchangeRates
) -> Decimal | None:
    """An amount in `source` expressed in `target` with the year's rates; None without one."""
    if source == target:
        return amount
    if year is None:
        return None
    source_rate = rates.lcu_per_usd(source, year)
    target_rate = rates.lcu_per_usd(target, year)
    if source_rate is None or target_rate is None:
        return None
    converted = _CONTEXT.divide(_CONTEXT.multiply(amount, target_rate), source_rate)
    return converted.quantize(CENT, context=_CONTEXT)
