"""Which stock a dispatch takes: nearest warehouse first, then first-in-first-out (pure).

Design section 4 and arts. 15 and 25(4). Candidates are available, accepted stock of the
item, not reserved, not on hold. Inside a warehouse they go in the kernel's FIFO order
(kernel/fifo.py, the rule the gateway offers pick lines by too): overdue batches that passed
a re-inspection still valid today first, then earliest inbound date, earliest production
date, walk order, and the batch id and location; overdue stock without a valid pass is never
offered. Across warehouses the nearest that has stock comes first (road distance where
configured, great-circle otherwise), and an order is split across warehouses when one cannot
fill it.

The level that asks comes before all of that (art. 17: each level uses its own reserve first,
then asks the level above): given the requesting level, the stacks its own level owns are
taken first, in the order above among themselves, and the stock of other levels only for
what they leave; with no level given, or all stock of one level, the order is the one above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kernel.fifo import Lot, fifo_key, offerable, overdue, passed
from server.domain.errors import Rejection


@dataclass(frozen=True, slots=True)
class Candidate:
    warehouse: str
    location: str
    walk_order: int
    batch_id: int
    batch_no: str
    inbound_date: date | None
    prod_date: date | None
    qty: int
    storage_years: int
    pass_valid_until: date | None = None  # a passed re-inspection counts until then (25(4))
    level: str | None = None  # the level of government that owns the batch (art. 17)

    @property
    def lot(self) -> Lot:
        return Lot(
            self.inbound_date,
            self.prod_date,
            self.storage_years,
            self.pass_valid_until,
            self.walk_order,
            (self.batch_id, self.location),
        )


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Take:
    warehouse: str
    location: str
    batch_id: int
    batch_no: str
    qty: int
    km: float | None = None  # the depot's distance to the destination
    by_road: bool = False  # the distance is the recorded road distance
    reinspected: bool = False  # overdue, with a passed re-inspection valid today: first
    inbound_date: date | None = None
    chosen: bool = False  # chosen by the person (the preview edited), not by the rule
    level: str | None = None  # the level that owns the batch taken


@dataclass(frozen=True, slots=True)
class Chosen:
    """A batch at a location the person chose for an order line (the preview as edited)."""

    warehouse: str
    location: str
    batch_no: str
    qty: int


@dataclass(frozen=True, slots=True)
class Option:
    """A stack of the item that an order line could take, and whether the rules let it."""

    candidate: Candidate
    km: float
    offerable: bool  # False: overdue without a valid re-inspection (art. 25(4))
    by_road: bool = False  # the distance is the recorded road distance


@dataclass(frozen=True, slots=True)
class Allocation:
    takes: tuple[Take, ...]
    shortfall: int  # what no warehouse could give

    @property
    def allocated(self) -> int:
        return sum(t.qty for t in self.takes)


def fifo_order(candidates: Iterable[Candidate], today: date) -> list[Candidate]:
    """The order in which one warehouse's stock is taken (kernel/fifo.py); stock that may not
    be offered (overdue without a valid pass) left out."""
    usable = [c for c in candidates if c.qty > 0 and offerable(c.lot, today)]
    return sorted(usable, key=lambda c: fifo_key(c.lot, today))


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def nearest_first(
    sites: Iterable[Site], destination: tuple[float, float], road_km: dict[str, float] | None = None
) -> list[Site]:
    """Warehouses by distance to the destination: road distance where known."""
    roads = road_km or {}
    return sorted(
        sites,
        key=lambda s: (roads.get(s.code, great_circle_km((s.lat, s.lon), destination)), s.code),
    )


def distance(site: Site, destination: tuple[float, float], roads: dict[str, float]) -> float:
    return roads.get(site.code, great_circle_km((site.lat, site.lon), destination))


def _take(option: Option, n: int, today: date, chosen: bool = False) -> Take:
    c = option.candidate
    return Take(
        c.warehouse,
        c.location,
        c.batch_id,
        c.batch_no,
        n,
        option.km,
        option.by_road,
        overdue(c.lot, today) and passed(c.lot, today),
        c.inbound_date,
        chosen,
        c.level,
    )


def why(take: Take) -> dict[str, object]:
    """Why the allocation took this stack (arts. 15, 25(4)): the depot's distance (by road
    where recorded), and the FIFO rule that put the batch first: an overdue batch with a
    valid re-inspection pass goes before all others, then the earliest inbound date."""
    reasons: dict[str, object] = {
        "rule": "chosen" if take.chosen else ("reinspected" if take.reinspected else "fifo"),
        "km": take.km,
        "by": "road" if take.by_road else "straight",
        "inbound_date": take.inbound_date.isoformat() if take.inbound_date else None,
    }
    if take.level is not None:
        reasons["level"] = take.level
    return reasons


def allocate(
    qty: int,
    destination: tuple[float, float],
    sites: Iterable[Site],
    candidates: Iterable[Candidate],
    today: date,
    road_km: dict[str, float] | None = None,
    level: str | None = None,
) -> Allocation:
    """Fill `qty` from the requesting `level`'s own stock first (when given), then from the
    nearest warehouse first, FIFO inside each; split when needed."""
    if qty <= 0:
        raise ValueError("a dispatch asks for a positive quantity")
    return fill(qty, options(destination, sites, candidates, today, road_km, None, level), today)


def fill(qty: int, offered: Iterable[Option], today: date) -> Allocation:
    """Take `qty` from the stacks in the rule's order (`options`), as far as they go."""
    takes: list[Take] = []
    left = qty
    for option in offered:
        if left == 0 or not option.offerable:
            break
        n = min(left, option.candidate.qty)
        takes.append(_take(option, n, today))
        left -= n
    return Allocation(tuple(takes), left)


def options(
    destination: tuple[float, float],
    sites: Iterable[Site],
    candidates: Iterable[Candidate],
    today: date,
    road_km: dict[str, float] | None = None,
    limit: int | None = 30,
    level: str | None = None,
) -> list[Option]:
    """The stacks of the item in the order the rule takes them (the requesting `level`'s own
    stock first when given, then nearest depot first, by road where recorded, FIFO inside
    it), then those the rule refuses (overdue without a valid re-inspection); at most
    `limit`. `allocate` takes from the front; a person editing a plan chooses from them."""
    roads = road_km or {}
    by_site: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_site.setdefault(c.warehouse, []).append(c)
    usable: list[Option] = []
    refused: list[Option] = []
    for site in nearest_first(sites, destination, roads):
        km, by_road = round(distance(site, destination, roads), 1), site.code in roads
        here = by_site.get(site.code, [])
        taken = fifo_order(here, today)
        offered = {id(c) for c in taken}
        usable += [Option(c, km, True, by_road) for c in taken]
        refused += [
            Option(c, km, False, by_road) for c in here if c.qty > 0 and id(c) not in offered
        ]
    return (own_level_first(usable, level) + refused)[:limit]


def own_level_first(offered: list[Option], level: str | None) -> list[Option]:
    """The stacks owned by the requesting `level` first (art. 17), each part in the order it
    had (a stable sort); unchanged when no level is given."""
    if level is None:
        return offered
    return sorted(offered, key=lambda o: o.candidate.level != level)


def take_chosen(
    qty: int,
    chosen: Iterable[Chosen],
    destination: tuple[float, float],
    sites: Iterable[Site],
    candidates: Iterable[Candidate],
    today: date,
    road_km: dict[str, float] | None = None,
) -> Allocation:
    """The line's plan as the person edited it, held to the rules: each chosen stack is
    available stock of the item (not more than it holds), not overdue without a valid
    re-inspection (art. 25(4)), and together they ask no more than the line; what they leave
    is the shortfall."""
    roads = road_km or {}
    site_of = {s.code: s for s in sites}
    stacks = {(c.warehouse, c.location, c.batch_no): c for c in candidates}
    wanted: dict[tuple[str, str, str], int] = {}
    for pick in chosen:
        key = (pick.warehouse, pick.location, pick.batch_no)
        wanted[key] = wanted.get(key, 0) + pick.qty
    takes: list[Take] = []
    for (warehouse, location, batch_no), n in wanted.items():
        c = stacks.get((warehouse, location, batch_no))
        if c is not None and not offerable(c.lot, today):
            raise Rejection(
                "stock_limit",
                f"batch {batch_no} is past its storage limit without a valid re-inspection",
            )
        if c is None or c.qty < n or warehouse not in site_of:
            raise Rejection(
                "insufficient_stock",
                f"batch {batch_no} at {warehouse} {location} has {c.qty if c else 0} "
                f"available, not {n}",
            )
        site = site_of[warehouse]
        km, by_road = round(distance(site, destination, roads), 1), site.code in roads
        takes.append(_take(Option(c, km, True, by_road), n, today, chosen=True))
    total = sum(t.qty for t in takes)
    if total > qty:
        raise Rejection("over_line", f"the batches chosen give {total}, the line asks {qty}")
    return Allocation(tuple(takes), qty - total)
