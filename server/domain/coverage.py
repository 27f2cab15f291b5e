"""Which places dispatch reaches in time (pure): the plans' 2-hour coverage of the city
(应急物资调运2小时市内全覆盖, seed 000).

For each place and each key item, the depot holding the item (stock that could go out now)
that reaches the place soonest: by the recorded road distance at the road speed where one is
recorded for the pair, else by the great-circle distance (server.domain.fifo's, the one the
allocation uses) at the straight-line speed, a slower figure since roads wind. A place is
covered for an item when that depot reaches it within the limit; a place is covered when it is
for every key item. No depot holding an item: uncovered, with nobody named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from server.domain.fifo import Site, great_circle_km

ROAD_KMH = 60.0  # a loaded lorry on the prefecture's national and provincial roads
LINE_KMH = 45.0  # over the straight line: roads in hill country run about 1.3 times longer
LIMIT_HOURS = 2.0  # the plans: 2 hours to anywhere in the city
MAX_KMH = 200.0
MAX_HOURS = 72.0


@dataclass(frozen=True, slots=True)
class Reach:
    """The settings of the rule: speeds, the limit, and the key items (empty: the first
    item of each category, `default_key_items`)."""

    road_kmh: float = ROAD_KMH
    line_kmh: float = LINE_KMH
    hours: float = LIMIT_HOURS
    items: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, value, top in (
            ("road speed", self.road_kmh, MAX_KMH),
            ("straight-line speed", self.line_kmh, MAX_KMH),
            ("time limit", self.hours, MAX_HOURS),
        ):
            if not 0 < value <= top:
                raise ValueError(f"the coverage {name} must be above 0 and at most {top:g}")
        for code in self.items:
            if not code or len(code) > 32 or not code.isprintable() or code.strip() != code:
                raise ValueError(f"a key item is an item code of 1-32 characters: {code!r}")


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name_zh: str
    name_en: str
    category: str


@dataclass(frozen=True, slots=True)
class Cell:
    """One place and one key item: the depot that reaches it soonest, if any holds it."""

    place: str
    item: str
    depot: str | None
    km: float | None
    hours: float | None
    by_road: bool
    covered: bool


@dataclass(frozen=True, slots=True)
class PlaceCover:
    place: Place
    cells: tuple[Cell, ...]  # in the order of the key items

    @property
    def covered(self) -> bool:
        return all(c.covered for c in self.cells)


@dataclass(frozen=True, slots=True)
class Coverage:
    reach: Reach
    items: tuple[str, ...]  # the key items, in the order of the cells
    places: tuple[PlaceCover, ...]  # by code

    @property
    def uncovered(self) -> tuple[PlaceCover, ...]:
        return tuple(p for p in self.places if not p.covered)


def default_key_items(catalogue: Iterable[Item]) -> tuple[str, ...]:
    """The goods every reserve holds: the first item (lowest code) of each category, in
    the order of the categories' first codes."""
    first: dict[str, str] = {}
    for item in catalogue:
        if item.category not in first or item.code < first[item.category]:
            first[item.category] = item.code
    return tuple(sorted(first.values()))


def key_items(reach: Reach, catalogue: Iterable[Item]) -> tuple[str, ...]:
    return reach.items or default_key_items(catalogue)


def travel(
    depot: Site, place: Place, roads: Mapping[tuple[str, str], float], reach: Reach
) -> tuple[float, float, bool]:
    """(km, hours, by road) from a depot to a place."""
    road = roads.get((depot.code, place.code))
    if road is not None:
        return road, road / reach.road_kmh, True
    km = great_circle_km((depot.lat, depot.lon), (place.lat, place.lon))
    return km, km / reach.line_kmh, False


def coverage(
    places: Iterable[Place],
    depots: Iterable[Site],
    roads: Mapping[tuple[str, str], float],
    held: Mapping[tuple[str, str], int],
    items: tuple[str, ...],
    reach: Reach,
) -> Coverage:
    """Per place and key item, the depot holding the item (`held[(depot, item)] > 0`) that
    reaches the place soonest (ties: the shorter way, then the code), and whether it does
    within `reach.hours`. `roads` maps (depot, place) to recorded road km."""
    sites = sorted(depots, key=lambda s: s.code)
    result = []
    for place in sorted(places, key=lambda p: p.code):
        ways = {s.code: travel(s, place, roads, reach) for s in sites}
        cells = []
        for item in items:
            holding = [s.code for s in sites if held.get((s.code, item), 0) > 0]
            if not holding:
                cells.append(Cell(place.code, item, None, None, None, False, False))
                continue
            best = min(holding, key=lambda code: (ways[code][1], ways[code][0], code))
            km, hours, by_road = ways[best]
            cells.append(Cell(place.code, item, best, km, hours, by_road, hours <= reach.hours))
        result.append(PlaceCover(place, tuple(cells)))
    return Coverage(reach, items, tuple(result))
