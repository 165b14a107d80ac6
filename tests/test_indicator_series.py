"""Indicator series: the seed page's figures shipped as published with their source, growth
derived through the engine only, shown on /statistics/indicators/ with the formulas, readable
through the API by anyone and written only by the secretariat in the back office."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from d8coop.core.models import Source
from d8coop.members.models import MemberState
from d8coop.reference_data.loader import load_reference_data
from d8coop.statistics.charts import layout
from d8coop.statistics.indicator_figures import formula_html, series_figures
from d8coop.statistics.models import IndicatorObservation, IndicatorSeries

pytestmark = pytest.mark.django_db

PAGE = "/statistics/indicators/"
API = "/api/v1/statistics/indicators/"
GROWTH = "d8-industrial-production-growth"
PACE = "d8-industrial-activity-annualized-pace"
SEED_SENTENCE = "D-8 industrial production increased from 7% in 2009 to 18% in the end of 2010."


def _observations(code):
    return [
        (o.year, o.quarter, o.value, o.source.key)
        for o in IndicatorObservation.objects.filter(series__code=code).select_related("source")
    ]


def _level_series(code, frequency, points):
    """A level series (an index) with the given (year, quarter, value) points."""
    series = IndicatorSeries.objects.create(
        code=code, name=f"Index {code}", unit="index, 2005=100", frequency=frequency,
        measure=IndicatorSeries.Measure.LEVEL, country=MemberState.objects.get(code="TR"),
    )  # fmt: skip
    source = Source.objects.get(key="platform-editors")
    for year, quarter, value in points:
        IndicatorObservation.objects.create(
            series=series, year=year, quarter=quarter, value=Decimal(value), source=source
        )
    return series


@pytest.fixture
def annual_index(reference_data):
    # 2011 is missing: 2012 has no year-on-year growth rather than one over two years.
    return _level_series(
        "tr-test-index",
        IndicatorSeries.Frequency.ANNUAL,
        [(2008, None, "100"), (2009, None, "107"), (2010, None, "126.26"), (2012, None, "130")],
    )


@pytest.fixture
def quarterly_index(reference_data):
    return _level_series(
        "tr-test-quarterly",
        IndicatorSeries.Frequency.QUARTERLY,
        [(2020, 1, "100"), (2020, 2, "101"), (2020, 3, "103"), (2020, 4, "102"), (2021, 1, "104")],
    )


# -- The shipped figures ---------------------------------------------------------------------


def test_the_seed_growth_rates_are_shipped_as_published_with_the_seed_as_source(reference_data):
    series = IndicatorSeries.objects.get(code=GROWTH)
    assert series.country is None  # D-8 as a whole
    assert series.measure == IndicatorSeries.Measure.GROWTH_RATE
    assert _observations(GROWTH) == [
        (2009, None, Decimal("7"), "seed"),
        (2010, None, Decimal("18"), "seed"),
    ]
    end_of_2010 = IndicatorObservation.objects.get(series=series, year=2010)
    assert end_of_2010.period_text == "the end of 2010"
    assert SEED_SENTENCE in end_of_2010.note


def test_the_seed_annualized_pace_is_shipped_for_the_fourth_quarter_of_2011(reference_data):
    series = IndicatorSeries.objects.get(code=PACE)
    assert (series.measure, series.frequency) == ("annualized_pace", "quarterly")
    assert _observations(PACE) == [(2011, 4, Decimal("20"), "seed")]
    assert "20% annualized pace" in IndicatorObservation.objects.get(series=series).note


def test_no_level_is_made_up_and_no_member_state_has_a_series(reference_data):
    assert not IndicatorSeries.objects.filter(measure=IndicatorSeries.Measure.LEVEL).exists()
    assert not IndicatorSeries.objects.filter(country__isnull=False).exists()


def test_a_second_load_changes_no_series(reference_data):
    report = load_reference_data()
    assert not report.changed, report.summary()
    assert IndicatorObservation.history.count() == 3


def test_an_observation_corrected_in_the_back_office_is_kept_by_the_next_load(reference_data):
    figure = IndicatorObservation.objects.get(series__code=PACE)
    figure.value = Decimal("21")
    figure._change_reason = "corrected by the secretariat"
    figure.save()
    report = load_reference_data()
    assert report.kept["indicator observations"] == 1
    figure.refresh_from_db()
    assert figure.value == Decimal("21")


# -- Invariants ------------------------------------------------------------------------------


def test_a_quarterly_series_needs_the_quarter_and_an_annual_one_refuses_it(reference_data):
    seed = Source.objects.get(key="seed")
    pace = IndicatorSeries.objects.get(code=PACE)
    growth = IndicatorSeries.objects.get(code=GROWTH)
    with pytest.raises(ValidationError) as missing:
        IndicatorObservation(series=pace, year=2012, value=5, source=seed).full_clean()
    assert "quarter" in missing.value.message_dict
    with pytest.raises(ValidationError) as extra:
        IndicatorObservation(series=growth, year=2011, quarter=1, value=5, source=seed).full_clean()
    assert "quarter" in extra.value.message_dict


def test_one_figure_per_series_and_period_even_for_annual_figures(reference_data):
    growth = IndicatorSeries.objects.get(code=GROWTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorObservation.objects.create(
            series=growth, year=2009, value=8, source=Source.objects.get(key="seed")
        )
    assert IndicatorObservation.objects.filter(series=growth, year=2009).get().value == 7


def test_a_fifth_quarter_is_refused_by_the_database(reference_data):
    pace = IndicatorSeries.objects.get(code=PACE)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorObservation.objects.create(
            series=pace, year=2012, quarter=5, value=1, source=Source.objects.get(key="seed")
        )


# -- Derived figures -------------------------------------------------------------------------


def test_a_20_percent_annualized_pace_implies_4_66_percent_a_quarter(reference_data):
    figures = series_figures(IndicatorSeries.objects.get(code=PACE))
    (row,) = figures.rows
    assert row.quarterly_rate == pytest.approx(0.046635, abs=1e-6)
    (formula,) = figures.formulas
    assert formula.text == "q = (1 + a)^(1/4) - 1"
    assert formula.example == "q = (1 + 0.2)^(1/4) - 1 = 0.046635"
    assert formula.example_period == "2011 Q4"


def test_published_growth_rates_are_not_recomputed(reference_data):
    figures = series_figures(IndicatorSeries.objects.get(code=GROWTH))
    assert figures.columns == [] and figures.formulas == []
    assert [row.cells for row in figures.rows] == [[], []]


def test_year_on_year_growth_of_a_level_series_skips_a_missing_year(annual_index):
    figures = series_figures(annual_index)
    assert figures.columns == ["yoy"]
    assert [r.yoy for r in figures.rows] == [
        None,
        pytest.approx(0.07),
        pytest.approx(0.18),
        None,  # 2012: 2011 is not recorded
    ]
    (formula,) = figures.formulas
    assert formula.example == "g = 107 / 100 - 1 = 0.07"
    assert formula.example_period == "2009"


def test_a_quarterly_level_series_gives_quarterly_growth_its_pace_and_yoy(quarterly_index):
    rows = series_figures(quarterly_index).rows
    q2, q4, next_q1 = rows[1], rows[3], rows[4]
    assert q2.qoq == pytest.approx(0.01)
    assert q2.annualized == pytest.approx(1.01**4 - 1)  # 4.0604%
    assert q4.qoq == pytest.approx(102 / 103 - 1)
    assert next_q1.qoq == pytest.approx(104 / 102 - 1)  # over 2020 Q4
    assert next_q1.yoy == pytest.approx(0.04)  # over 2020 Q1
    assert rows[0].qoq is None and rows[0].annualized is None and rows[0].yoy is None


def test_formulas_are_written_with_subscripts_superscripts_and_escaped():
    assert str(formula_html("g_t = x_t / x_(t-1) - 1")) == (
        "g<sub>t</sub> = x<sub>t</sub> ÷ x<sub>t−1</sub> − 1"
    )
    assert str(formula_html("q = (1 + a)^(1/4) - 1")) == "q = (1 + a)<sup>1/4</sup> − 1"
    assert "<script>" not in formula_html("<script>x_1")


def test_bars_start_from_zero_and_a_negative_bar_hangs_below_it():
    chart = layout([("2019", 5.0, "5%"), ("2020", -5.0, "-5%")], kind="bar")
    up, down = chart.marks
    assert up.bar_top + up.bar_height == pytest.approx(chart.baseline)
    assert down.bar_top == pytest.approx(chart.baseline)
    assert up.bar_height == pytest.approx(down.bar_height)
    assert down.label_y > chart.baseline


def test_a_line_spans_the_plot_from_its_lowest_to_its_highest_value():
    chart = layout([("2008", 100.0, "100"), ("2009", 107.0, "107")], kind="line")
    low, high = chart.marks
    assert high.y < low.y < chart.baseline
    assert chart.points == f"{low.x:.1f},{low.y:.1f} {high.x:.1f},{high.y:.1f}"


# -- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_everyone_reads_the_indicator_page_with_figures_sources_and_formulas(
    client, signed_in, request, who, reference_data, django_assert_max_num_queries
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    with django_assert_max_num_queries(10):  # the page's own three, the rest for the header
        response = client.get(reverse("statistics:indicators"))
    assert response.status_code == 200
    page = response.content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    # A table per series, with the published figures and the derived quarterly rate
    assert page.count("<table") == 2
    assert "Figures of D-8 industrial production, growth as published" in text
    assert "4.66%" in text
    # The seed page as the source, quoted
    assert "Industrial Cooperation and the SMEs Task Force (web page)" in text
    assert SEED_SENTENCE in text
    assert "(as published: the end of 2010)" in text
    # The formula and its worked example
    assert "q = (1 + a)<sup>1/4</sup> − 1" in page
    assert "q = (1 + 0.2)<sup>1/4</sup> − 1 = 0.046635" in page
    assert "that is 4.66%." in text
    # A chart per series, with an accessible name
    assert page.count('role="img" aria-labelledby="chart-') == 2
    assert "Bar chart, D-8 industrial activity, annualized pace" in text
    # Every member state, saying no series is known
    assert text.count("No series known.") == MemberState.objects.count() == 9


def test_a_member_state_series_is_listed_under_it_with_its_growth(client, annual_index):
    page = client.get(PAGE).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert text.count("No series known.") == 8
    turkey = re.search(r'<li id="state-tr".*?</li>', page, re.S).group(0)
    assert 'href="#series-tr-test-index"' in turkey
    assert "Line chart, Index tr-test-index" in text
    assert "7.00%" in text and "18.00%" in text
    assert "g = 107 ÷ 100 − 1 = 0.07" in page


def test_the_indicator_page_is_linked_from_the_footer(client, reference_data):
    assert f'href="{PAGE}"' in client.get("/").content.decode()


def test_the_indicator_page_reads_right_to_left_in_arabic_with_formulas_left_to_right(
    client, reference_data
):
    client.cookies["django_language"] = "ar"
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in page
    assert '<code class="formula fs-6 text-body text-nowrap" dir="ltr">' in page
    # Chart coordinates are never localized (a decimal comma would break the SVG)
    assert re.search(r'<rect x="\d+\.\d" y="\d+\.\d"', page)


# -- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_api_gives_everyone_the_series_with_sources_and_derived_figures(
    client, signed_in, request, who, reference_data, django_assert_max_num_queries
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    with django_assert_max_num_queries(6):
        body = client.get(API).json()
    assert body["count"] == 2
    by_code = {s["code"]: s for s in body["results"]}
    growth = by_code[GROWTH]
    assert growth["country"] is None and growth["measure"] == "growth_rate"
    assert [(o["year"], o["value"], o["source"]) for o in growth["observations"]] == [
        (2009, "7.0000", "seed"),
        (2010, "18.0000", "seed"),
    ]
    (pace,) = by_code[PACE]["observations"]
    assert (pace["year"], pace["quarter"]) == (2011, 4)
    assert pace["implied_quarterly_rate_percent"] == pytest.approx(4.6635, abs=1e-4)
    assert by_code[PACE]["formulas"]["implied_quarterly_rate"] == "q = (1 + a)^(1/4) - 1"


def test_the_api_derives_growth_of_a_level_series_and_filters_by_country(client, annual_index):
    (series,) = client.get(API, {"country": "tr"}).json()["results"]
    assert [o["yoy_growth_percent"] for o in series["observations"]] == [
        None,
        pytest.approx(7.0),
        pytest.approx(18.0),
        None,
    ]
    assert client.get(API, {"d8_as_a_whole": "true"}).json()["count"] == 2
    assert client.get(f"{API}{GROWTH}/").json()["name"] == (
        "D-8 industrial production, growth as published"
    )


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_the_indicator_api_is_read_only(client, signed_in, request, who, reference_data):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    response = client.post(API, {"code": "x", "name": "x"})
    assert response.status_code in (401, 403, 405)
    assert set(response.json()) >= {"code", "message"}
    assert client.delete(f"{API}{GROWTH}/").status_code in (401, 403, 405)
    assert IndicatorSeries.objects.count() == 2


# -- The back office -------------------------------------------------------------------------


def _new_observation(series):
    return {
        "series": series.pk, "year": 2012, "quarter": 1, "period_text": "", "value": "12.5",
        "note": "", "source": Source.objects.get(key="platform-editors").pk, "source_note": "",
    }  # fmt: skip


def test_the_secretariat_adds_an_observation_and_its_history_names_them(
    client, signed_in, django_user_model, reference_data
):
    call_command("create_user", email="staff@d8.example", role="secretariat", password="pw-x-9")
    staff = django_user_model.objects.get(email="staff@d8.example")
    signed_in(staff)
    pace = IndicatorSeries.objects.get(code=PACE)

    response = client.post(
        reverse("admin:statistics_indicatorobservation_add"), _new_observation(pace)
    )

    assert response.status_code == 302
    added = IndicatorObservation.objects.get(series=pace, year=2012, quarter=1)
    assert added.value == Decimal("12.5")
    assert added.history.get().history_user == staff
    assert client.get(reverse("admin:statistics_indicatorseries_changelist")).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "outsider", "member_user"])
def test_no_one_else_adds_an_observation_in_the_back_office(
    client, signed_in, request, who, reference_data
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    pace = IndicatorSeries.objects.get(code=PACE)

    response = client.post(
        reverse("admin:statistics_indicatorobservation_add"), _new_observation(pace)
    )

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert IndicatorObservation.objects.count() == 3
