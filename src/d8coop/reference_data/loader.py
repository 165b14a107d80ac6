"""Load the D-8 record the platform ships with (YAML in `data/`), idempotently.

Every record is matched on its natural key (a slug, an ISO code, a meeting and an order) and
saved only when a field differs, so a second run changes nothing and writes no history. A record
that someone has edited since the loader last wrote it (in the back office) is left as edited and
counted as kept: a new release corrects shipped facts, never the secretariat's corrections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from d8coop.cooperation.models import (
    ActionItem,
    Body,
    Document,
    Meeting,
    Outcome,
    Signatory,
    Term,
)
from d8coop.core.models import PeriodFields, Source
from d8coop.members.models import (
    ContactNumber,
    Membership,
    MemberState,
    Organization,
    Person,
    Position,
    PositionHolding,
)
from d8coop.portal.models import KeyFact, NewsItem
from d8coop.statistics.models import (
    ExchangeRate,
    IndicatorObservation,
    IndicatorSeries,
    PublishedAggregate,
    SmeDefinition,
)

DATA_DIR = Path(__file__).parent / "data"
SEED_LISTING = "listed on the seed page, c. 2015"
CHANGE_REASON = "reference data"


class ReferenceDataError(ValueError):
    """A reference file names something that does not exist or cannot be read."""


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        kept = "".join(
            f" {n} {name} edited in the back office kept as edited."
            for name, n in self.kept.items()
        )
        if not self.changed:
            return "Reference data already up to date: nothing changed." + kept
        parts = [f"{n} {name} created" for name, n in sorted(self.created.items())]
        parts += [f"{n} {name} updated" for name, n in sorted(self.updated.items())]
        return "Reference data loaded: " + ", ".join(parts) + "." + kept


class _Loader:
    def __init__(self, documents: dict[str, Any]) -> None:
        self.data = documents
        self.report = LoadReport()
        self.sources: dict[str, Source] = {}
        self.states: dict[str, MemberState] = {}
        self.orgs: dict[str, Organization] = {}
        self.bodies: dict[str, Body] = {}
        self.meetings: dict[str, Meeting] = {}

    # -- generic helpers -------------------------------------------------------------------
    def upsert(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]):
        values = {**values}
        obj = model._default_manager.filter(**lookup).first()
        name = model._meta.verbose_name_plural
        if obj is None:
            obj = model(**lookup, **values)
            self._save(obj)
            self.report.created[str(name)] += 1
            return obj
        changed = [key for key, value in values.items() if not _same(getattr(obj, key), value)]
        if changed and self._edited_by_someone_else(obj):
            self.report.kept[str(name)] += 1
        elif changed:
            for key in changed:
                setattr(obj, key, values[key])
            self._save(obj)
            self.report.updated[str(name)] += 1
        return obj

    @staticmethod
    def _save(obj: models.Model) -> None:
        obj.full_clean()
        obj._change_reason = CHANGE_REASON  # type: ignore[attr-defined]
        obj.save()

    @staticmethod
    def _edited_by_someone_else(obj: models.Model) -> bool:
        latest = obj.history.only("history_change_reason").first()  # type: ignore[attr-defined]
        return latest is not None and latest.history_change_reason != CHANGE_REASON

    def set_related(self, obj: models.Model, attr: str, targets: list[models.Model]) -> None:
        manager = getattr(obj, attr)
        wanted = {target.pk for target in targets}
        if set(manager.values_list("pk", flat=True)) == wanted:
            return
        if self._edited_by_someone_else(obj):
            self.report.kept[f"{obj._meta.verbose_name} links"] += 1
            return
        manager.set(targets)
        self.report.updated[f"{obj._meta.verbose_name} links"] += 1

    def source(self, record: dict[str, Any]) -> dict[str, Any]:
        key = record.get("source")
        if key not in self.sources:
            raise ReferenceDataError(f"Unknown source {key!r} in {record!r}.")
        return {"source": self.sources[key], "source_note": _text(record.get("source_note"))}

    def lookup(self, table: dict[str, Any], key: str | None, what: str):
        if key is None:
            return None
        if key not in table:
            raise ReferenceDataError(f"Unknown {what} {key!r}.")
        return table[key]

    def state(self, code: str | None) -> MemberState | None:
        return self.lookup(self.states, code, "member state")

    # -- sections, in dependency order -----------------------------------------------------
    def run(self) -> LoadReport:
        self.load_sources()
        self.load_member_states()
        self.load_organizations()
        self.load_bodies()
        self.load_meetings()
        self.link_bodies_to_meetings()
        self.load_terms()
        self.load_documents()
        self.load_outcomes()
        self.load_positions()
        self.load_key_facts()
        self.load_news()
        self.load_sme_definitions()
        self.load_exchange_rates()
        self.load_published_aggregates()
        self.load_indicator_series()
        return self.report

    def load_sources(self) -> None:
        for rec in self.data["sources"]:
            values = {k: _text(rec.get(k)) for k in ("title", "publisher", "url", "published_text")}
            values["note"] = _text(rec.get("note"))
            self.sources[rec["key"]] = self.upsert(Source, {"key": rec["key"]}, values)

    def load_member_states(self) -> None:
        for rec in self.data["member_states"]:
            values = {
                "name": rec["name"],
                "official_name": _text(rec.get("official_name")),
                "other_names": _text(rec.get("other_names")),
                "currency": rec["currency"],
                "time_zone": rec["time_zone"],
                "other_time_zones": _text(rec.get("other_time_zones")),
                "weekend_days": rec["weekend_days"],
                "weekend_note": _text(rec.get("weekend_note")),
                **self.source(rec),
            }
            self.states[rec["code"]] = self.upsert(MemberState, {"code": rec["code"]}, values)
        for rec in self.data["memberships"]:
            lookup = {
                "member_state": self.state(rec["member_state"]),
                "joined_on": rec["joined_on"],
            }
            values = {"left_on": rec.get("left_on"), "note": _text(rec.get("note"))}
            self.upsert(Membership, lookup, {**values, **self.source(rec)})

    def load_organizations(self) -> None:
        for rec in self.data["organizations"]:
            values = {
                "name": rec["name"],
                "acronym": _text(rec.get("acronym")),
                "kind": rec["kind"],
                "member_state": self.state(rec.get("member_state")),
                "website": _text(rec.get("website")),
                "is_national_sme_body": rec.get("is_national_sme_body", False),
                **self.source(rec),
            }
            self.orgs[rec["slug"]] = self.upsert(Organization, {"slug": rec["slug"]}, values)

    def load_bodies(self) -> None:
        for rec in self.data["bodies"]:
            values = {
                "name": rec["name"],
                "short_name": _text(rec.get("short_name")),
                "other_names": _text(rec.get("other_names")),
                "kind": rec["kind"],
                "parent": self.lookup(self.bodies, rec.get("parent"), "body"),
                "number": rec.get("number"),
                "description": _text(rec.get("description")),
                "established_text": _text(rec.get("established_text")),
                **self.source(rec),
            }
            self.bodies[rec["slug"]] = self.upsert(Body, {"slug": rec["slug"]}, values)

    def load_meetings(self) -> None:
        for rec in self.data["meetings"]:
            values = {
                "title": rec["title"],
                "body": self.lookup(self.bodies, rec["body"], "body"),
                "kind": rec.get("kind", Meeting.Kind.MEETING),
                "ordinal": rec.get("ordinal"),
                "city": _text(rec.get("city")),
                "country": self.state(rec.get("country")),
                "venue": _text(rec.get("venue")),
                "host": self.lookup(self.orgs, rec.get("host"), "organization"),
                "status": rec["status"],
                "mode": rec.get("mode", Meeting.Mode.IN_PERSON),
                "summary": _text(rec.get("summary")),
                **PeriodFields.values_from_text(rec["dates"]),
                **self.source(rec),
            }
            self.meetings[rec["slug"]] = self.upsert(Meeting, {"slug": rec["slug"]}, values)
        for rec in self.data["meetings"]:
            meeting = self.meetings[rec["slug"]]
            if rec.get("follow_up_of"):
                previous = self.lookup(self.meetings, rec["follow_up_of"], "meeting")
                self.upsert(Meeting, {"pk": meeting.pk}, {"follow_up_of": previous})
            if rec.get("back_to_back"):
                others = [self.lookup(self.meetings, s, "meeting") for s in rec["back_to_back"]]
                current = set(meeting.back_to_back.values_list("pk", flat=True))
                if not {o.pk for o in others} <= current:
                    meeting.back_to_back.add(*others)
                    self.report.updated["meeting links"] += 1

    def link_bodies_to_meetings(self) -> None:
        for rec in self.data["bodies"]:
            if rec.get("established_at"):
                meeting = self.lookup(self.meetings, rec["established_at"], "meeting")
                self.upsert(Body, {"slug": rec["slug"]}, {"established_at": meeting})

    def load_terms(self) -> None:
        for rec in self.data["terms"]:
            body = self.lookup(self.bodies, rec["body"], "body")
            for code in rec["states"]:
                lookup = {"body": body, "member_state": self.state(code), "role": rec["role"]}
                values = {
                    "decided_at": self.lookup(self.meetings, rec.get("decided_at"), "meeting"),
                    **PeriodFields.values_from_text(rec.get("period")),
                    **self.source(rec),
                }
                self.upsert(Term, lookup, values)

    def load_documents(self) -> None:
        for rec in self.data["documents"]:
            values = {
                "title": rec["title"],
                "kind": rec["kind"],
                "body": self.lookup(self.bodies, rec.get("body"), "body"),
                "adopted_at": self.lookup(self.meetings, rec.get("adopted_at"), "meeting"),
                "adopted_on": rec.get("adopted_on"),
                "summary": _text(rec.get("summary")),
                **self.source(rec),
            }
            document = self.upsert(Document, {"slug": rec["slug"]}, values)
            for party in rec.get("signatories", []):
                lookup = {
                    "document": document,
                    "member_state": self.state(party.get("member_state")),
                    "organization": self.lookup(self.orgs, party.get("organization"), "org"),
                }
                values = {
                    "signed_on": party.get("signed_on"),
                    "capacity": party.get("capacity", ""),
                }
                self.upsert(Signatory, lookup, values)

    def load_outcomes(self) -> None:
        for group in self.data["outcomes"]:
            meeting = self.lookup(self.meetings, group["meeting"], "meeting")
            for order, rec in enumerate(group["items"], start=1):
                body = self.lookup(self.bodies, rec.get("body"), "body") or meeting.body
                values = {"kind": rec["kind"], "text": _text(rec["text"]), "body": body}
                source = self.source({"source": rec.get("source", meeting.source.key)})
                outcome = self.upsert(
                    Outcome, {"meeting": meeting, "order": order}, {**values, **source}
                )
                for action in rec.get("actions", []):
                    self.load_action_item(outcome, action, source)

    def load_action_item(self, outcome: Outcome, rec: dict[str, Any], source: dict) -> None:
        meeting = outcome.meeting
        all_states = rec["states"] == "all"
        values = {
            "body": self.lookup(self.bodies, rec.get("body"), "body") or outcome.body,
            "status": rec["status"],
            "all_member_states": all_states,
            **PeriodFields.values_from_text(rec.get("due"), relative_to=meeting.period_latest),
            **source,
        }
        item = self.upsert(ActionItem, {"outcome": outcome, "title": rec["title"]}, values)
        if all_states:
            states = list(MemberState.objects.members_on(meeting.period_earliest))
        else:
            states = [self.state(code) for code in rec["states"]]
        self.set_related(item, "responsible_states", states)

    def load_positions(self) -> None:
        for rec in self.data["positions"]:
            values = {
                "role": rec["role"],
                "title": _text(rec.get("title")),
                "organization": self.lookup(self.orgs, rec.get("organization"), "organization"),
                "member_state": self.state(rec.get("member_state")),
                "sector": _text(rec.get("sector")),
                "address": _text(rec.get("address")),
                "email": _text(rec.get("email")),
                "visibility": rec["visibility"],
                **self.source(rec),
            }
            position = self.upsert(Position, {"slug": rec["slug"]}, values)
            bodies = [self.lookup(self.bodies, slug, "body") for slug in rec.get("bodies", [])]
            self.set_related(position, "bodies", bodies)
            for order, number in enumerate(rec.get("numbers", []), start=1):
                self.upsert(
                    ContactNumber,
                    {"position": position, "order": order},
                    {
                        "kind": number["kind"],
                        "number": number["number"],
                        "extension": _text(number.get("extension")),
                        "visibility": number.get("visibility", rec["visibility"]),
                    },
                )
            if rec.get("holder"):
                self.load_holder(position, rec)

    def load_holder(self, position: Position, rec: dict[str, Any]) -> None:
        holder = rec["holder"]
        source = self.source(rec)
        person = self.upsert(
            Person,
            {"name": holder["name"]},
            {"honorific": _text(holder.get("honorific")), "source": source["source"]},
        )
        self.upsert(
            PositionHolding,
            {"position": position, "person": person},
            {"as_of_text": SEED_LISTING if rec["source"] == "seed" else "", **source},
        )

    def load_key_facts(self) -> None:
        for rec in self.data["key_facts"]:
            values = {
                "text": _text(rec["text"]),
                "figure": _text(rec.get("figure")),
                "period_text": _text(rec.get("period_text")),
                "order": rec.get("order", 0),
                **self.source(rec),
            }
            self.upsert(KeyFact, {"key": rec["key"]}, values)

    def load_news(self) -> None:
        for rec in self.data["news"]:
            values = {
                "title": rec["title"],
                "summary": _text(rec["summary"]),
                "text": _text(rec["text"]),
                "published_on": rec["published_on"],
                "date_note": _text(rec.get("date_note")),
                **self.source(rec),
            }
            item = self.upsert(NewsItem, {"slug": rec["slug"]}, values)
            self.set_related(item, "bodies", [self.bodies[s] for s in rec.get("bodies", [])])
            self.set_related(item, "meetings", [self.meetings[s] for s in rec.get("meetings", [])])
            self.set_related(
                item, "member_states", [self.states[c] for c in rec.get("member_states", [])]
            )

    def load_sme_definitions(self) -> None:
        records = self.data.get("sme_definitions", [])
        for rec in records:
            values = {
                "name": rec["name"],
                "country": self.state(rec.get("country")),
                "kind": rec["kind"],
                "agency": _text(rec.get("agency")),
                "legal_basis": _text(rec.get("legal_basis")),
                "effective_from": rec.get("effective_from"),
                "effective_to": _version_end(rec, records),
                "currency": _text(rec.get("currency")),
                "rule": _text(rec.get("rule")),
                "bands": rec.get("bands") or [],
                "certainty": rec["certainty"],
                "notes": _text(rec.get("notes")),
                **self.source(rec),
            }
            self.upsert(SmeDefinition, {"code": rec["code"]}, values)

    def load_exchange_rates(self) -> None:
        for rec in self.data.get("exchange_rates", []):
            lookup = {"currency": rec["currency"], "year": rec["year"]}
            values = {
                "lcu_per_usd": Decimal(str(rec["lcu_per_usd"])),
                "note": _text(rec.get("note")),
                **self.source(rec),
            }
            self.upsert(ExchangeRate, lookup, values)

    def load_published_aggregates(self) -> None:
        for rec in self.data.get("published_aggregates", []):
            lookup = {
                "country": self.state(rec["country"]),
                "year": rec["year"],
                "size_class": rec["size_class"],
                "measure": rec["measure"],
            }
            values = {
                "period_text": _text(rec.get("period_text")),
                "value": Decimal(str(rec["value"])),
                "published_as": _text(rec.get("published_as")),
                "unit": rec["unit"],
                "note": _text(rec.get("note")),
                **self.source(rec),
            }
            self.upsert(PublishedAggregate, lookup, values)

    def load_indicator_series(self) -> None:
        for rec in self.data.get("indicator_series", []):
            values = {
                "name": rec["name"],
                "unit": rec["unit"],
                "frequency": rec["frequency"],
                "country": self.state(rec.get("country")),
                "measure": rec["measure"],
                "notes": _text(rec.get("notes")),
            }
            series = self.upsert(IndicatorSeries, {"code": rec["code"]}, values)
            for obs in rec.get("observations", []):
                lookup = {"series": series, "year": obs["year"], "quarter": obs.get("quarter")}
                values = {
                    "period_text": _text(obs.get("period_text")),
                    "value": Decimal(str(obs["value"])),
                    "note": _text(obs.get("note")),
                    **self.source(obs),
                }
                self.upsert(IndicatorObservation, lookup, values)


def _version_end(rec: dict[str, Any], records: list[dict[str, Any]]) -> date | None:
    """A national version ends the day before the next version of its country begins."""
    start = rec.get("effective_from")
    if not rec.get("country"):
        return None
    later = [
        other["effective_from"]
        for other in records
        if other.get("country") == rec["country"]
        and other.get("effective_from") is not None
        and (start is None or other["effective_from"] > start)
    ]
    return min(later) - timedelta(days=1) if later else None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, models.Model) or isinstance(current, models.Model):
        return getattr(current, "pk", None) == getattr(wanted, "pk", None)
    return current == wanted


def read_documents(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Merge every YAML file of the data directory, in file-name order."""
    merged: dict[str, Any] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ReferenceDataError(f"{path.name}: {exc}") from exc
        for section, records in content.items():
            merged.setdefault(section, []).extend(records)
    return merged


def load_reference_data(data_dir: Path = DATA_DIR) -> LoadReport:
    """Bring the database in line with the shipped reference data; atomic and idempotent."""
    documents = read_documents(data_dir)
    with transaction.atomic():
        return _Loader(documents).run()
