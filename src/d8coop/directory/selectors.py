"""Reads of the SME directory: filtered lists (over a queryset the permissions already
restricted), ranked by the full-text search when words are given, and exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils.safestring import SafeString

from d8coop.directory.models import MaintainerInvitation, Product, SmeProfile
from d8coop.fulltext import search as fulltext_search


@dataclass
class Filters:
    q: str = ""
    country: str = ""  # ISO code of the member state
    sector: str = ""  # ISIC section
    size: str = ""
    hs: str = ""  # prefix of an HS code
    certification: str = ""
    market: str = ""  # ISO code of an export market
    status: str = ""  # managers only

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> Filters:
        country = data.get("country")
        return cls(
            q=(data.get("q") or "").strip(),
            country=country.code if country is not None else "",
            sector=data.get("sector") or "",
            size=data.get("size") or "",
            hs=data.get("hs") or "",
            certification=(data.get("certification") or "").strip(),
            market=(data.get("market") or "").upper(),
            status=data.get("status") or "",
        )

    @property
    def any(self) -> bool:
        return any(vars(self).values())


@dataclass
class Listing:
    profiles: list[SmeProfile]
    snippets: dict[int, dict[str, SafeString]] = field(default_factory=dict)


def with_relations(profiles: QuerySet[SmeProfile]) -> QuerySet[SmeProfile]:
    return profiles.select_related(
        "member_state", "introduced_by", "size_definition"
    ).prefetch_related(Prefetch("products", queryset=Product.objects.order_by("hs_code", "pk")))


def _filtered(profiles: QuerySet[SmeProfile], filters: Filters) -> QuerySet[SmeProfile]:
    if filters.country:
        profiles = profiles.filter(member_state__code=filters.country)
    if filters.sector:
        profiles = profiles.filter(isic_section=filters.sector)
    if filters.size:
        profiles = profiles.filter(size_class=filters.size)
    if filters.status:
        profiles = profiles.filter(status=filters.status)
    if filters.hs:
        products = Product.objects.filter(profile=OuterRef("pk"), hs_code__startswith=filters.hs)
        profiles = profiles.filter(Exists(products))
    if filters.market:
        # The list is stored as JSON text on both databases: match the quoted code exactly.
        profiles = profiles.filter(export_markets__icontains=f'"{filters.market}"')
    return profiles


def _with_certification(profiles: list[SmeProfile], term: str) -> list[SmeProfile]:
    """Profiles one of whose certifications contains the term, whatever the case (done in
    Python: JSON lists are not searchable alike on SQLite and PostgreSQL)."""
    term = term.casefold()
    return [p for p in profiles if any(term in c.casefold() for c in p.certifications)]


def profile_listing(profiles: QuerySet[SmeProfile], filters: Filters) -> Listing:
    """The profiles matching the filters: by name, or ranked best first when words are given,
    with the excerpts where the words were found."""
    profiles = _filtered(profiles, filters)
    snippets: dict[int, dict[str, SafeString]] = {}
    if filters.q:
        hits = fulltext_search(profiles, filters.q)
        by_pk = {p.pk: p for p in with_relations(profiles.filter(pk__in=[h.pk for h in hits]))}
        found = [by_pk[h.pk] for h in hits if h.pk in by_pk]
        snippets = {h.pk: h.snippets for h in hits}
    else:
        found = list(with_relations(profiles).order_by("name", "pk"))
    if filters.certification:
        found = _with_certification(found, filters.certification)
    return Listing(profiles=found, snippets=snippets)


def invitations_of(profile: SmeProfile) -> QuerySet[MaintainerInvitation]:
    return profile.invitations.select_related("invited_by", "accepted_by")


EXPORT_COLUMNS = [
    "name", "member_state", "city", "status", "public", "isic_section", "size_class",
    "size_definition", "employees", "products", "certifications", "export_markets",
    "capabilities", "description", "website", "contact_name", "contact_email", "contact_phone",
    "introduced_by", "validated_at", "created_by", "created_at", "updated_at", "url",
]  # fmt: skip


def export_rows(profiles: list[SmeProfile], *, site_url: str) -> list[list[Any]]:
    """One row a profile, in EXPORT_COLUMNS order (plain values; the writers neutralise
    formulas)."""
    rows = []
    for p in profiles:
        rows.append(
            [
                p.name, p.member_state.code, p.city, p.status, p.public, p.isic_section,
                p.size_class, p.size_definition.code if p.size_definition else "", p.employees,
                "; ".join(f"{x.hs_code} {x.description}" for x in p.products.all()),
                "; ".join(p.certifications), " ".join(p.export_markets), p.capabilities,
                p.description, p.website, p.contact_name, p.contact_email, p.contact_phone,
                p.introduced_by.name if p.introduced_by else "",
                p.validated_at.isoformat() if p.validated_at else "",
                p.created_by.email, p.created_at.isoformat(), p.updated_at.isoformat(),
                site_url.rstrip("/") + p.get_absolute_url(),
            ]
        )  # fmt: skip
    return rows
