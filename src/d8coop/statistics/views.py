"""Public pages of the statistics section."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

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
