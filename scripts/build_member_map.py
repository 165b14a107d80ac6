"""Build the member-state map of the statistics pages from world-atlas (Natural Earth).

    cd /tmp && npm pack world-atlas@2.0.2
    .venv/bin/python scripts/build_member_map.py /tmp/world-atlas-2.0.2.tgz

Reads `countries-50m.json` (TopoJSON; ids are ISO 3166-1 numeric codes) from the package
tarball, keeps the nine member states and, as grey context, every other country inside the
window (Nigeria to Indonesia), and writes one SVG path per member state to
`src/d8coop/statistics/static/statistics/member-map.json`, with the package's licence beside
it in `member-map.LICENSE`. The page draws the paths inline, so no map library or tile server
is needed at run time.

Projection: equirectangular with the window's middle latitude as standard parallel (y stretched
by 1/cos of it), so shapes near the tropics keep their proportions. Arcs are simplified once
each (Douglas-Peucker) before the rings are assembled, so neighbours still share their border
after simplification.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tarfile
from itertools import pairwise
from pathlib import Path

PACKAGE = "world-atlas"
VERSION = "2.0.2"
SOURCE_FILE = "countries-50m.json"
OUT = Path(__file__).resolve().parent.parent / "src/d8coop/statistics/static/statistics"

# ISO 3166-1 alpha-2 -> numeric, as the TopoJSON ids spell them.
MEMBERS = {
    "AZ": "031",
    "BD": "050",
    "EG": "818",
    "ID": "360",
    "IR": "364",
    "MY": "458",
    "NG": "566",
    "PK": "586",
    "TR": "792",
}
WEST, EAST, SOUTH, NORTH = 0.0, 145.0, -13.0, 46.0
WIDTH = 1000  # viewBox units; coordinates are rounded to whole units
TOLERANCE = 0.4  # Douglas-Peucker tolerance, in viewBox units
MIN_RING_AREA = 3.0  # smaller islands are dropped (a member keeps at least its largest ring)

X_SCALE = WIDTH / (EAST - WEST)
Y_SCALE = X_SCALE / math.cos(math.radians((NORTH + SOUTH) / 2))
HEIGHT = round((NORTH - SOUTH) * Y_SCALE)

Point = tuple[float, float]


def project(lon: float, lat: float) -> Point:
    return (lon - WEST) * X_SCALE, (NORTH - lat) * Y_SCALE


def decoded_arcs(topology: dict) -> list[list[Point]]:
    """The arcs in projected coordinates (TopoJSON stores them quantized and delta-encoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(project(x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplified(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the end points always stay."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        farthest, distance = first, 0.0
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                d = abs((x2 - x1) * (y1 - py) - (x1 - px) * (y2 - y1)) / length
            else:
                d = math.hypot(px - x1, py - y1)
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def ring(arc_indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from its arcs; ~i is arc i reversed, and each arc starts where the last
    ended, so its first point is dropped."""
    points: list[Point] = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def clipped(points: list[Point]) -> list[Point]:
    """The ring cut to the window (Sutherland-Hodgman, one edge of the rectangle at a time)."""
    edges = [
        (lambda p: p[0] >= 0, 0, 0.0),
        (lambda p: p[0] <= WIDTH, 0, float(WIDTH)),
        (lambda p: p[1] >= 0, 1, 0.0),
        (lambda p: p[1] <= HEIGHT, 1, float(HEIGHT)),
    ]
    for inside, axis, bound in edges:
        if not points:
            break
        result: list[Point] = []
        previous = points[-1]
        for current in points:
            if inside(current) != inside(previous):
                t = (bound - previous[axis]) / (current[axis] - previous[axis])
                crossing = (
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                )
                result.append(crossing)
            if inside(current):
                result.append(current)
            previous = current
        points = result
    return points


def area(points: list[Point]) -> float:
    closed = [*points, points[0]]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(closed))) / 2


def path(rings: list[list[Point]]) -> str:
    """SVG path data with whole-unit coordinates, relative moves after the first point."""
    parts = []
    for points in rings:
        rounded: list[tuple[int, int]] = []
        for x, y in points:
            point = (round(x), round(y))
            if not rounded or point != rounded[-1]:
                rounded.append(point)
        if len(rounded) > 1 and rounded[0] == rounded[-1]:
            rounded.pop()
        if len(rounded) < 3:
            continue
        (x0, y0), steps = rounded[0], []
        for (xa, ya), (xb, yb) in pairwise(rounded):
            steps.append(f"{xb - xa} {yb - ya}")
        parts.append(f"M{x0} {y0}l" + " ".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


def country_rings(geometry: dict, arcs: list[list[Point]], *, member: bool) -> list[list[Point]]:
    rings = []
    for polygon in polygons(geometry):
        for arc_indexes in polygon:  # the outer ring, then any holes (e.g. enclaves)
            points = clipped(ring(arc_indexes, arcs))
            if len(points) >= 3:
                rings.append(points)
    kept = [r for r in rings if area(r) >= MIN_RING_AREA]
    if member and not kept and rings:
        kept = [max(rings, key=area)]
    return kept


def member_map(topology: dict) -> dict:
    arcs = [simplified(a, TOLERANCE) for a in decoded_arcs(topology)]
    geometries = topology["objects"]["countries"]["geometries"]
    by_id = {g.get("id"): g for g in geometries}
    missing = [code for code, number in MEMBERS.items() if number not in by_id]
    if missing:
        raise SystemExit(f"No boundary for {', '.join(missing)} in {SOURCE_FILE}")
    members = {
        code: path(country_rings(by_id[number], arcs, member=True))
        for code, number in sorted(MEMBERS.items())
    }
    context = "".join(
        path(country_rings(g, arcs, member=False))
        for g in geometries
        if g.get("id") not in MEMBERS.values()
    )
    return {
        "source": {
            "package": PACKAGE,
            "version": VERSION,
            "file": SOURCE_FILE,
            "licence": "ISC (package); Natural Earth data is in the public domain",
            "data": "Natural Earth 1:50m admin 0 countries, version 4.1.0",
            "url": f"https://www.npmjs.com/package/{PACKAGE}/v/{VERSION}",
        },
        "projection": (
            f"equirectangular, standard parallel {(NORTH + SOUTH) / 2:g}°; "
            f"longitude {WEST:g} to {EAST:g}, latitude {SOUTH:g} to {NORTH:g}"
        ),
        "viewBox": f"0 0 {WIDTH} {HEIGHT}",
        "members": members,
        "context": context,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"{PACKAGE}-{VERSION}.tgz from `npm pack`")
    args = parser.parse_args()
    with tarfile.open(args.tarball) as archive:
        manifest = json.load(archive.extractfile("package/package.json"))
        if (manifest["name"], manifest["version"]) != (PACKAGE, VERSION):
            raise SystemExit(f"Expected {PACKAGE} {VERSION}, got {manifest['version']}")
        topology = json.load(archive.extractfile(f"package/{SOURCE_FILE}"))
        licence = archive.extractfile("package/LICENSE").read().decode()
    data = member_map(topology)
    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / "member-map.json"
    target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    (OUT / "member-map.LICENSE").write_text(
        f"{PACKAGE} {VERSION} ({manifest.get('license')}), {SOURCE_FILE}, from the npm registry:\n"
        f"https://www.npmjs.com/package/{PACKAGE}/v/{VERSION}\n"
        "Boundaries: Natural Earth (naturalearthdata.com), public domain.\n"
        "member-map.json is derived from it by scripts/build_member_map.py.\n\n" + licence
    )
    sys.stdout.write(f"{target}: {target.stat().st_size} bytes\n")


if __name__ == "__main__":
    main()
