"""Matchmaking pages (read only). Anonymous visitors are sent to sign in; a signed-in user with
no right to the record gets 404, as elsewhere (nothing is revealed). Rights: `selectors`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from d8coop.matchmaking import scoring, selectors


def _common() -> dict:
    return {"weights": scoring.WEIGHTS}


@login_required
@require_GET
def opportunity_matches(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = selectors.opportunity_for(request.user, slug)
    context = _common() | {
        "subject": opportunity,
        "kind": "opportunity",
        "results": selectors.matches_for_opportunity(request.user, opportunity),
    }
    return render(request, "matchmaking/opportunity.html", context)


@login_required
@require_GET
def sme_matches(request: HttpRequest, slug: str) -> HttpResponse:
    sme = selectors.sme_for(request.user, slug)
    context = _common() | {
        "subject": sme,
        "kind": "sme",
        "results": selectors.matches_for_sme(request.user, sme),
    }
    return render(request, "matchmaking/sme.html", context)


@login_required
@require_GET
def investor_matches(request: HttpRequest) -> HttpResponse:
    investor = selectors.investor_of(request.user)
    if investor is None:
        raise Http404("Not a registered investor.")
    context = _common() | {
        "subject": investor,
        "kind": "investor",
        "results": selectors.matches_for_investor(investor),
    }
    return render(request, "matchmaking/investor.html", context)
