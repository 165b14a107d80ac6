"""The public page of indicator series: figures, derived growth, formulas and a chart each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from d8coop.statistics import charts
from d8coop.statistics.engine.indicators import YOY_FORMULA
from d8coop.statistics.indicator_figures import SeriesFigures, formula_html, indicator_page
from d8coop.statistics.models import IndicatorSeries


def _chart(figures: SeriesFigures) -> charts.Chart:
    """Bars for rates (growth, pace), a line for levels."""
    is_level = figures.series.measure == IndicatorSeries.Measure.LEVEL
    suffix = "" if is_level else "%"
    points = [
        (row.observation.period, float(row.observation.value),
         f"{row.observation.value.normalize():f}{suffix}")
        for row in figures.rows
    ]  # fmt: skip
    return charts.layout(points, kind="line" if is_level else "bar")


def indicators(request: HttpRequest) -> HttpResponse:
    """Every indicator series with its figures, the growth derived from them and the formula
    of each; the member states with no series known are listed as such."""
    page = indicator_page()
    context = {
        "series": [(figures, _chart(figures)) for figures in page.series],
        "states": page.states,
        "yoy_formula": formula_html(YOY_FORMULA),
    }
    return render(request, "statistics/indicators.html", context)
