"""A definition's rule and thresholds in words, for the pages (translated)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from d8coop.statistics.engine.definitions import LARGE, Definition, DefinitionError
from d8coop.statistics.engine.rules import AllOf, AnyOf, AtLeast, Criterion, FirstKnown, Rule
from d8coop.statistics.models import SmeDefinition

CRITERION_NAMES = {
    "employees": gettext_lazy("employees"),
    "turnover": gettext_lazy("turnover"),
    "assets": gettext_lazy("assets"),
    "capital": gettext_lazy("capital"),
}
CLASS_NAMES = {
    "nano": gettext_lazy("nano"),
    "cottage": gettext_lazy("cottage"),
    "micro": gettext_lazy("micro"),
    "small": gettext_lazy("small"),
    "medium": gettext_lazy("medium"),
    LARGE: gettext_lazy("large"),
}
NAMED_RULES = {
    "all_of": gettext_lazy("Every criterion must be within the class's limits."),
    "larger_wins": gettext_lazy("Each criterion gives a class; the larger class applies."),
    "smaller_wins": gettext_lazy("Each criterion gives a class; the smaller class applies."),
    "two_of_three": gettext_lazy(
        "A firm is in a class when two of its three criteria are within the class's limits."
    ),
}


@dataclass
class BandTable:
    sector: str
    sections: list[str]
    criteria: list[tuple[str, str]]  # (criterion, heading with unit)
    rows: list[tuple[str, list[str]]]  # (class name, bound per criterion, "" when none)


def rule_in_words(definition: SmeDefinition) -> str:
    text = " ".join(definition.rule.lower().split())
    if not definition.bands:
        return _("No thresholds are known.")
    if text in NAMED_RULES:
        return str(NAMED_RULES[text])
    try:
        tree = definition.engine_definition().rule
    except DefinitionError:
        return _("The rule cannot be read: %(rule)s") % {"rule": definition.rule}
    assert tree is not None
    return _("Criteria that must be within a class's limits: %(test)s.") % {
        "test": _phrase(tree, top=True)
    }


def _phrase(rule: Rule, *, top: bool = False) -> str:
    if isinstance(rule, Criterion):
        return str(CRITERION_NAMES[rule.name])
    parts = [_phrase(p) for p in rule.parts]
    if isinstance(rule, AllOf):
        text = _(" and ").join(parts)
    elif isinstance(rule, AnyOf):
        text = _(" or ").join(parts)
    elif isinstance(rule, AtLeast):
        text = _("at least %(count)s of %(parts)s") % {
            "count": rule.count,
            "parts": ", ".join(parts),
        }
    else:
        assert isinstance(rule, FirstKnown)
        text = parts[-1]
        for part in reversed(parts[:-1]):
            text = _("%(first)s (when not known: %(then)s)") % {"first": part, "then": text}
    return text if top else f"({text})"


def threshold_tables(definition: SmeDefinition) -> list[BandTable]:
    """One table per sector band: a row per size class, a column per criterion."""
    try:
        parsed: Definition = definition.engine_definition()
    except DefinitionError:
        return []
    tables = []
    for band in parsed.bands:
        criteria = parsed.criteria
        rows = []
        for klass in band.classes:
            bounds = dict(klass.bounds)
            cells = [_bound_text(bounds[c]) if c in bounds else "" for c in criteria]
            rows.append((str(CLASS_NAMES[klass.size_class]), cells))
        headings = [(c, _heading(c, parsed.currency)) for c in criteria]
        tables.append(BandTable(band.sector, sorted(band.isic_sections), headings, rows))
    return tables


def _heading(criterion: str, currency: str) -> str:
    name = str(CRITERION_NAMES[criterion]).capitalize()
    if criterion == "employees":
        return name
    return _("%(criterion)s (%(currency)s)") % {"criterion": name, "currency": currency}


def _bound_text(bound) -> str:
    operator = "<" if bound.strict else "≤"
    value = bound.value
    shown = int(value) if value == value.to_integral_value() else value
    return f"{operator} {number_format(shown, force_grouping=True)}"
