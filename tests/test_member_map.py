"""The member-state map on /statistics/: shapes built from Natural Earth for the nine members,
shade classes computed from the figures (ties, gaps, a single value), and the page showing the
map, its legend, its table and a caveat worked out from the data."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from d8coop.members.models import MemberState
from d8coop.statistics import maps, selectors
from d8coop.statistics.models import PublishedAggregate, SmeDefinition

D8 = {"AZ", "BD", "EG", "ID", "IR", "MY", "NG", "PK", "TR"}


def _points(path: str) -> list[tuple[int, int]]:
    """The absolute points of a path written as the build script writes it (M x y l dx dy …z)."""
    points = []
    for x, y, steps in re.findall(r"M(-?\d+) (-?\d+)l([^Mz]*)z", path):
        x, y = int(x), int(y)
        points.append((x, y))
        deltas = [int(n) for n in re.findall(r"-?\d+", steps)]
        for dx, dy in zip(deltas[::2], deltas[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
    return points


def _centre(path: str) -> tuple[float, float]:
    points = _points(path)
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


# -- The shapes ---------------------------------------------------------------------------------


def test_the_map_file_has_a_shape_for_each_of_the_nine_members_inside_its_frame():
    data = json.loads(maps.GEOMETRY.read_text(encoding="utf-8"))
    assert set(data["members"]) == D8
    _x, _y, width, height = (int(n) for n in data["viewBox"].split())
    for code, path in data["members"].items():
        points = _points(path)
        assert len(points) >= 10, code
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points), code
    # West to east: Nigeria, Egypt, Türkiye, Iran, Pakistan, Bangladesh, Malaysia/Indonesia;
    # Türkiye and Azerbaijan to the north, Indonesia to the south.
    x = {code: _centre(path)[0] for code, path in data["members"].items()}
    y = {code: _centre(path)[1] for code, path in data["members"].items()}
    assert x["NG"] < x["EG"] < x["TR"] < x["IR"] < x["PK"] < x["BD"] < x["MY"] < x["ID"]
    assert x["TR"] < x["AZ"] < x["PK"]
    assert min(y, key=y.get) in {"TR", "AZ"} and max(y, key=y.get) == "ID"
    assert data["context"].startswith("M")


def test_the_map_file_is_small_and_says_where_it_comes_from():
    assert maps.GEOMETRY.stat().st_size < 150_000
    source = json.loads(maps.GEOMETRY.read_text(encoding="utf-8"))["source"]
    assert (source["package"], source["version"]) == ("world-atlas", "2.0.2")
    assert source["licence"].startswith("ISC")
    licence = maps.GEOMETRY.with_suffix(".LICENSE").read_text(encoding="utf-8")
    assert "world-atlas 2.0.2 (ISC)" in licence
    assert "Copyright 2013-2019 Michael Bostock" in licence
    assert "Natural Earth" in licence


# -- The shade classes --------------------------------------------------------------------------

COUNTS = {
    "TR": Decimal("3928385"),
    "MY": Decimal("1101725"),
    "ID": Decimal("64200000"),
    "NG": Decimal("39654385"),
    "EG": Decimal("3653000"),
    "PK": Decimal("7142941"),
    "BD": Decimal("7800000"),
    "AZ": None,
    "IR": None,
}
NAMES = {code: code.lower() for code in sorted(D8)}


def test_seven_counts_fall_in_five_quantile_classes_from_light_to_dark():
    shaded = maps.shaded_map(COUNTS, names=NAMES, label="count")
    bounds = [(c.lower, c.upper) for c in shaded.classes]
    assert bounds == [
        (Decimal("1101725"), Decimal("3653000")),
        (Decimal("3928385"), Decimal("3928385")),
        (Decimal("7142941"), Decimal("7800000")),
        (Decimal("39654385"), Decimal("39654385")),
        (Decimal("64200000"), Decimal("64200000")),
    ]
    assert [c.colour for c in shaded.classes] == list(maps.PALETTE)
    colour = {area.code: area.shade.colour if area.shade else None for area in shaded.areas}
    assert colour == {
        "MY": "#cfe2ff", "EG": "#cfe2ff", "TR": "#6ea8fe", "PK": "#0d6efd", "BD": "#0d6efd",
        "NG": "#084298", "ID": "#031633", "AZ": None, "IR": None,
    }  # fmt: skip
    assert shaded.has_no_data
    assert [area.code for area in shaded.areas] == sorted(D8)  # in the order of the names


def test_equal_values_share_a_class_and_no_class_is_empty():
    values = [Decimal(n) for n in (5, 5, 5, 5, 9, 9, 12)]
    assert maps.quantile_classes(values) == [
        (Decimal(5), Decimal(5)),
        (Decimal(9), Decimal(9)),
        (Decimal(12), Decimal(12)),
    ]
    # Three classes take the lightest, the middle and the darkest colour.
    assert [c.colour for c in maps.coloured(maps.quantile_classes(values))] == [
        maps.PALETTE[0],
        maps.PALETTE[2],
        maps.PALETTE[4],
    ]


def test_a_single_value_makes_one_class_in_the_middle_colour():
    shaded = maps.shaded_map(
        {"TR": Decimal("68.5"), "MY": None}, names={"TR": "Türkiye", "MY": "Malaysia"}, label="x"
    )
    assert shaded.classes == [maps.ShadeClass(Decimal("68.5"), Decimal("68.5"), maps.PALETTE[2])]
    assert shaded.classes[0].single
    turkey, malaysia = shaded.areas
    assert turkey.shade == shaded.classes[0] and turkey.value == Decimal("68.5")
    assert malaysia.shade is None and malaysia.value is None


def test_no_value_at_all_makes_no_class_and_every_country_no_data():
    shaded = maps.shaded_map(dict.fromkeys(D8), names=NAMES, label="x")
    assert shaded.classes == []
    assert all(area.shade is None for area in shaded.areas)


def test_equal_intervals_split_the_range_and_a_value_on_a_bound_goes_up():
    values = {"TR": Decimal(0), "MY": Decimal(20), "ID": Decimal(35), "EG": Decimal(100)}
    shaded = maps.shaded_map(values, names=NAMES, label="x", method="equal_interval")
    assert [(c.lower, c.upper) for c in shaded.classes] == [
        (Decimal(0), Decimal(20)),
        (Decimal(20), Decimal(40)),
        (Decimal(40), Decimal(60)),
        (Decimal(60), Decimal(80)),
        (Decimal(80), Decimal(100)),
    ]
    index = {a.code: shaded.classes.index(a.shade) for a in shaded.areas if a.shade}
    assert index == {"TR": 0, "MY": 1, "ID": 1, "EG": 4}
    assert maps.equal_interval_classes([Decimal(7), Decimal(7)]) == [(Decimal(7), Decimal(7))]


# -- The page -----------------------------------------------------------------------------------


def _svg(page: str) -> str:
    return re.search(r"<svg class=\"d-block w-100 h-auto\".*?</svg>", page, re.S).group(0)


def _titles(svg: str) -> dict[str, str]:
    return dict(re.findall(r'data-code="([A-Z]{2})"[^>]*><title>([^<]*)</title>', svg))


def _caveat(page: str) -> str:
    return re.search(r'<div class="alert alert-warning" role="note".*?</div>', page, re.S).group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_everyone_sees_the_map_with_a_title_per_member_state(
    client, signed_in, request, who, reference_data, django_assert_max_num_queries
):
    if who != "anonymous":
        signed_in(request.getfixturevalue(who))
    with django_assert_max_num_queries(10):
        response = client.get("/statistics/")
    assert response.status_code == 200
    svg = _svg(response.content.decode())
    assert 'role="img"' in svg and 'aria-labelledby="member-map-svg-title"' in svg
    assert _titles(svg) == {
        "AZ": "Azerbaijan: no published figure",
        "BD": "Bangladesh: 7,800,000",
        "EG": "Egypt: 3,653,000",
        "ID": "Indonesia: 64,200,000",
        "IR": "Iran: no published figure",
        "MY": "Malaysia: 1,101,725",
        "NG": "Nigeria: 39,654,385",
        "PK": "Pakistan: 7,142,941",
        "TR": "Türkiye: 3,928,385",
    }
    fills = dict(re.findall(r'data-code="([A-Z]{2})" d="[^"]*" fill="([^"]*)"', svg))
    assert fills["IR"] == fills["AZ"] == "url(#member-map-svg-no-data)"
    assert fills["ID"] == maps.PALETTE[-1] and fills["MY"] == maps.PALETTE[0]


@pytest.mark.django_db
def test_a_country_with_no_figure_shows_no_data_in_the_legend_and_the_table(client, reference_data):
    page = client.get("/statistics/").content.decode()
    legend = re.search(r'<ul class="[^"]*map-legend">.*?</ul>', page, re.S).group(0)
    assert legend.count("legend-swatch") == 6  # five classes and "no data"
    assert "No data" in legend
    assert "1,101,725 to 3,653,000" in legend and "64,200,000" in legend
    table = re.search(r'<table class="table table-sm mb-0">.*?</table>', page, re.S).group(0)
    iran = re.search(r'<tr id="member-map-svg-ir">.*?</tr>', table, re.S).group(0)
    assert "No data" in iran
    pakistan = re.search(r'<tr id="member-map-svg-pk">.*?</tr>', table, re.S).group(0)
    assert "7,142,941" in pakistan and "All sizes, establishments" in pakistan
    assert "Pakistan Bureau of Statistics (PBS)" in pakistan and "2023" in pakistan


@pytest.mark.django_db
def test_the_caveat_names_the_definitions_not_verified_and_the_different_units(
    client, reference_data
):
    caveat = _caveat(client.get("/statistics/").content.decode())
    uncertain = re.search(r'<li class="caveat-uncertain">(.*?)</li>', caveat, re.S).group(1)
    assert "Bangladesh (Unverified)" in uncertain
    assert "Iran (Not found)" in uncertain
    assert "Türkiye (Partially verified)" in uncertain
    for verified in ("Azerbaijan", "Egypt", "Indonesia", "Malaysia", "Nigeria", "Pakistan"):
        assert verified not in uncertain
    units = re.search(r'<li class="caveat-units">(.*?)</li>', caveat, re.S).group(1)
    assert "All sizes, establishments: Pakistan" in units
    assert "All sizes, economic units: Bangladesh" in units
    assert "MSMEs, enterprises: Egypt, Indonesia, Malaysia, Nigeria, Türkiye" in units
    assert "from 2013 to 2024" in caveat


@pytest.mark.django_db
def test_the_caveat_follows_the_data_when_a_definition_is_verified(client, reference_data):
    # Given Türkiye's definition in force is confirmed
    today_turkey = selectors.definition_for("TR", date.today())
    today_turkey.certainty = SmeDefinition.Certainty.VERIFIED
    today_turkey.save()
    # When the page is read, Türkiye is no longer named; the others still are
    uncertain = re.search(
        r'<li class="caveat-uncertain">(.*?)</li>',
        _caveat(client.get("/statistics/").content.decode()),
        re.S,
    ).group(1)
    assert "Türkiye" not in uncertain
    assert "Bangladesh (Unverified)" in uncertain and "Iran (Not found)" in uncertain


@pytest.mark.django_db
def test_the_map_shades_by_the_share_of_employment_where_it_is_published(client, reference_data):
    response = client.get("/statistics/", {"indicator": "share_of_employment"})
    assert response.status_code == 200
    page = response.content.decode()
    titles = _titles(_svg(page))
    assert titles["TR"] == "Türkiye: 68.5"
    assert {code for code, title in titles.items() if title.endswith("no published figure")} == (
        D8 - {"TR"}
    )
    assert '<option value="share_of_employment" selected>' in page
    # One figure, one unit: the caveat keeps the definitions but lists no units or years
    caveat = _caveat(page)
    assert "caveat-uncertain" in caveat
    assert "caveat-units" not in caveat and "caveat-years" not in caveat
    # The bars and the full table still show the counts
    assert "64,200,000" in page


@pytest.mark.django_db
def test_an_unknown_indicator_is_refused_with_the_counts_map_and_a_message(client, reference_data):
    response = client.get("/statistics/", {"indicator": "gdp<script>"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The map cannot be shaded by that indicator" in page
    assert "gdp<script>" not in page
    assert _titles(_svg(page))["ID"] == "Indonesia: 64,200,000"


@pytest.mark.django_db
def test_a_member_state_without_a_figure_or_a_definition_is_no_data_and_named(
    client, reference_data
):
    # Given Malaysia's figures and definitions are withdrawn
    PublishedAggregate.objects.filter(country__code="MY").delete()
    SmeDefinition.objects.filter(country__code="MY").delete()
    page = client.get("/statistics/").content.decode()
    assert _titles(_svg(page))["MY"] == "Malaysia: no published figure"
    assert "Malaysia (no definition recorded)" in _caveat(page)
    assert MemberState.objects.count() == 9
