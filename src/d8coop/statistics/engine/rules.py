"""How the criteria of a size definition combine, as a small tree of AND/OR nodes.

A rule is written as text and parsed into the tree:

    employees and (turnover or assets)     Türkiye, EU 2003/361
    turnover                               a single criterion ("only turnover" also reads)
    turnover else capital                  the first criterion the record has decides (Egypt:
                                           a firm without a turnover year is classed by capital)
    2 of (employees, turnover, assets)     IFC's two of three

and the named rules of the sources expand over the criteria the bands give:

    all_of / larger_wins    every criterion within the class (AND)
    smaller_wins            any criterion within the class (OR)
    two_of_three            2 of the three criteria

The tree answers "is the record within class c?" for each class in turn; the record's class is
the smallest that answers yes (see classifier.py). With bounds that grow from class to class,
AND is "the larger class wins" and OR is "the smaller class wins". A missing value makes a leaf
unknown, and unknowns combine as in SQL (Kleene logic), so the Python and SQL paths agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CRITERIA = ("employees", "turnover", "assets", "capital")
MONETARY = frozenset({"turnover", "assets", "capital"})

NAMED_RULES = ("all_of", "larger_wins", "smaller_wins", "two_of_three")


class RuleError(ValueError):
    """A rule text that cannot be read."""


@dataclass(frozen=True)
class Criterion:
    name: str


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Rule, ...]


@dataclass(frozen=True)
class AtLeast:
    count: int
    parts: tuple[Rule, ...]


@dataclass(frozen=True)
class FirstKnown:
    """The first part whose criteria the record all has decides; none known: unknown."""

    parts: tuple[Rule, ...]


Rule = Criterion | AllOf | AnyOf | AtLeast | FirstKnown


def criteria_of(rule: Rule) -> tuple[str, ...]:
    """The criteria a rule reads, each once, in the canonical order."""
    found: set[str] = set()

    def walk(node: Rule) -> None:
        if isinstance(node, Criterion):
            found.add(node.name)
        else:
            for part in node.parts:
                walk(part)

    walk(rule)
    return tuple(c for c in CRITERIA if c in found)


def parse_rule(text: str, *, band_criteria: tuple[str, ...] = ()) -> Rule:
    """Read a rule text; a named rule expands over `band_criteria` (canonical order)."""
    cleaned = " ".join(text.strip().lower().split())
    if not cleaned:
        raise RuleError("The rule is empty.")
    if cleaned in NAMED_RULES:
        return _named(cleaned, band_criteria)
    if cleaned.startswith("only "):
        cleaned = cleaned[len("only ") :]
    return _Parser(cleaned).parse()


def _named(name: str, criteria: tuple[str, ...]) -> Rule:
    if not criteria:
        raise RuleError(f"The rule {name} needs thresholds to know which criteria it combines.")
    leaves = tuple(Criterion(c) for c in criteria)
    if name == "two_of_three":
        if len(leaves) != 3:
            raise RuleError(
                f"two_of_three needs exactly three criteria; the thresholds give {len(leaves)}."
            )
        return AtLeast(2, leaves)
    if len(leaves) == 1:
        return leaves[0]
    return AnyOf(leaves) if name == "smaller_wins" else AllOf(leaves)


_TOKEN = re.compile(r"\s*(?:(\d+)|([a-z_]+)|([(),]))")


class _Parser:
    """rule := alt ('else' alt)* ; alt := conj ('or' conj)* ; conj := atom ('and' atom)* ;
    atom := criterion | '(' rule ')' | N 'of' '(' rule (',' rule)* ')'"""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise RuleError(f"Cannot read the rule at “{text[pos:].strip()}”.")
            self.tokens.append(match.group(match.lastindex or 0))
            pos = match.end()
            if text[pos:].strip() == "":
                break
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            wanted = f"“{expected}”" if expected else "more"
            raise RuleError(f"The rule “{self.text}” is incomplete: expected {wanted}.")
        self.pos += 1
        return token

    def parse(self) -> Rule:
        rule = self.sequence("else", FirstKnown, self.alternatives)
        if self.peek() is not None:
            raise RuleError(f"Unexpected “{self.peek()}” in the rule “{self.text}”.")
        return rule

    def sequence(self, word, node, operand) -> Rule:
        parts = [operand()]
        while self.peek() == word:
            self.take()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else node(tuple(parts))

    def alternatives(self) -> Rule:
        return self.sequence("or", AnyOf, self.conjunction)

    def conjunction(self) -> Rule:
        return self.sequence("and", AllOf, self.atom)

    def atom(self) -> Rule:
        token = self.take()
        if token == "(":
            inner = self.sequence("else", FirstKnown, self.alternatives)
            self.take(")")
            return inner
        if token.isdigit():
            return self.at_least(int(token))
        if token in CRITERIA:
            return Criterion(token)
        known = ", ".join(CRITERIA)
        raise RuleError(f"Unknown criterion “{token}” in the rule; use one of {known}.")

    def at_least(self, count: int) -> Rule:
        self.take("of")
        self.take("(")
        parts = [self.sequence("else", FirstKnown, self.alternatives)]
        while self.peek() == ",":
            self.take()
            parts.append(self.sequence("else", FirstKnown, self.alternatives))
        self.take(")")
        if not 1 <= count <= len(parts):
            raise RuleError(f"“{count} of” needs between 1 and {len(parts)} parts.")
        return AtLeast(count, tuple(parts))
