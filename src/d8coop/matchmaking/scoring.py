"""Explained match scores. Pure functions over plain "facts" (no database), so the pages, the
API and `scripts/evaluate_matchmaking.py` score with the very same code.

A score is the sum of its parts; each part is a criterion met, with its points and a sentence
saying why ("same sector: C Manufacturing (+0.30)"). The text part is the similarity (0 to 1)
times its weight. All weights are in `WEIGHTS` below; each kind of match sums to 1.00 at most.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from d8coop.core.classifications import IsicSection
from d8coop.directory.models import SmeProfile
from d8coop.matchmaking.text import TextBackend
from d8coop.matchmaking.text import backend as text_backend
from d8coop.opportunities.models import Opportunity

# --------------------------------------------------------------------------- weights

# One place for every weight. Each block sums to 1.00: a perfect match scores 1.
WEIGHTS: dict[str, dict[str, float]] = {
    # An opportunity and an investor (both directions).
    "opportunity_investor": {
        "sector": 0.30,  # the opportunity's ISIC section is among the investor's sectors
        "instrument": 0.20,  # its instrument is one the investor uses
        "ticket": 0.15,  # its size in US$ lies within the investor's ticket range
        "text": 0.35,  # what the investor says it invests in vs the opportunity's text
    },
    # An opportunity and an SME (both directions).
    "opportunity_sme": {
        "sector": 0.30,  # same ISIC section
        "country": 0.15,  # the SME is in the host state or exports to it
        "size": 0.10,  # the SME's size class suits the project's size (SIZE_FIT)
        "certifications": 0.10,  # a certification of the SME is named in the opportunity
        "text": 0.35,  # the SME's description, capabilities and products vs the opportunity
    },
    # An SME and an exhibition or workshop open for registration.
    "sme_event": {
        "sector": 0.20,  # the SME's sector is named in the event's title or summary
        "country": 0.15,  # the event is in the SME's country or one of its export markets
        "text": 0.65,  # the SME's text vs the event's title and summary
    },
    # Two SMEs as partners.
    "sme_partner": {
        "products": 0.20,  # products in a common HS chapter (2 digits): a supply chain
        "sector": 0.15,  # same ISIC section
        "market": 0.15,  # one exports to the other's country
        "certifications": 0.10,  # a certification in common
        "text": 0.40,
    },
}

# Size classes that suit a project, by its size in US$ (upper bound, None = no bound).
SIZE_FIT: list[tuple[Decimal | None, set[str]]] = [
    (Decimal("1000000"), {"micro", "small", "medium"}),
    (Decimal("10000000"), {"small", "medium"}),
    (None, {"medium"}),
]


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class OpportunityFacts:
    key: Any
    title: str
    country: str  # ISO code of the host state
    sector: str  # ISIC section letter
    instrument: str
    size_usd: Decimal | None
    text: str


@dataclass(frozen=True)
class InvestorFacts:
    key: Any
    name: str
    country: str
    sectors: frozenset[str]
    instruments: frozenset[str]
    ticket_min_usd: Decimal | None
    ticket_max_usd: Decimal | None
    text: str


@dataclass(frozen=True)
class SmeFacts:
    key: Any
    name: str
    country: str
    sector: str
    size_class: str
    certifications: frozenset[str]
    export_markets: frozenset[str]
    hs_codes: frozenset[str]
    text: str


@dataclass(frozen=True)
class EventFacts:
    key: Any
    title: str
    country: str  # "" when not known
    text: str


@dataclass(frozen=True)
class Part:
    criterion: str
    points: float
    explanation: str


@dataclass
class Match:
    candidate: Any  # the facts of the candidate
    score: float
    parts: list[Part] = field(default_factory=list)

    @property
    def key(self) -> Any:
        return self.candidate.key


# --------------------------------------------------------------------------- helpers


def _pts(points: float) -> str:
    return f"+{points:.2f}"


def sector_label(code: str) -> str:
    try:
        return f"{code} {IsicSection(code).label}"
    except ValueError:
        return code


def _cert_key(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").split())


def _names(needle: str, haystack: str) -> bool:
    """Whether the normalised phrase occurs in the text as whole words ("CE" is not in
    "processing")."""
    return bool(needle) and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack) is not None


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _size_fits(size_usd: Decimal | None, size_class: str) -> bool:
    if size_usd is None:
        return False
    for bound, classes in SIZE_FIT:
        if bound is None or size_usd <= bound:
            return size_class in classes
    return False


def _text_part(weight: float, similarity: float) -> Part:
    points = round(weight * similarity, 4)
    return Part(
        "text",
        points,
        _("text similarity %(similarity)s (%(points)s)")
        % {"similarity": f"{similarity:.2f}", "points": _pts(points)},
    )


# --------------------------------------------------------------------------- pair scores


def opportunity_investor_parts(
    opp: OpportunityFacts, inv: InvestorFacts, similarity: float
) -> list[Part]:
    w = WEIGHTS["opportunity_investor"]
    parts = []
    if opp.sector in inv.sectors:
        parts.append(
            Part(
                "sector",
                w["sector"],
                _("sector of interest: %(sector)s (%(points)s)")
                % {"sector": sector_label(opp.sector), "points": _pts(w["sector"])},
            )
        )
    if opp.instrument in inv.instruments:
        parts.append(
            Part(
                "instrument",
                w["instrument"],
                _("instrument used: %(instrument)s (%(points)s)")
                % {
                    "instrument": _label(Opportunity.Instrument, opp.instrument).lower(),
                    "points": _pts(w["instrument"]),
                },
            )
        )
    if opp.size_usd is not None and (inv.ticket_min_usd is not None or inv.ticket_max_usd):
        low = inv.ticket_min_usd or Decimal(0)
        high = inv.ticket_max_usd
        if opp.size_usd >= low and (high is None or opp.size_usd <= high):
            parts.append(
                Part(
                    "ticket",
                    w["ticket"],
                    _("size US$ %(size)s within the ticket range (%(points)s)")
                    % {"size": f"{opp.size_usd:,.0f}", "points": _pts(w["ticket"])},
                )
            )
    parts.append(_text_part(w["text"], similarity))
    return parts


def opportunity_sme_parts(opp: OpportunityFacts, sme: SmeFacts, similarity: float) -> list[Part]:
    w = WEIGHTS["opportunity_sme"]
    parts = []
    if opp.sector == sme.sector:
        parts.append(
            Part(
                "sector",
                w["sector"],
                _("same sector: %(sector)s (%(points)s)")
                % {"sector": sector_label(opp.sector), "points": _pts(w["sector"])},
            )
        )
    if opp.country == sme.country:
        parts.append(
            Part(
                "country",
                w["country"],
                _("based in the host state %(country)s (%(points)s)")
                % {"country": opp.country, "points": _pts(w["country"])},
            )
        )
    elif opp.country in sme.export_markets:
        parts.append(
            Part(
                "country",
                w["country"],
                _("already exports to the host state %(country)s (%(points)s)")
                % {"country": opp.country, "points": _pts(w["country"])},
            )
        )
    if _size_fits(opp.size_usd, sme.size_class):
        parts.append(
            Part(
                "size",
                w["size"],
                _("a %(size_class)s company suits a project of US$ %(size)s (%(points)s)")
                % {
                    "size_class": _label(SmeProfile.SizeClass, sme.size_class).lower(),
                    "size": f"{opp.size_usd:,.0f}",
                    "points": _pts(w["size"]),
                },
            )
        )
    opp_text = _cert_key(f"{opp.title} {opp.text}")
    named = sorted(c for c in sme.certifications if _names(_cert_key(c), opp_text))
    if named:
        parts.append(
            Part(
                "certifications",
                w["certifications"],
                _("certification asked for: %(certifications)s (%(points)s)")
                % {"certifications": ", ".join(named), "points": _pts(w["certifications"])},
            )
        )
    parts.append(_text_part(w["text"], similarity))
    return parts


def sme_event_parts(sme: SmeFacts, event: EventFacts, similarity: float) -> list[Part]:
    w = WEIGHTS["sme_event"]
    parts = []
    try:
        label = str(IsicSection(sme.sector).label)
    except ValueError:
        label = ""
    event_text = _cert_key(f"{event.title} {event.text}")
    main_word = _cert_key(label.split(",")[0].split(";")[0]) if label else ""
    if _names(main_word, event_text):
        parts.append(
            Part(
                "sector",
                w["sector"],
                _("the event is about the sector %(sector)s (%(points)s)")
                % {"sector": sector_label(sme.sector), "points": _pts(w["sector"])},
            )
        )
    if event.country and (event.country == sme.country or event.country in sme.export_markets):
        explanation = (
            _("held in the SME's own country %(country)s (%(points)s)")
            if event.country == sme.country
            else _("held in an export market, %(country)s (%(points)s)")
        )
        parts.append(
            Part(
                "country",
                w["country"],
                explanation % {"country": event.country, "points": _pts(w["country"])},
            )
        )
    parts.append(_text_part(w["text"], similarity))
    return parts


def sme_partner_parts(sme: SmeFacts, other: SmeFacts, similarity: float) -> list[Part]:
    w = WEIGHTS["sme_partner"]
    parts = []
    chapters = sorted({c[:2] for c in sme.hs_codes} & {c[:2] for c in other.hs_codes})
    if chapters:
        parts.append(
            Part(
                "products",
                w["products"],
                _("products in the same HS chapter %(chapters)s (%(points)s)")
                % {"chapters": ", ".join(chapters), "points": _pts(w["products"])},
            )
        )
    if sme.sector == other.sector:
        parts.append(
            Part(
                "sector",
                w["sector"],
                _("same sector: %(sector)s (%(points)s)")
                % {"sector": sector_label(sme.sector), "points": _pts(w["sector"])},
            )
        )
    if other.country in sme.export_markets or sme.country in other.export_markets:
        country = other.country if other.country in sme.export_markets else sme.country
        parts.append(
            Part(
                "market",
                w["market"],
                _("an export market in common: %(country)s (%(points)s)")
                % {"country": country, "points": _pts(w["market"])},
            )
        )
    mine = {_cert_key(c): c for c in sme.certifications}
    common = sorted(mine[k] for k in mine.keys() & {_cert_key(c) for c in other.certifications})
    if common:
        parts.append(
            Part(
                "certifications",
                w["certifications"],
                _("certifications in common: %(certifications)s (%(points)s)")
                % {"certifications": ", ".join(common), "points": _pts(w["certifications"])},
            )
        )
    parts.append(_text_part(w["text"], similarity))
    return parts


# --------------------------------------------------------------------------- ranking


def rank(
    query_text: str,
    candidates: Sequence[Any],
    parts_for: Callable[[Any, float], list[Part]],
    *,
    backend: TextBackend | None = None,
    limit: int | None = 10,
) -> list[Match]:
    """Score every candidate (its `text` against `query_text`) and return the best first;
    candidates with no point at all are left out. Ties go by name (or title), then key."""
    if not candidates:
        return []
    backend = backend or text_backend()
    similarities = backend.similarities(query_text, [c.text for c in candidates])
    matches = []
    for candidate, similarity in zip(candidates, similarities, strict=True):
        parts = parts_for(candidate, similarity)
        score = round(sum(p.points for p in parts), 4)
        if score > 0:
            matches.append(Match(candidate, score, parts))
    matches.sort(
        key=lambda m: (
            -m.score,
            str(getattr(m.candidate, "name", getattr(m.candidate, "title", ""))),
            str(m.key),
        )
    )
    return matches[:limit] if limit else matches


def investors_for_opportunity(opp, investors, **kw) -> list[Match]:
    return rank(opp.text, investors, lambda i, s: opportunity_investor_parts(opp, i, s), **kw)


def smes_for_opportunity(opp, smes, **kw) -> list[Match]:
    return rank(opp.text, smes, lambda m, s: opportunity_sme_parts(opp, m, s), **kw)


def opportunities_for_investor(inv, opportunities, **kw) -> list[Match]:
    return rank(inv.text, opportunities, lambda o, s: opportunity_investor_parts(o, inv, s), **kw)


def opportunities_for_sme(sme, opportunities, **kw) -> list[Match]:
    return rank(sme.text, opportunities, lambda o, s: opportunity_sme_parts(o, sme, s), **kw)


def events_for_sme(sme, events, **kw) -> list[Match]:
    return rank(sme.text, events, lambda e, s: sme_event_parts(sme, e, s), **kw)


def partners_for_sme(sme, others, **kw) -> list[Match]:
    others = [o for o in others if o.key != sme.key]
    return rank(sme.text, others, lambda o, s: sme_partner_parts(sme, o, s), **kw)
