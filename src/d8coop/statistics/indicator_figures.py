"""Indicator series as the page and the API show them: each observation with the figures the
engine derives from it, the formula behind each and a worked example on the series' own figures.

What is derived depends on what a series measures. From levels: the growth over the same period a
year before and, for a quarterly series, the growth over the previous quarter and its annualized
pace. From a published annualized pace: the quarterly rate behind it. Published growth rates are
shown as published: the levels behind them are not known, so nothing is derived from them.
A figure is derived only from the period it compares with; where that period is missing, the
derived figure is missing too, never bridged over the gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from d8coop.members.models import MemberState
from d8coop.statistics.engine.indicators import (
    ANNUALIZE_FORMULA,
    DEANNUALIZE_FORMULA,
    YOY_FORMULA,
    IndicatorError,
    annualize_quarterly,
    deannualize_to_quarterly,
    yoy_growth,
)
from d8coop.statistics.models import IndicatorObservation, IndicatorSeries

Period = tuple[int, int | None]  # (year, quarter or None)

# The derived columns each kind of series shows, in order.
YOY, QOQ, ANNUALIZED, QUARTERLY_RATE = "yoy", "qoq", "annualized", "quarterly_rate"
_FORMULA_OF = {
    YOY: YOY_FORMULA,
    QOQ: YOY_FORMULA,
    ANNUALIZED: ANNUALIZE_FORMULA,
    QUARTERLY_RATE: DEANNUALIZE_FORMULA,
}


@dataclass
class ObservationRow:
    """An observation and what the engine derives from it; rates are fractions (0.07 = 7%)."""

    observation: IndicatorObservation
    yoy: float | None = None
    qoq: float | None = None
    annualized: float | None = None
    quarterly_rate: float | None = None
    columns: list[str] = field(default_factory=list)

    def derived(self, column: str) -> float | None:
        return getattr(self, column)

    @property
    def cells(self) -> list[float | None]:
        """The derived figures in percent, in the order of the series' columns (for templates)."""
        return [None if self.derived(c) is None else self.derived(c) * 100 for c in self.columns]


@dataclass(frozen=True)
class Formula:
    """A formula as the engine writes it, and the same formula worked on the series' figures."""

    column: str
    text: str
    example: str = ""
    example_period: str = ""
    result: float | None = None  # the worked example's result, a fraction

    @property
    def result_percent(self) -> float | None:
        return None if self.result is None else self.result * 100

    @property
    def html(self) -> SafeString:
        return formula_html(self.text)

    @property
    def example_html(self) -> SafeString:
        return formula_html(self.example)


@dataclass
class SeriesFigures:
    series: IndicatorSeries
    rows: list[ObservationRow]
    columns: list[str]
    formulas: list[Formula]


@dataclass
class StateSeries:
    state: MemberState
    series: list[IndicatorSeries]


@dataclass
class IndicatorPage:
    series: list[SeriesFigures]
    states: list[StateSeries]


def columns_for(series: IndicatorSeries) -> list[str]:
    if series.measure == IndicatorSeries.Measure.LEVEL:
        return [QOQ, ANNUALIZED, YOY] if series.is_quarterly else [YOY]
    if series.measure == IndicatorSeries.Measure.ANNUALIZED_PACE:
        return [QUARTERLY_RATE]
    return []


def series_figures(series: IndicatorSeries) -> SeriesFigures:
    """The series' observations in time order, with their derived figures and formulas
    (uses `series.observations.all()`, so prefetch it for lists)."""
    observations = sorted(series.observations.all(), key=lambda o: (o.year, o.quarter or 0))
    columns = columns_for(series)
    rows = [ObservationRow(o, columns=columns) for o in observations]
    by_period: dict[Period, IndicatorObservation] = {(o.year, o.quarter): o for o in observations}
    for row in rows:
        _derive(series, row, by_period)
    return SeriesFigures(series, rows, columns, [_formula(c, rows, by_period) for c in columns])


def _derive(series: IndicatorSeries, row: ObservationRow, by_period: dict) -> None:
    o = row.observation
    value = float(o.value)
    if series.measure == IndicatorSeries.Measure.ANNUALIZED_PACE:
        row.quarterly_rate = _safe(deannualize_to_quarterly, value / 100)
    elif series.measure == IndicatorSeries.Measure.LEVEL:
        row.yoy = _growth(by_period.get((o.year - 1, o.quarter)), o)
        if series.is_quarterly:
            row.qoq = _growth(by_period.get(_previous_quarter(o.year, o.quarter)), o)
            row.annualized = None if row.qoq is None else _safe(annualize_quarterly, row.qoq)


def _growth(previous: IndicatorObservation | None, current: IndicatorObservation) -> float | None:
    if previous is None:
        return None
    return _safe(yoy_growth, float(previous.value), float(current.value))


def _safe(function, *args: float) -> float | None:
    try:
        return function(*args)
    except IndicatorError:
        return None


def _previous_quarter(year: int, quarter: int | None) -> Period:
    if quarter is None:
        return (year - 1, None)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _formula(column: str, rows: list[ObservationRow], by_period: dict) -> Formula:
    """The formula of a column, worked on the first row that has the figure."""
    text = _FORMULA_OF[column]
    row = next((r for r in rows if r.derived(column) is not None), None)
    if row is None:
        return Formula(column, text)
    o, result = row.observation, row.derived(column)
    if column == QUARTERLY_RATE:
        pace = _number(o.value / 100)
        example = f"q = (1 + {pace})^(1/4) - 1 = {_number(result)}"
    elif column == ANNUALIZED:
        example = f"a = (1 + {_number(row.qoq)})^4 - 1 = {_number(result)}"
    else:
        wanted = (o.year - 1, o.quarter) if column == YOY else _previous_quarter(o.year, o.quarter)
        previous = by_period[wanted]
        example = f"g = {_number(o.value)} / {_number(previous.value)} - 1 = {_number(result)}"
    return Formula(column, text, example=example, example_period=o.period, result=result)


def _number(value: float | Decimal | None, places: int = 6) -> str:
    """A number as a formula writes it: up to `places` decimals, no trailing zeros."""
    text = f"{Decimal(str(value)):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_SUBSCRIPT = re.compile(r"_(\([^)]*\)|\w+)")
_SUPERSCRIPT = re.compile(r"\^(\([^)]*\)|\w+)")


def formula_html(text: str) -> SafeString:
    """An engine formula written for reading: x_(t-1) as x with subscript t-1, ^4 as a
    superscript, true minus (U+2212) and division signs. The text is escaped first."""
    html = str(escape(text)).replace(" / ", " \u00f7 ").replace("-", "\u2212")
    html = _SUBSCRIPT.sub(lambda m: f"<sub>{m[1].strip('()')}</sub>", html)
    html = _SUPERSCRIPT.sub(lambda m: f"<sup>{m[1].strip('()')}</sup>", html)
    return mark_safe(html)  # built from escaped text


def series_with_observations() -> QuerySet[IndicatorSeries]:
    observations = IndicatorObservation.objects.select_related("source")
    return IndicatorSeries.objects.select_related("country").prefetch_related(
        Prefetch("observations", queryset=observations)
    )


def indicator_page() -> IndicatorPage:
    """Every series with its figures (D-8 as a whole first), and every member state with its
    series, if any (three queries)."""
    series = list(series_with_observations())
    by_state: dict[int, list[IndicatorSeries]] = {}
    for s in series:
        if s.country_id is not None:
            by_state.setdefault(s.country_id, []).append(s)
    states = [StateSeries(state, by_state.get(state.pk, [])) for state in MemberState.objects.all()]
    return IndicatorPage([series_figures(s) for s in series], states)
