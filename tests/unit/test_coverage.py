"""The coverage rule (server/domain/coverage.py): per place and key item, the depot holding
the item that reaches the place soonest, by road where a road distance is recorded, by the
great circle otherwise, and whether it does within the limit (seed 000: 2 hours)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.coverage import (
    Item,
    Place,
    Reach,
    coverage,
    default_key_items,
    key_items,
    travel,
)
from server.domain.fifo import Site

EARTH_KM = 6371.0
A = Site("A", 31.0, 104.0)
B = Site("B", 31.0, 105.0)


def north_of(site: Site, degrees: float, code: str = "P") -> Place:
    return Place(code, code, site.lat + degrees, site.lon)


def test_by_the_great_circle_at_the_straight_line_speed() -> None:
    # along a meridian the great circle is the radius times the angle
    place = north_of(A, 0.5)
    answer = coverage([place], [A], {}, {("A", "TENT"): 10}, ("TENT",), Reach())
    (cell,) = answer.places[0].cells
    km = EARTH_KM * math.radians(0.5)
    assert cell.depot == "A" and not cell.by_road
    assert cell.km == pytest.approx(km) and km == pytest.approx(55.6, abs=0.05)
    assert cell.hours == pytest.approx(km / 45) and cell.covered


def test_a_recorded_road_decides_at_the_road_speed() -> None:
    place = north_of(A, 0.5)
    roads = {("A", "P"): 150.0}  # the road goes round the mountain
    answer = coverage([place], [A], roads, {("A", "TENT"): 10}, ("TENT",), Reach())
    (cell,) = answer.places[0].cells
    assert (cell.km, cell.by_road, cell.hours) == (150.0, True, 2.5)
    assert not cell.covered and not answer.places[0].covered
    assert answer.uncovered == answer.places


def test_the_soonest_depot_not_the_nearest_by_km() -> None:
    """A's 100 km of road take 1.67 h at 60 km/h; B's 80 km of straight line 1.78 h at 45."""
    place = Place("P", "P", 31.0, 104.5)
    b = Site("B", 31.0 + 80 / EARTH_KM * 180 / math.pi, 104.5)  # 80 km due north
    held = {("A", "TENT"): 1, ("B", "TENT"): 1}
    answer = coverage([place], [A, b], {("A", "P"): 100.0}, held, ("TENT",), Reach())
    (cell,) = answer.places[0].cells
    assert cell.depot == "A" and cell.hours == pytest.approx(100 / 60)
    assert travel(b, place, {}, Reach())[0] == pytest.approx(80)


def test_only_a_depot_holding_the_item_counts() -> None:
    near, far = north_of(A, 0.1), B
    held = {("A", "TENT"): 0, ("B", "TENT"): 5, ("A", "QUILT"): 3}
    answer = coverage([near], [A, far], {}, held, ("TENT", "QUILT", "LAMP"), Reach())
    tent, quilt, lamp = answer.places[0].cells
    assert tent.depot == "B" and quilt.depot == "A"
    assert (lamp.depot, lamp.km, lamp.hours, lamp.covered) == (None, None, None, False)
    assert not answer.places[0].covered


def test_the_limit_is_inclusive_and_a_setting() -> None:
    roads = {("A", "P"): 120.0}  # 2 h at 60 km/h exactly
    place = north_of(A, 0.2)
    held = {("A", "TENT"): 1}
    assert coverage([place], [A], roads, held, ("TENT",), Reach()).places[0].covered
    short = Reach(hours=1.5)
    assert not coverage([place], [A], roads, held, ("TENT",), short).places[0].covered
    fast = Reach(road_kmh=80, hours=1.5)
    assert coverage([place], [A], roads, held, ("TENT",), fast).places[0].covered


def test_places_come_by_code_and_cells_in_the_key_items_order() -> None:
    places = [north_of(A, 0.3, "Z"), north_of(A, 0.1, "M")]
    answer = coverage(places, [A], {}, {("A", "X"): 1}, ("X", "W"), Reach())
    assert [p.place.code for p in answer.places] == ["M", "Z"]
    assert [c.item for c in answer.places[0].cells] == ["X", "W"]


def test_the_key_items_are_the_first_of_each_category_unless_named() -> None:
    catalogue = [
        Item("ZS-0002", "棉帐篷", "Padded tent", "shelter"),
        Item("ZS-0001", "单帐篷", "Tent", "shelter"),
        Item("CQ-0001", "折叠床", "Folding bed", "bedding"),
        Item("CQ-0003", "毛毯", "Blanket", "bedding"),
    ]
    assert default_key_items(catalogue) == ("CQ-0001", "ZS-0001")
    assert key_items(Reach(), catalogue) == ("CQ-0001", "ZS-0001")
    assert key_items(Reach(items=("CQ-0003",)), catalogue) == ("CQ-0003",)


@pytest.mark.parametrize(
    "settings_",
    [
        {"road_kmh": 0},
        {"line_kmh": -5},
        {"hours": 0},
        {"hours": float("nan")},
        {"road_kmh": float("inf")},
        {"hours": 100},
        {"items": ("",)},
        {"items": (" ZS-0001",)},
        {"items": ("X" * 33,)},
    ],
)
def test_settings_out_of_bounds_are_refused(settings_: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"coverage|key item"):
        Reach(**settings_)  # type: ignore[arg-type]


lat = st.floats(30.0, 33.0)
lon = st.floats(103.5, 106.0)
sites = st.lists(st.builds(Site, st.sampled_from("ABCD"), lat, lon), max_size=4,
                 unique_by=lambda s: s.code)  # fmt: skip
spots = st.lists(st.builds(Place, st.sampled_from("PQRS"), st.just("x"), lat, lon), min_size=1,
                 max_size=4, unique_by=lambda p: p.code)  # fmt: skip
ITEMS = ("I1", "I2")


@settings(max_examples=200, deadline=None)
@given(
    sites,
    spots,
    st.dictionaries(st.tuples(st.sampled_from("ABCD"), st.sampled_from("PQRS")), st.floats(1, 400)),
    st.dictionaries(st.tuples(st.sampled_from("ABCD"), st.sampled_from(ITEMS)), st.integers(0, 5)),
    st.floats(0.25, 6),
)
def test_each_cell_is_the_soonest_holder_and_more_never_covers_less(
    depots: list[Site],
    places: list[Place],
    roads: dict[tuple[str, str], float],
    held: dict[tuple[str, str], int],
    hours: float,
) -> None:
    reach = Reach(hours=hours)
    answer = coverage(places, depots, roads, held, ITEMS, reach)
    for p in answer.places:
        for cell in p.cells:
            holders = [s for s in depots if held.get((s.code, cell.item), 0) > 0]
            assert (cell.depot is None) == (not holders)
            if cell.hours is not None:
                assert cell.hours == min(travel(s, p.place, roads, reach)[1] for s in holders)
                assert cell.covered == (cell.hours <= hours)
    # a longer limit, or more stock, never uncovers a place
    longer = coverage(places, depots, roads, held, ITEMS, Reach(hours=min(72, hours * 2)))
    stocked = {(s.code, i): 1 for s in depots for i in ITEMS}
    fuller = coverage(places, depots, roads, {**held, **stocked}, ITEMS, reach)
    for before, after, more in zip(answer.places, longer.places, fuller.places, strict=True):
        for c, c2, c3 in zip(before.cells, after.cells, more.cells, strict=True):
            assert c2.covered >= c.covered and c3.covered >= c.covered


def settings_of(*argv: str, env: dict[str, str] | None = None) -> Reach:
    """The coverage settings `depot server run` starts with, from its arguments and env."""
    import os
    from unittest import mock

    from kernel.cli import build_parser
    from server.cli import coverage_reach

    with mock.patch.dict(os.environ, env or {}, clear=False):
        args = build_parser(["server", "run"]).parse_args(["server", "run", *argv])
    return coverage_reach(args)


def test_the_server_takes_its_settings_from_options_and_environment() -> None:
    assert settings_of() == Reach(60, 45, 2, ())
    assert settings_of("--coverage-hours", "1.5", "--coverage-items", "ZS-0001, CQ-0001,") == (
        Reach(60, 45, 1.5, ("ZS-0001", "CQ-0001"))
    )
    env = {"DEPOT_COVERAGE_ROAD_KMH": "50", "DEPOT_COVERAGE_LINE_KMH": "40"}
    assert settings_of(env=env) == Reach(50, 40, 2, ())


def test_a_bad_setting_stops_the_server_saying_which() -> None:
    from kernel.cli import CommandError

    with pytest.raises(CommandError, match="road speed"):
        settings_of("--coverage-road-kmh", "0")
    with pytest.raises(CommandError, match="time limit"):
        settings_of(env={"DEPOT_COVERAGE_HOURS": "nan"})
