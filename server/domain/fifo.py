"""Which stock a dispatch takes: nearest warehouse first, then first-in-first-out (pure).

Design section 4 and arts. 15 and 25(4). Candidates are available, accepted stock of the
item, not reserved, not on hold. Inside a warehouse they go in the kernel's FIFO order
(kernel/fifo.py, the rule the gateway offers pick lines by too): overdue batches that passed
a re-inspection still valid today first, then earliest inbound date, earliest production
date, walk order, and the batch id and location; overdue stock without a valid pass is never
offered. Across warehouses the nearest that has stock comes first (road distance where
configured, great-circle otherwise), and an order is split across warehouses when one cannot
fill it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kernel.fifo import Lot, fifo_key, offerable


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


def allocate(
    qty: int,
    destination: tuple[float, float],
    sites: Iterable[Site],
    candidates: Iterable[Candidate],
    today: date,
    road_km: dict[str, float] | None = None,
) -> Allocation:
    """Fill `qty` from the nearest warehouse first, FIFO inside each; split when needed."""
    if qty <= 0:
        raise ValueError("a dispatch asks for a positive quantity")
    by_site: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_site.setdefault(c.warehouse, []).append(c)
    takes: list[Take] = []
    left = qty
    for site in nearest_first(sites, destination, road_km):
        for c in fifo_order(by_site.get(site.code, []), today):
            if left == 0:
                break
            n = min(left, c.qty)
            takes.append(Take(c.warehouse, c.location, c.batch_id, c.batch_no, n))
            left -= n
    return Allocation(tuple(takes), left)
