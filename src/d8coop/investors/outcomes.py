"""Outcome statistics of the expressions of interest, per host member state and per ISIC
section: interests, leads that reached each stage, agreements signed, leads dropped, and the
median number of days from the interest to the signature.

Counted from the record: a lead "reached" a stage when its furthest step (dropped aside) is that
stage or a later one (a step may be skipped: a lead recorded at "meeting" was contacted). The
day of the interest is the day it was expressed (in the site's time zone); the day of signature
is the day the host recorded for the "signed" step. Counts only: no investor is named.
Two queries whatever the size of the record.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from d8coop.core.classifications import IsicSection
from d8coop.investors.models import Interest, LeadStep
from d8coop.members.models import MemberState

Stage = Interest.Stage
REACHED = [Stage.CONTACTED, Stage.MEETING, Stage.NEGOTIATION, Stage.SIGNED]
ORDER = {stage: n for n, stage in enumerate([Stage.NEW, *REACHED])}
# The columns of the tables, the CSV and the API, in order.
COLUMNS = {
    "interests": _("Expressions of interest"),
    "contacted": _("Reached contact"),
    "meeting": _("Reached a meeting"),
    "negotiation": _("Reached negotiation"),
    "signed": _("Agreements signed"),
    "dropped": _("Dropped"),
    "median_days_to_signature": _("Median days from interest to signature"),
}
SOURCE = _(
    "Source: expressions of interest made on this platform and the steps the host focal points "
    "recorded, with their dates."
)


@dataclass
class Outcome:
    key: str  # member state code or ISIC section
    name: str
    interests: int = 0
    reached: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REACHED, 0))
    dropped: int = 0
    signature_days: list[int] = field(default_factory=list)

    @property
    def signed(self) -> int:
        return self.reached[Stage.SIGNED]

    @property
    def median_days_to_signature(self) -> float | None:
        if not self.signature_days:
            return None
        return float(statistics.median(self.signature_days))

    def as_dict(self) -> dict:
        return {
            "interests": self.interests,
            "contacted": self.reached[Stage.CONTACTED],
            "meeting": self.reached[Stage.MEETING],
            "negotiation": self.reached[Stage.NEGOTIATION],
            "signed": self.signed,
            "dropped": self.dropped,
            "median_days_to_signature": self.median_days_to_signature,
        }


@dataclass(frozen=True)
class _Lead:
    state_id: int
    section: str
    expressed: object  # date
    furthest: str
    dropped: bool
    signed_on: object  # date | None


def _leads() -> list[_Lead]:
    steps: dict[int, list[tuple[str, object]]] = defaultdict(list)
    for interest_id, stage, on in LeadStep.objects.values_list("interest_id", "stage", "on"):
        steps[interest_id].append((stage, on))
    leads = []
    rows = Interest.objects.values_list(
        "pk", "opportunity__host_state_id", "opportunity__isic_section", "created_at"
    )
    for pk, state_id, section, created_at in rows:
        furthest, dropped, signed_on = Stage.NEW, False, None
        for stage, on in steps.get(pk, []):
            if stage == Stage.DROPPED:
                dropped = True
                continue
            if ORDER[stage] > ORDER[furthest]:
                furthest = stage
            if stage == Stage.SIGNED:
                signed_on = on
        expressed = timezone.localdate(created_at)
        leads.append(_Lead(state_id, section, expressed, furthest, dropped, signed_on))
    return leads


def _count(outcome: Outcome, lead: _Lead) -> None:
    outcome.interests += 1
    for stage in REACHED:
        if ORDER[lead.furthest] >= ORDER[stage]:
            outcome.reached[stage] += 1
    if lead.dropped:
        outcome.dropped += 1
    if lead.signed_on is not None:
        outcome.signature_days.append((lead.signed_on - lead.expressed).days)


def outcomes_by_state() -> dict[int, Outcome]:
    """Member state pk → its outcomes as host, for every member state (zeros included)."""
    states = MemberState.objects.order_by("name").only("pk", "code", "name")
    result = {s.pk: Outcome(s.code, s.name) for s in states}
    for lead in _leads():
        _count(result[lead.state_id], lead)
    return result


def outcomes_by_sector() -> list[Outcome]:
    """One row per ISIC section that has at least one expression of interest."""
    result: dict[str, Outcome] = {}
    for lead in _leads():
        if lead.section not in result:
            result[lead.section] = Outcome(lead.section, str(IsicSection(lead.section).label))
        _count(result[lead.section], lead)
    return [result[key] for key in sorted(result)]


def total(outcomes: list[Outcome]) -> Outcome:
    whole = Outcome("", str(_("All")))
    for outcome in outcomes:
        whole.interests += outcome.interests
        for stage in REACHED:
            whole.reached[stage] += outcome.reached[stage]
        whole.dropped += outcome.dropped
        whole.signature_days += outcome.signature_days
    return whole
