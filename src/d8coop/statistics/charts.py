"""Where the marks of a small server-rendered SVG chart go: bars for rates, a line for levels.

Plain values in, plain data classes out; the template writes the SVG. Coordinates are in the
chart's own units (its viewBox), so the chart scales with the page. Time runs left to right in
every language, as on a printed chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 320, 180
TOP, BOTTOM, SIDE = 22, 26, 12  # room for the value labels, the period labels, the ends
MAX_LABELS = 8  # beyond this many periods, only every n-th period is labelled


@dataclass(frozen=True)
class Mark:
    period: str
    text: str  # the value as the chart writes it
    x: float  # centre of the mark
    y: float  # the value's height
    bar_top: float
    bar_height: float
    bar_width: float
    label_y: float  # where the value's text goes
    show_period: bool

    @property
    def bar_x(self) -> float:
        return self.x - self.bar_width / 2


@dataclass(frozen=True)
class Chart:
    kind: str  # "bar" or "line"
    width: int
    height: int
    baseline: float  # the zero line (bars) or the bottom of the plot (line)
    marks: list[Mark]

    @property
    def points(self) -> str:
        return " ".join(f"{m.x:.1f},{m.y:.1f}" for m in self.marks)

    @property
    def period_y(self) -> int:
        return self.height - 8


def layout(points: Sequence[tuple[str, float, str]], *, kind: str) -> Chart:
    """Place (period, value, text) points: bars from zero for kind "bar", a line between the
    lowest and the highest value for kind "line"."""
    values = [value for _, value, _ in points]
    low, high = _range(values, from_zero=kind == "bar")
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * SIDE) / max(len(points), 1)
    step = -(-len(points) // MAX_LABELS)  # ceiling division

    def y_of(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_height

    baseline = y_of(0) if kind == "bar" else TOP + plot_height
    marks = []
    for i, (period, value, text) in enumerate(points):
        y = y_of(value)
        top, bottom = min(y, baseline), max(y, baseline)
        below = kind == "bar" and value < 0
        marks.append(
            Mark(
                period=period,
                text=text,
                x=SIDE + slot * (i + 0.5),
                y=y,
                bar_top=top,
                bar_height=max(bottom - top, 1),
                bar_width=min(slot * 0.6, 48),
                label_y=bottom + 12 if below else y - 6,
                show_period=i % step == 0 or i == len(points) - 1,
            )
        )
    return Chart(kind, WIDTH, HEIGHT, baseline, marks)


def _range(values: list[float], *, from_zero: bool) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if from_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high == low:  # all zero (bars), or a flat line
        return (0.0, 1.0) if from_zero else (low - 1, high + 1)
    if not from_zero:
        pad = (high - low) * 0.1
        low, high = low - pad, high + pad
    return low, high
