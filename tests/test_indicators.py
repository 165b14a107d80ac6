"""Indicator series arithmetic, starting from the seed page's own statements."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from d8coop.statistics.engine.indicators import (
    IndicatorError,
    annualize_quarterly,
    deannualize_to_quarterly,
    yoy_growth,
    yoy_series,
)

rates = st.floats(min_value=-0.9, max_value=10, allow_nan=False)


def test_the_seed_growth_rates_follow_from_an_index_by_the_yoy_formula():
    # "D-8 industrial production increased from 7% in 2009 to 18% in the end of 2010":
    # growth rates as stated, on an index whose base year 2008 is 100.
    index = [100.0, 107.0, 107.0 * 1.18]
    assert yoy_series(index) == [None, pytest.approx(0.07), pytest.approx(0.18)]


def test_the_seed_annualized_pace_of_20_percent_is_4_66_percent_a_quarter():
    # "by the end of the last quarter of 2011 D-8 industrial activity expanded at a 20%
    # annualized pace"
    quarterly = deannualize_to_quarterly(0.20)
    assert quarterly == pytest.approx(1.20**0.25 - 1)
    assert quarterly == pytest.approx(0.046635, abs=1e-6)
    assert annualize_quarterly(quarterly) == pytest.approx(0.20)


def test_a_quarterly_rate_of_5_percent_is_an_annual_pace_of_21_55_percent():
    assert annualize_quarterly(0.05) == pytest.approx(0.21550625)


def test_growth_from_zero_is_refused_rather_than_infinite():
    with pytest.raises(IndicatorError):
        yoy_growth(0, 5)


def test_a_rate_of_minus_100_percent_or_less_is_refused():
    with pytest.raises(IndicatorError):
        annualize_quarterly(-1)
    with pytest.raises(IndicatorError):
        deannualize_to_quarterly(-1.5)


@given(rates)
def test_annualizing_the_deannualized_pace_gives_the_pace_back(pace):
    assert annualize_quarterly(deannualize_to_quarterly(pace)) == pytest.approx(pace, abs=1e-9)


@given(rates)
def test_deannualizing_the_annualized_rate_gives_the_rate_back(rate):
    assert deannualize_to_quarterly(annualize_quarterly(rate)) == pytest.approx(rate, abs=1e-9)


@given(
    st.floats(min_value=1e-6, max_value=1e9, allow_nan=False),
    st.integers(min_value=2, max_value=20),
)
def test_a_constant_series_has_zero_growth(level, length):
    assert yoy_series([level] * length) == [None] + [0.0] * (length - 1)
