"""Public pages of the statistics section."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from d8coop.statistics import selectors, wording
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
    """The published national SME counts of every member state, side by side, with the caveat
    that national definitions differ."""
    countries = selectors.published_totals(timezone.localdate())
    peak = max((c.headline.value for c in countries if c.headline), default=0)
    context = {"countries": countries, "peak": peak}
    return render(request, "statistics/overview.html", context)


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
