"""Public pages of the statistics section."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.statistics import comparison, maps, selectors, wording
from d8coop.statistics.models import SmeDefinition


def _shown(definition: SmeDefinition) -> dict:
    return {
        "definition": definition,
        "rule_text": wording.rule_in_words(definition),
        "tables": wording.threshold_tables(definition),
    }


def definitions(request: HttpRequest) -> HttpResponse:
    """Every member state's SME definitions, the harmonized ones, and the exchange rates."""
    today = timezone.localdate()
    countries = [
        {
            "state": entry.state,
            "current": _shown(entry.current) if entry.current else None,
            "others": [_shown(d) for d in entry.others],
        }
        for entry in selectors.definitions_by_country(today)
    ]
    context = {
        "countries": countries,
        "harmonized": [_shown(d) for d in selectors.harmonized_definitions()],
        "rates": selectors.rate_table(),
        "today": today,
    }
    return render(request, "statistics/definitions.html", context)


def overview(request: HttpRequest) -> HttpResponse:
    """The published national SME counts of every member state, side by side on a map, in bars
    and in a table, with the caveat that national definitions differ.

    `?indicator=` picks what the map shades by; an unknown one is refused (400) with the page
    and its default map, so a mistyped link still shows something useful."""
    key = request.GET.get("indicator", comparison.DEFAULT_INDICATOR)
    unknown = key not in comparison.INDICATORS
    indicator = comparison.INDICATORS[comparison.DEFAULT_INDICATOR if unknown else key]
    countries = selectors.published_totals(timezone.localdate())
    figures = {c.state.code: comparison.figure_for(c, indicator.key) for c in countries}
    member_map = maps.shaded_map(
        {code: f.value if f else None for code, f in figures.items()},
        names={c.state.code: c.state.name for c in countries},
        label=str(indicator.label),
    )
    context = {
        "countries": countries,
        "peak": max((c.headline.value for c in countries if c.headline), default=0),
        "indicator": indicator,
        "indicators": comparison.INDICATORS.values(),
        "unknown_indicator": unknown,
        "member_map": member_map,
        "map_rows": [(area, figures[area.code]) for area in member_map.areas],
        "caveat": comparison.comparison_caveat(countries, figures),
    }
    return render(request, "statistics/overview.html", context, status=400 if unknown else 200)


def overview_csv(request: HttpRequest) -> HttpResponse:
    """The overview table as CSV: one row per published figure, and one per member state with
    no published figure."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="d8-published-sme-counts.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["country_code", "country", "period", "size_class", "measure", "value", "published_as",
         "unit", "note", "source", "source_publisher", "definition_certainty"]
    )  # fmt: skip
    for country in selectors.published_totals(timezone.localdate()):
        certainty = country.definition.certainty if country.definition else ""
        figures = [country.headline, *country.breakdown, *country.shares]
        if country.headline is None and not figures[1:]:
            writer.writerow([country.state.code, country.state.name, "", "", "", "", "", "",
                             _("No published figure found."), "", "", certainty])  # fmt: skip
        for f in filter(None, figures):
            writer.writerow(
                [country.state.code, country.state.name, f.period, f.size_class, f.measure,
                 f"{f.value.normalize():f}", f.published_as, f.unit, f.note, f.source.title,
                 f.source.publisher, certainty]
            )  # fmt: skip
    return response
