"""The SME classifier: Python and DuckDB give the same class for the same record under every
shipped definition, at every boundary; hand-written cases from the national texts.

The definitions and rates are read from the shipped reference files, so these tests need no
database and check exactly what the platform loads.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from d8coop.statistics.engine.classifier import (
    Classification,
    EnterpriseRecord,
    Unclassified,
    classify,
)
from d8coop.statistics.engine.definitions import (
    SIZE_CLASSES,
    Definition,
    DefinitionError,
    parse_definition,
)
from d8coop.statistics.engine.money import CENT, ExchangeRates, convert
from d8coop.statistics.engine.rules import (
    CRITERIA,
    MONETARY,
    AllOf,
    AnyOf,
    AtLeast,
    Criterion,
    FirstKnown,
    RuleError,
    criteria_of,
    parse_rule,
)
from d8coop.statistics.engine.sql import compile_definition
from tests.statistics_support import shipped_definitions, shipped_rates

D = Decimal


def python_class(record: EnterpriseRecord, code: str) -> str | None:
    return classify(record, shipped_definitions()[code], shipped_rates()).size_class


# -- DuckDB --------------------------------------------------------------------------------------

COLUMNS = "id, employees, turnover, assets, capital, year, currency, isic_section"


@pytest.fixture(scope="module")
def duck():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _sql_value(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Decimal):
        return f"CAST('{value}' AS DECIMAL(38, 2))"
    return str(int(value))


_compiled: dict = {}


def sql_classes(duck, definition: Definition, rates: ExchangeRates, records) -> list[str | None]:
    """The classes DuckDB gives the records, from a table typed as an import would type it."""
    key = (definition, id(rates))
    if key not in _compiled:
        _compiled[key] = compile_definition(definition, rates).select("records")
    return _classes_of(duck, _compiled[key], records)


def _classes_of(duck, query: str, records) -> list[str | None]:
    """Load the records into the table `records` and run the compiled query over it."""
    rows = ", ".join(
        "(" + ", ".join(_sql_value(v) for v in (i, r.employees, r.turnover, r.assets,
                                                r.capital, r.year, r.currency, r.isic_section))
        + ")"
        for i, r in enumerate(records)
    )  # fmt: skip
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE records (id INTEGER, employees BIGINT, "
        "turnover DECIMAL(38, 2), assets DECIMAL(38, 2), capital DECIMAL(38, 2), year INTEGER, "
        "currency VARCHAR, isic_section VARCHAR)"
    )
    duck.execute(f"INSERT INTO records ({COLUMNS}) VALUES {rows}")
    return [
        row[0] for row in duck.execute(f"SELECT size_class FROM ({query}) ORDER BY id").fetchall()
    ]


def assert_same(duck, definition: Definition, rates: ExchangeRates, records) -> None:
    expected = [classify(r, definition, rates).size_class for r in records]
    got = sql_classes(duck, definition, rates, records)
    differences = [(r, e, g) for r, e, g in zip(records, expected, got, strict=True) if e != g]
    assert not differences, f"{definition.code}: Python and DuckDB differ on {differences[:5]}"


# -- Boundary values -----------------------------------------------------------------------------


def step(criterion: str) -> Decimal:
    return D(1) if criterion == "employees" else CENT


def boundary_values(definition, band, criterion, currency, year, rates) -> list:
    """Every bound of the criterion in the band, converted into the record's currency, and
    one step below and above it; no value at all; and zero."""
    values: set = {None, 0}
    for klass in band.classes:
        bounds = dict(klass.bounds)
        if criterion not in bounds:
            continue
        limit = bounds[criterion].value
        if criterion in MONETARY and currency and currency != definition.currency:
            limit = convert(
                limit, source=definition.currency, target=currency, year=year, rates=rates
            )
            if limit is None:
                limit = bounds[criterion].value  # no rate: any value will do
        for value in (limit - step(criterion), limit, limit + step(criterion)):
            values.add(int(value) if criterion == "employees" else D(value).quantize(CENT))
    return sorted(values, key=lambda v: (v is not None, v))


def situations(definition: Definition) -> list[tuple[str | None, int | None]]:
    """The record's own currency; foreign ones with a rate; one without (IRR 2024); none."""
    native = definition.currency or "TRY"
    return [
        (native, 2023),
        ("EUR" if native != "EUR" else "TRY", 2023),
        ("IRR", 2024),
        (None, 2023),
        (native, None),
    ]


def sections_for(definition: Definition) -> list[str | None]:
    named = sorted(s for band in definition.bands for s in band.isic_sections)
    if not named:  # one band for every sector: the section does not matter
        return [None]
    return [*named, "G", None]


def boundary_records(definition, rates, currency, year) -> list[EnterpriseRecord]:
    """Records in one currency and year at every bound of every sector band, one step either
    side, with values missing and zero."""
    records = []
    for section in sections_for(definition):
        band = definition.band_for(section) or (definition.bands or (None,))[0]
        if band is None:  # thresholds not known: one record is enough
            records.append(EnterpriseRecord(employees=5, year=year, currency=currency))
            continue
        axes = [
            boundary_values(definition, band, c, currency, year, rates)
            if c in definition.criteria
            else [None]
            for c in CRITERIA
        ]
        for employees, turnover, assets, capital in itertools.product(*axes):
            records.append(
                EnterpriseRecord(
                    employees=employees, turnover=turnover, assets=assets, capital=capital,
                    year=year, currency=currency, isic_section=section,
                )
            )  # fmt: skip
    return records


@pytest.mark.parametrize("code", sorted(shipped_definitions()))
def test_python_and_duckdb_agree_at_every_boundary_of_every_shipped_definition(duck, code):
    definition, rates = shipped_definitions()[code], shipped_rates()
    records = [
        record
        for currency, year in situations(definition)
        for record in boundary_records(definition, rates, currency, year)
    ]
    assert records
    assert_same(duck, definition, rates, records)


@st.composite
def records_near_boundaries(draw, definition: Definition):
    rates = shipped_rates()
    currency = draw(st.sampled_from([definition.currency or "TRY", "TRY", "EUR", "USD", "IRR",
                                     "NGN", "XXX", None]))  # fmt: skip
    year = draw(st.sampled_from([2015, 2016, 2019, 2023, 2024, 2025, 2031, None]))
    section = draw(st.sampled_from(sections_for(definition)))
    band = definition.band_for(section) or (definition.bands or (None,))[0]
    values = {}
    for criterion in CRITERIA:
        near = (
            boundary_values(definition, band, criterion, currency, year, rates)
            if band is not None
            else [None]
        )
        anything = (
            st.integers(min_value=0, max_value=10_000)
            if criterion == "employees"
            else st.decimals(min_value=0, max_value=10**13, places=2)
        )
        values[criterion] = draw(st.one_of(st.sampled_from(near), anything, st.none()))
    return EnterpriseRecord(**values, year=year, currency=currency, isic_section=section)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("code", sorted(shipped_definitions()))
def test_python_and_duckdb_agree_on_any_record(duck, code, data):
    definition = shipped_definitions()[code]
    records = data.draw(st.lists(records_near_boundaries(definition), min_size=1, max_size=30))
    assert_same(duck, definition, shipped_rates(), records)


# -- Any rule tree, any bands --------------------------------------------------------------------


def rule_texts(criteria: list[str]):
    leaves = st.sampled_from(criteria)

    def extend(inner):
        pair = st.tuples(inner, inner)
        return st.one_of(
            pair.map(lambda p: f"({p[0]} and {p[1]})"),
            pair.map(lambda p: f"({p[0]} or {p[1]})"),
            pair.map(lambda p: f"({p[0]} else {p[1]})"),
            st.tuples(inner, inner, inner).map(lambda p: f"2 of ({p[0]}, {p[1]}, {p[2]})"),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def random_definitions(draw):
    pool = draw(st.lists(st.sampled_from(CRITERIA), min_size=1, max_size=4, unique=True))
    rule = draw(rule_texts(pool))
    criteria = criteria_of(parse_rule(rule))
    classes = sorted(
        draw(st.lists(st.sampled_from(SIZE_CLASSES), min_size=1, max_size=5, unique=True)),
        key=SIZE_CLASSES.index,
    )
    bounds: dict[str, dict[str, str]] = {klass: {} for klass in classes}
    for criterion in criteria:
        limits = sorted(draw(st.lists(st.integers(1, 400), min_size=len(classes),
                                      max_size=len(classes))))  # fmt: skip
        previous = None
        for klass, limit in zip(classes, limits, strict=True):
            operator = draw(st.sampled_from(["<", "<="]))
            if previous == (limit, "<="):  # "<" after "<=" on one limit: admits less
                operator = "<="
            bounds[klass][criterion] = f"{operator} {limit}"
            previous = (limit, operator)
    return parse_definition(
        code="RANDOM", currency="EUR", rule=rule, bands=[{"sector": "all", "classes": bounds}]
    )


@settings(max_examples=150, deadline=None)
@given(definition=random_definitions(), data=st.data())
def test_python_and_duckdb_agree_for_any_rule_and_any_bounds(duck, definition, data):
    rates = ExchangeRates.from_rows([("EUR", 2023, "0.5"), ("TRY", 2023, "3")])
    value = st.one_of(st.none(), st.integers(0, 420))
    records = data.draw(
        st.lists(
            st.builds(
                EnterpriseRecord,
                employees=value,
                turnover=value.map(lambda v: None if v is None else D(v)),
                assets=value.map(lambda v: None if v is None else D(v) / 2),
                capital=value.map(lambda v: None if v is None else D(v) + D("0.5")),
                year=st.sampled_from([2023, 2024]),
                currency=st.sampled_from(["EUR", "TRY", None]),
            ),
            min_size=1,
            max_size=40,
        )
    )
    assert_same(duck, definition, rates, records)


# -- Hand-written cases from the national texts --------------------------------------------------


def tr(employees, sales=None, balance=None, *, code="TR-2023", year=2024):
    record = EnterpriseRecord(
        employees=employees,
        turnover=None if sales is None else D(sales),
        assets=None if balance is None else D(balance),
        year=year,
        currency="TRY",
        isic_section="C",
    )
    return classify(record, shipped_definitions()[code], shipped_rates())


def test_turkey_2023_nine_employees_and_ten_million_lira_of_sales_is_micro():
    assert tr(9, 10_000_000).size_class == "micro"
    assert tr(10, 10_000_000).size_class == "small"  # "< 10": ten employees is not micro
    assert tr(9, "10000000.01", 10_000_000).size_class == "micro"  # the balance sheet suffices
    assert tr(9, "10000000.01", "10000000.01").size_class == "small"
    assert tr(249, 500_000_000).size_class == "medium"
    assert tr(250, 1).size_class == "large"


def test_turkey_sales_over_the_limit_and_no_balance_sheet_is_left_unclassified():
    result = tr(9, "10000000.01")
    assert result.size_class is None
    assert result.reason_code == Unclassified.MISSING_VALUE
    assert result.reason == "missing assets"
    assert tr(300).size_class == "large"  # headcount alone rules out every class


def test_turkey_2025_raised_only_the_medium_ceiling():
    assert tr(100, 800_000_000, 800_000_000, code="TR-2023").size_class == "large"
    assert tr(100, 800_000_000, 800_000_000, code="TR-2025").size_class == "medium"
    assert tr(9, 10_000_000, code="TR-2025").size_class == "micro"
    assert tr(9, 4_000_000, 4_000_000, code="TR-2018").size_class == "small"


def my(section, employees, turnover):
    record = EnterpriseRecord(
        employees=employees, turnover=D(turnover), year=2023, currency="MYR",
        isic_section=section,
    )  # fmt: skip
    return classify(record, shipped_definitions()["MY-2014"], shipped_rates()).size_class


def test_malaysia_the_smaller_class_wins_with_bands_by_sector():
    assert my("C", 4, 20_000_000) == "micro"  # few employees, large sales: micro
    assert my("C", 60, 200_000) == "micro"  # many employees, small sales: micro
    assert my("C", 74, 14_999_999) == "small"
    assert my("C", 75, 15_000_000) == "medium"  # "< 75" and "< 15 m": both over small
    assert my("C", 201, 50_000_001) == "large"
    assert my("G", 30, 3_000_000) == "medium"  # services: "< 30" and "< 3 m"
    assert my("G", 76, 20_000_001) == "large"
    assert my(None, 4, 1).__class__ is type(None)  # two bands: the sector must be known


def test_malaysia_without_a_sector_says_so():
    record = EnterpriseRecord(employees=4, turnover=D(1), year=2023, currency="MYR")
    result = classify(record, shipped_definitions()["MY-2014"], shipped_rates())
    assert (result.size_class, result.reason) == (None, "missing ISIC section")


def pk(turnover, employees=None):
    record = EnterpriseRecord(
        employees=employees, turnover=None if turnover is None else D(turnover), year=2023,
        currency="PKR",
    )  # fmt: skip
    return classify(record, shipped_definitions()["PK-2021"], shipped_rates())


def test_pakistan_2021_classes_by_turnover_only():
    assert pk(150_000_000, employees=5000).size_class == "small"  # no micro class, no headcount
    assert pk("150000000.01").size_class == "medium"
    assert pk(800_000_000).size_class == "medium"
    assert pk("800000000.01").size_class == "large"
    assert (pk(None, employees=3).size_class, pk(None).reason) == (None, "missing turnover")


def eu(employees, turnover, balance, *, currency="EUR", year=2023):
    record = EnterpriseRecord(
        employees=employees,
        turnover=None if turnover is None else D(turnover),
        assets=None if balance is None else D(balance),
        year=year,
        currency=currency,
    )
    return classify(record, shipped_definitions()["EU-2003"], shipped_rates())


def test_eu_2003_361_headcount_and_turnover_or_balance_sheet():
    assert eu(9, 3_000_000, 2_000_000).size_class == "micro"
    assert eu(9, 3_000_000, "2000000.01").size_class == "small"
    assert eu(10, 1, 1).size_class == "small"
    assert eu(249, 60_000_000, 43_000_000).size_class == "medium"
    assert eu(249, 60_000_000, "43000000.01").size_class == "large"
    assert eu(250, None, None).size_class == "large"


def test_eu_limits_are_converted_into_lira_with_the_years_rates():
    # 2 million euros in 2023: 2,000,000 x 23.7386 TRY/USD / 0.924840 EUR/USD.
    limit = (D(2_000_000) * D("23.7386") / D("0.924840")).quantize(CENT)
    assert limit == D("51335582.37")
    assert eu(9, limit, None, currency="TRY").size_class == "micro"
    assert eu(9, limit + CENT, limit + CENT, currency="TRY").size_class == "small"


def test_no_rate_for_the_rial_in_2024_leaves_the_record_unclassified_with_the_reason():
    result = eu(5, 1_000, 1_000, currency="IRR", year=2024)
    assert result == Classification(
        size_class=None,
        reason_code=Unclassified.NO_EXCHANGE_RATE,
        reason="no exchange rate for IRR 2024",
    )
    assert eu(5, 1_000, 1_000, currency="IRR", year=2023).size_class == "micro"


def test_egypt_classes_by_turnover_else_by_paid_up_capital():
    def eg(section, turnover=None, capital=None):
        record = EnterpriseRecord(
            turnover=None if turnover is None else D(turnover),
            capital=None if capital is None else D(capital),
            year=2023, currency="EGP", isic_section=section,
        )  # fmt: skip
        return classify(record, shipped_definitions()["EG-2020"], shipped_rates()).size_class

    assert eg("C", turnover=999_999, capital=10**9) == "micro"  # turnover decides when known
    assert eg("C", capital=49_999) == "micro"
    assert eg("C", capital=4_000_000) == "small"  # industrial: "< 5 m"
    assert eg("G", capital=4_000_000) == "medium"  # other sectors: "< 3 m", "<= 5 m"
    assert eg("G") is None


def test_nigeria_has_a_nano_class_and_both_criteria_must_fit():
    def ng(employees, turnover):
        record = EnterpriseRecord(employees=employees, turnover=D(turnover), year=2023,
                                  currency="NGN")  # fmt: skip
        return classify(record, shipped_definitions()["NG-2021"], shipped_rates()).size_class

    assert ng(2, 2_999_999) == "nano"
    assert ng(3, 2_999_999) == "micro"
    assert ng(2, 24_999_999) == "micro"
    assert ng(199, 999_999_999) == "medium"
    assert ng(200, 1) == "large"


def test_azerbaijan_the_larger_class_wins():
    record = EnterpriseRecord(employees=5, turnover=D(2_500_000), year=2023, currency="AZN")
    assert classify(record, shipped_definitions()["AZ-2018"], shipped_rates()).size_class == (
        "small"
    )


def test_ifc_two_of_three_criteria():
    def ifc(employees, assets, sales):
        record = EnterpriseRecord(employees=employees, assets=D(assets), turnover=D(sales),
                                  year=2023, currency="USD")  # fmt: skip
        return classify(record, shipped_definitions()["IFC"], shipped_rates()).size_class

    assert ifc(5, 50_000, 20_000_000) == "micro"
    assert ifc(5, 2_000_000, 10_000_000) == "small"
    assert ifc(400, 20_000_000, 99_999) == "large"


def test_bangladesh_services_have_no_micro_class():
    def bd(section, workers, assets):
        record = EnterpriseRecord(employees=workers, assets=D(assets), year=2023,
                                  currency="BDT", isic_section=section)  # fmt: skip
        return classify(record, shipped_definitions()["BD-2022"], shipped_rates()).size_class

    assert bd("C", 20, 5_000_000) == "micro"
    assert bd("G", 20, 5_000_000) == "small"
    assert bd("G", 10, 500_000) == "cottage"


def test_employment_size_classes_count_firms_without_employees_as_micro():
    definition = shipped_definitions()["D8-STAT"]

    def stat(employees):
        record = EnterpriseRecord(employees=employees)  # no money: no currency needed
        return classify(record, definition, shipped_rates()).size_class

    assert [stat(n) for n in (0, 9, 10, 49, 50, 249, 250)] == [
        "micro", "micro", "small", "small", "medium", "medium", "large",
    ]  # fmt: skip


def test_a_definition_without_thresholds_classifies_nothing_and_says_why(duck):
    definition = shipped_definitions()["IR"]
    result = classify(EnterpriseRecord(employees=5), definition, shipped_rates())
    assert result.reason_code == Unclassified.NO_THRESHOLDS
    assert sql_classes(duck, definition, shipped_rates(), [EnterpriseRecord(employees=5)]) == [None]


# -- Reading rules and bands ---------------------------------------------------------------------


def test_rules_read_as_trees():
    assert parse_rule("employees AND (turnover OR assets)") == AllOf(
        (Criterion("employees"), AnyOf((Criterion("turnover"), Criterion("assets"))))
    )
    assert parse_rule("only turnover") == Criterion("turnover")
    assert parse_rule("turnover else capital") == FirstKnown(
        (Criterion("turnover"), Criterion("capital"))
    )
    three = ("employees", "turnover", "assets")
    assert parse_rule("two_of_three", band_criteria=three) == AtLeast(
        2, tuple(Criterion(c) for c in three)
    )
    assert parse_rule("smaller_wins", band_criteria=three[:2]) == AnyOf(
        (Criterion("employees"), Criterion("turnover"))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("employees and", "incomplete"),
        ("employees and profit", "Unknown criterion “profit”"),
        ("4 of (employees, turnover)", "between 1 and 2"),
        ("employees turnover", "Unexpected “turnover”"),
    ],
)
def test_an_unreadable_rule_says_what_is_wrong(text, message):
    with pytest.raises(RuleError, match=message):
        parse_rule(text)


def band(**classes):
    return [{"sector": "all", "classes": classes}]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (band(micro={"employees": "10"}), "“10” is not a bound; write “< number”"),
        (band(tiny={"employees": "< 10"}), "unknown size class “tiny”"),
        (band(micro={"staff": "< 10"}), "unknown criterion “staff”"),
        (
            band(micro={"employees": "<= 10"}, small={"employees": "< 10"}),
            "the small bound \\(< 10\\) must admit everything the micro bound \\(<= 10\\)",
        ),
        (band(micro={"employees": "< 10", "turnover": "< 5"}), "rule needs|does not use"),
        (
            [{"sector": "a", "classes": {"micro": {"employees": "< 10"}}},
             {"sector": "b", "classes": {"micro": {"employees": "< 5"}}}],
            "Only one band may leave isic_sections empty",
        ),
        (
            [{"sector": "a", "isic_sections": ["Z"], "classes": {"micro": {"employees": "< 9"}}}],
            "section letters A-U",
        ),
    ],
)  # fmt: skip
def test_a_bad_band_is_refused_with_a_clear_message(bands, message):
    with pytest.raises(DefinitionError, match=message):
        parse_definition(code="X", currency="EUR", rule="employees", bands=bands)


def test_monetary_thresholds_need_a_currency():
    with pytest.raises(DefinitionError, match="need the currency") as caught:
        parse_definition(
            code="X", currency="", rule="turnover", bands=band(micro={"turnover": "< 9"})
        )
    assert caught.value.field == "currency"


@pytest.mark.parametrize("code", sorted(shipped_definitions()))
def test_thresholds_written_in_for_one_currency_year_give_the_same_classes(duck, code):
    """A national import knows its currency and year: the literal thresholds of that case
    classify every boundary record as Python does, a missing rate included (IRR 2024)."""
    definition, rates = shipped_definitions()[code], shipped_rates()
    for currency, year in [(definition.currency or "TRY", 2023), ("EGP", 2023), ("IRR", 2024),
                           ("TRY", 2025)]:  # fmt: skip
        records = boundary_records(definition, rates, currency, year)
        compiled = compile_definition(definition, rates, fixed=(currency, year))
        assert compiled.threshold_relation is None  # nothing to join
        expected = [classify(r, definition, rates).size_class for r in records]
        got = _classes_of(duck, compiled.select("records"), records)
        differences = [(r, e, g) for r, e, g in zip(records, expected, got, strict=True) if e != g]
        assert not differences, f"{code} in {currency} {year}: {differences[:5]}"
