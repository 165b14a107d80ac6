"""Indicator series arithmetic: year-on-year growth and the annualized pace of quarterly growth.

Plain floats in, plain floats out; rates are fractions (0.07 means 7%). Framework-free, so the
pages, the API and the command line compute the same figures and show the same formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

YOY_FORMULA = "g_t = x_t / x_(t-1) - 1"
ANNUALIZE_FORMULA = "a = (1 + q)^4 - 1"
DEANNUALIZE_FORMULA = "q = (1 + a)^(1/4) - 1"


class IndicatorError(ValueError):
    """A series or rate that the formula cannot use."""


def yoy_growth(previous: float, current: float) -> float:
    """Growth from one period to the next: g = x_t / x_{t-1} - 1.

    E.g. an index going from 100 to 118 grew by 0.18 (18%). A previous value of zero has no
    growth rate: refused rather than reported as infinite."""
    if previous == 0:
        raise IndicatorError("Growth from a value of zero is undefined.")
    return current / previous - 1


def yoy_series(values: Sequence[float]) -> list[float | None]:
    """The growth of each value over the one before it; None for the first value."""
    return [None, *(yoy_growth(a, b) for a, b in pairwise(values))]


def annualize_quarterly(rate: float) -> float:
    """The annualized pace of a quarter-on-quarter growth rate q: a = (1 + q)^4 - 1.

    The pace at which the series would grow in a year if it kept growing at q each quarter."""
    if rate <= -1:
        raise IndicatorError("A quarterly rate of -100% or less has no annualized pace.")
    return (1 + rate) ** 4 - 1


def deannualize_to_quarterly(pace: float) -> float:
    """The quarterly rate behind an annualized pace a: q = (1 + a)^(1/4) - 1.

    E.g. a 20% annualized pace is (1.20)^(1/4) - 1 = 4.66% a quarter."""
    if pace <= -1:
        raise IndicatorError("An annualized pace of -100% or less has no quarterly rate.")
    return (1 + pace) ** 0.25 - 1
