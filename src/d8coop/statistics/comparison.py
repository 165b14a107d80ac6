"""Cross-country comparisons on the statistics pages: what the member-state map can shade by,
and the caveat shown beside any comparison, worked out from the data rather than written in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from d8coop.statistics.models import PublishedAggregate, SmeDefinition
from d8coop.statistics.selectors import CountryTotals


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Promise
    number_format: str  # the floatformat argument for its values


INDICATORS = {
    indicator.key: indicator
    for indicator in [
        Indicator("count", _("Published count of MSMEs (or of all enterprises)"), "0g"),
        Indicator("share_of_enterprises", _("MSMEs' share of all enterprises (%)"), "1g"),
        Indicator("share_of_employment", _("MSMEs' share of employment (%)"), "1g"),
    ]
}
DEFAULT_INDICATOR = "count"


def figure_for(country: CountryTotals, indicator: str) -> PublishedAggregate | None:
    """The country's figure for an indicator: its headline count, or its MSMEs' share."""
    if indicator == "count":
        return country.headline
    return next(
        (
            share
            for share in country.shares
            if share.size_class == PublishedAggregate.SizeClass.MSME and share.measure == indicator
        ),
        None,
    )


@dataclass(frozen=True)
class ComparisonCaveat:
    # (member state, certainty in words) where the national definition is not verified
    uncertain: list[tuple[str, str]]
    # (what is counted, member states), the commonest first, when the figures count different
    # things
    units: list[tuple[str, list[str]]]
    # (earliest, latest) year when the compared figures are not of one year
    years: tuple[int, int] | None


def comparison_caveat(
    countries: Iterable[CountryTotals], figures: Mapping[str, PublishedAggregate | None]
) -> ComparisonCaveat:
    """What makes the compared figures (member-state code -> figure) hard to compare: the
    definitions not verified (or not recorded), the different units, the spread of years."""
    uncertain = []
    units: dict[str, list[str]] = {}
    years = set()
    for country in countries:
        definition, name = country.definition, country.state.name
        if definition is None:
            uncertain.append((name, gettext("no definition recorded")))
        elif definition.certainty != SmeDefinition.Certainty.VERIFIED:
            uncertain.append((name, definition.get_certainty_display()))
        figure = figures.get(country.state.code)
        if figure is not None:
            unit = f"{figure.get_size_class_display()}, {figure.get_measure_display()}"
            units.setdefault(unit, []).append(name)
            years.add(figure.year)
    return ComparisonCaveat(
        uncertain=uncertain,
        units=sorted(units.items(), key=lambda unit: -len(unit[1])) if len(units) > 1 else [],
        years=(min(years), max(years)) if len(years) > 1 else None,
    )
