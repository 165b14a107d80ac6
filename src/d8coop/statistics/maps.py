"""The member-state map: shade classes for a set of values, and the shapes to draw them on.

Framework-free: takes plain values keyed by ISO 3166-1 alpha-2 code and returns plain data
for `statistics/_map.html`. The shapes come from `static/statistics/member-map.json`, built
from Natural Earth by `scripts/build_member_map.py`.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

GEOMETRY = Path(__file__).parent / "static" / "statistics" / "member-map.json"

# Bootstrap's blue 100, 300, 500, 700 and 900: one hue with falling lightness, so the order of
# the classes reads the same with any colour vision and in greyscale. Every country is outlined
# in near-black, so even the lightest class stands out from the white sea.
PALETTE = ("#cfe2ff", "#6ea8fe", "#0d6efd", "#084298", "#031633")

Method = Literal["quantile", "equal_interval"]


@dataclass(frozen=True)
class ShadeClass:
    lower: Decimal
    upper: Decimal
    colour: str

    @property
    def single(self) -> bool:
        return self.lower == self.upper


@dataclass(frozen=True)
class MapArea:
    code: str
    name: str
    path: str
    value: Decimal | None
    shade: ShadeClass | None  # None when there is no figure


@dataclass(frozen=True)
class ShadedMap:
    label: str
    view_box: str
    areas: list[MapArea]
    classes: list[ShadeClass]
    context: str  # the neighbouring countries, drawn grey
    source: dict[str, str]

    @property
    def has_no_data(self) -> bool:
        return any(area.value is None for area in self.areas)


@cache
def geometry() -> dict:
    """The projected shapes: viewBox, one path per member state, the context, provenance."""
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


def quantile_classes(values: Sequence[Decimal], count: int = 5) -> list[tuple[Decimal, Decimal]]:
    """Up to `count` classes holding about as many values each, as (lowest, highest) value.

    Equal values always fall in one class, so there are fewer classes than `count` when
    values tie or there are fewer values than classes; no class is empty."""
    ordered = sorted(values)
    groups: dict[int, list[Decimal]] = {}
    for value in ordered:
        rank = bisect_left(ordered, value)  # the first of equal values: ties share a class
        groups.setdefault(rank * count // len(ordered), []).append(value)
    return [(group[0], group[-1]) for _, group in sorted(groups.items())]


def equal_interval_classes(
    values: Sequence[Decimal], count: int = 5
) -> list[tuple[Decimal, Decimal]]:
    """`count` classes of equal width from the lowest to the highest value (one when all the
    values are equal); a class may hold no value."""
    if not values:
        return []
    lowest, highest = min(values), max(values)
    if lowest == highest:
        return [(lowest, highest)]
    width = (highest - lowest) / count
    bounds = [lowest + width * i for i in range(count)] + [highest]
    return list(pairwise(bounds))


def coloured(bounds: list[tuple[Decimal, Decimal]]) -> list[ShadeClass]:
    """Colours spread over the whole palette, lightest for the lowest class, so two classes are
    as far apart as the palette allows; a single class takes the middle colour."""
    last = len(PALETTE) - 1
    if len(bounds) == 1:
        return [ShadeClass(*bounds[0], PALETTE[last // 2])]
    steps = len(bounds) - 1
    return [
        ShadeClass(lower, upper, PALETTE[round(i * last / steps)])
        for i, (lower, upper) in enumerate(bounds)
    ]


def class_of(value: Decimal, classes: Sequence[ShadeClass]) -> ShadeClass:
    """The highest class whose lower bound the value reaches (a value on a shared bound goes
    up, as in the equal-interval arithmetic)."""
    return [c for c in classes if c.lower <= value][-1]


def shaded_map(
    values: Mapping[str, Decimal | None],
    *,
    names: Mapping[str, str],
    label: str,
    method: Method = "quantile",
) -> ShadedMap:
    """The map of the member states in `values` (code -> value, None for no figure), in the
    order of `names`, shaded in up to five classes."""
    shapes = geometry()
    known = [v for v in values.values() if v is not None]
    make = quantile_classes if method == "quantile" else equal_interval_classes
    classes = coloured(make(known)) if known else []
    areas = []
    for code, name in names.items():
        value = values.get(code)
        shade = None if value is None else class_of(value, classes)
        areas.append(MapArea(code, name, shapes["members"][code], value, shade))
    return ShadedMap(
        label=label,
        view_box=shapes["viewBox"],
        areas=areas,
        classes=classes,
        context=shapes["context"],
        source=shapes["source"],
    )
