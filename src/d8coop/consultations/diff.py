"""Side-by-side difference between two texts: lines paired, changed lines marked word by word.

Plain strings in, plain rows out; the template marks them up (<del>/<ins> with labels that do
not rely on colour).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import zip_longest

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    kind: str  # "same", "added" or "deleted"
    text: str


@dataclass
class Row:
    kind: str  # "same", "changed", "added" or "deleted"
    old_number: int | None = None
    new_number: int | None = None
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)


def _words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Segment("same", "".join(a[i1:i2])))
            right.append(Segment("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Segment("deleted", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(Segment("added", "".join(b[j1:j2])))
    return left, right


def diff_texts(old: str, new: str) -> list[Row]:
    """Rows of a side-by-side table: unchanged, changed (word-level), added or deleted lines."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                line = a[i1 + offset]
                rows.append(
                    Row(
                        "same",
                        i1 + offset + 1,
                        j1 + offset + 1,
                        [Segment("same", line)],
                        [Segment("same", line)],
                    )
                )
            continue
        pairs = zip_longest(range(i1, i2), range(j1, j2))
        for i, j in pairs:
            if i is not None and j is not None:
                left, right = _words(a[i], b[j])
                rows.append(Row("changed", i + 1, j + 1, left, right))
            elif i is not None:
                rows.append(Row("deleted", i + 1, None, [Segment("deleted", a[i])], []))
            else:
                rows.append(Row("added", None, j + 1, [], [Segment("added", b[j])]))
    return rows


def has_changes(rows: list[Row]) -> bool:
    return any(row.kind != "same" for row in rows)
