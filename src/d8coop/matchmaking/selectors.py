"""Who may see which matches, the candidates each list draws from, and the plain facts the
scoring functions take. Matchmaking only reads: it has no services and writes nothing.

Rights (deny by default; pages and API both use these):
- an opportunity's matches: the secretariat and the focal points of its host state;
- an SME profile's matches: the secretariat, the focal points of its member state and the
  user the profile names as the one who keeps it current (`maintainer`);
- an investor's matches: that investor only (a registered investor whose e-mail is verified).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from django.urls import NoReverseMatch
from django.utils import timezone

from d8coop.accounts.permissions import can_act_for_state, is_secretariat
from d8coop.cooperation.models import Meeting
from d8coop.directory.models import SmeProfile
from d8coop.directory.permissions import profiles_visible_to
from d8coop.investors.models import Investor
from d8coop.matchmaking import scoring
from d8coop.matchmaking.scoring import EventFacts, InvestorFacts, OpportunityFacts, SmeFacts
from d8coop.matchmaking.text import backend as text_backend
from d8coop.opportunities.models import Opportunity
from d8coop.participation.models import Event

EVENT_KINDS = (Meeting.Kind.EXHIBITION, Meeting.Kind.WORKSHOP)

# --------------------------------------------------------------------------- rights


def _signed_in(user: Any) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def can_match_opportunity(user: Any, opportunity: Opportunity) -> bool:
    return _signed_in(user) and can_act_for_state(user, opportunity.host_state.code)


def can_match_sme(user: Any, sme: SmeProfile) -> bool:
    if not _signed_in(user):
        return False
    if sme.maintainer_id is not None and sme.maintainer_id == user.pk:
        return True
    return can_act_for_state(user, sme.member_state.code)


def investor_of(user: Any) -> Investor | None:
    """The user's own investor registration, once its e-mail is verified."""
    if not _signed_in(user):
        return None
    investor = Investor.objects.filter(user=user, email_verified_at__isnull=False).first()
    return investor


def opportunity_for(user: Any, slug: str) -> Opportunity:
    """The opportunity, if the user may see its matches; else 404 (nothing is revealed)."""
    opportunity = Opportunity.objects.select_related("host_state").filter(slug=slug).first()
    if opportunity is None or not can_match_opportunity(user, opportunity):
        raise Http404("No such opportunity among yours.")
    return opportunity


def sme_for(user: Any, slug: str) -> SmeProfile:
    sme = (
        SmeProfile.objects.select_related("member_state")
        .prefetch_related("products")
        .filter(slug=slug)
        .first()
    )
    if sme is None or not can_match_sme(user, sme):
        raise Http404("No such SME profile among yours.")
    return sme


# --------------------------------------------------------------------------- facts


def _join(*texts: str) -> str:
    return "\n".join(t.strip() for t in texts if t and t.strip())


def opportunity_facts(o: Opportunity) -> OpportunityFacts:
    return OpportunityFacts(
        key=o.pk,
        title=o.title,
        country=o.host_state.code,
        sector=o.isic_section,
        instrument=o.instrument,
        size_usd=o.size_usd,
        text=_join(o.title, o.description),
    )


def investor_facts(i: Investor) -> InvestorFacts:
    return InvestorFacts(
        key=i.pk,
        name=i.organization,
        country=(i.country or "").upper(),
        sectors=frozenset(str(s).upper() for s in (i.sectors or [])),
        instruments=frozenset(str(s) for s in (i.instruments or [])),
        ticket_min_usd=i.ticket_min_usd,
        ticket_max_usd=i.ticket_max_usd,
        text=i.description or "",
    )


def sme_facts(s: SmeProfile) -> SmeFacts:
    products = list(s.products.all())
    return SmeFacts(
        key=s.pk,
        name=s.name,
        country=s.member_state.code,
        sector=s.isic_section,
        size_class=s.size_class,
        certifications=frozenset(str(c) for c in (s.certifications or [])),
        export_markets=frozenset(str(c).upper() for c in (s.export_markets or [])),
        hs_codes=frozenset(p.hs_code for p in products),
        text=_join(s.description, s.capabilities, *(p.description for p in products)),
    )


def event_facts(e: Event) -> EventFacts:
    meeting = e.meeting
    return EventFacts(
        key=e.pk,
        title=meeting.title,
        country=meeting.country.code if meeting.country_id else "",
        text=_join(meeting.title, meeting.summary),
    )


# --------------------------------------------------------------------------- candidates


def published_opportunities():
    return (
        Opportunity.objects.published()
        .filter(valid_until__gte=timezone.localdate())
        .select_related("host_state")
    )


def verified_investors():
    return Investor.objects.filter(email_verified_at__isnull=False, user__is_active=True)


def validated_smes(user: Any):
    """Validated SMEs the user may read in the directory (`profiles_visible_to`): the
    secretariat all; a focal point its own state's and the public ones; others public ones."""
    return (
        profiles_visible_to(user)
        .filter(status=SmeProfile.Status.VALIDATED)
        .select_related("member_state")
        .prefetch_related("products")
    )


def open_events():
    now = timezone.now()
    return Event.objects.filter(
        registration_opens__lte=now,
        registration_closes__gte=now,
        meeting__kind__in=EVENT_KINDS,
    ).select_related("meeting", "meeting__country")


def partner_candidates(user: Any, sme: SmeProfile):
    """The validated SMEs the user may read, but the SME itself; a maintainer who is neither
    secretariat nor a focal point sees only those that opted in to be public."""
    qs = validated_smes(user).exclude(pk=sme.pk)
    if is_secretariat(user) or can_act_for_state(user, sme.member_state.code):
        return qs
    return qs.filter(Q(public=True))


# --------------------------------------------------------------------------- results


def _url(obj: Any) -> str:
    """The record's own page, when its app has one (else "")."""
    target = obj.meeting if isinstance(obj, Event) else obj
    try:
        return target.get_absolute_url()
    except (AttributeError, NoReverseMatch):
        return ""


def _rows(matches: list[scoring.Match], objects: dict) -> list[dict]:
    return [
        {
            "object": objects[m.key],
            "name": str(objects[m.key]),
            "url": _url(objects[m.key]),
            "score": m.score,
            "parts": m.parts,
        }
        for m in matches
    ]


def matches_for_opportunity(user: Any, opportunity: Opportunity, *, limit: int = 10) -> dict:
    backend = text_backend()
    facts = opportunity_facts(opportunity)
    investors = {i.pk: i for i in verified_investors()}
    smes = {s.pk: s for s in validated_smes(user)}
    return {
        "method": backend.name,
        "investors": _rows(
            scoring.investors_for_opportunity(
                facts,
                [investor_facts(i) for i in investors.values()],
                backend=backend,
                limit=limit,
            ),
            investors,
        ),
        "smes": _rows(
            scoring.smes_for_opportunity(
                facts, [sme_facts(s) for s in smes.values()], backend=backend, limit=limit
            ),
            smes,
        ),
    }


def matches_for_sme(user: Any, sme: SmeProfile, *, limit: int = 10) -> dict:
    backend = text_backend()
    facts = sme_facts(sme)
    opportunities = {o.pk: o for o in published_opportunities()}
    events = {e.pk: e for e in open_events()}
    partners = {s.pk: s for s in partner_candidates(user, sme)}
    return {
        "method": backend.name,
        "opportunities": _rows(
            scoring.opportunities_for_sme(
                facts,
                [opportunity_facts(o) for o in opportunities.values()],
                backend=backend,
                limit=limit,
            ),
            opportunities,
        ),
        "events": _rows(
            scoring.events_for_sme(
                facts, [event_facts(e) for e in events.values()], backend=backend, limit=limit
            ),
            events,
        ),
        "partners": _rows(
            scoring.partners_for_sme(
                facts, [sme_facts(s) for s in partners.values()], backend=backend, limit=limit
            ),
            partners,
        ),
    }


def matches_for_investor(investor: Investor, *, limit: int = 10) -> dict:
    backend = text_backend()
    opportunities = {o.pk: o for o in published_opportunities()}
    return {
        "method": backend.name,
        "opportunities": _rows(
            scoring.opportunities_for_investor(
                investor_facts(investor),
                [opportunity_facts(o) for o in opportunities.values()],
                backend=backend,
                limit=limit,
            ),
            opportunities,
        ),
    }
