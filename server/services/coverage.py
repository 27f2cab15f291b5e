"""The coverage view's inputs read from the ledger and the master data, and the rule's answer
(server.domain.coverage): the places, the depots with coordinates (one depot's only, for a
depot's people), the recorded road distances, and what each depot holds of each key item
that could go out now: available stock that FIFO would offer (server.domain.fifo: overdue
stock counts only with a re-inspection still valid), read as the allocation reads it
(server.services.allocation.candidates)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from server.domain import depot_time
from server.domain.coverage import Coverage, Item, Place, Reach, coverage, key_items
from server.domain.fifo import Site, fifo_order
from server.services.allocation import candidates, sites_of
from server.storage.tables import items, places, road_distances


@dataclass(frozen=True, slots=True)
class CoverageView:
    coverage: Coverage
    depots: tuple[Site, ...]  # those the view counts, with coordinates
    names: dict[str, Item]  # the key items' catalogue entries (a code not in it: absent)
    held: dict[tuple[str, str], int]  # (depot, item): quantity that could go out now


def coverage_of(engine: Engine, depot: str | None, reach: Reach, now: datetime) -> CoverageView:
    """Which places the depots (or `depot` alone) reach with each key item in time."""
    today = depot_time.today(now)
    with engine.connect() as conn:
        catalogue = [
            Item(r.code, r.name_zh, r.name_en, r.category)
            for r in conn.execute(
                select(items.c.code, items.c.name_zh, items.c.name_en, items.c.category)
            )
        ]
        keys = key_items(reach, catalogue)
        found = [
            Place(r.code, r.name, r.lat, r.lon)
            for r in conn.execute(select(places.c.code, places.c.name, places.c.lat, places.c.lon))
        ]
        roads = {
            (r.warehouse, r.place): float(r.km)
            for r in conn.execute(
                select(road_distances.c.warehouse, road_distances.c.place, road_distances.c.km)
            )
        }
        sites = sites_of(conn, depot)
        held: Counter[tuple[str, str]] = Counter()
        for item in keys:
            _, stacks = candidates(conn, item, depot)
            for site in sites:
                here = [c for c in stacks if c.warehouse == site.code]
                held[(site.code, item)] += sum(c.qty for c in fifo_order(here, today))
    answer = coverage(found, sites, roads, held, keys, reach)
    names = {i.code: i for i in catalogue if i.code in keys}
    return CoverageView(answer, tuple(sorted(sites, key=lambda s: s.code)), names, dict(held))


def as_json(view: CoverageView) -> dict[str, object]:
    """The view as the API answers it: settings, key items, depots, and per place its cells."""
    reach = view.coverage.reach
    return {
        "road_kmh": reach.road_kmh,
        "line_kmh": reach.line_kmh,
        "limit_hours": reach.hours,
        "items": [
            {
                "code": code,
                "name_zh": view.names[code].name_zh if code in view.names else None,
                "name_en": view.names[code].name_en if code in view.names else None,
            }
            for code in view.coverage.items
        ],
        "depots": [{"code": s.code, "lat": s.lat, "lon": s.lon} for s in view.depots],
        "places": [
            {
                "code": p.place.code,
                "name": p.place.name,
                "lat": p.place.lat,
                "lon": p.place.lon,
                "covered": p.covered,
                "items": [
                    {
                        "item": c.item,
                        "depot": c.depot,
                        "km": None if c.km is None else round(c.km, 1),
                        "hours": None if c.hours is None else round(c.hours, 2),
                        "by_road": c.by_road,
                        "covered": c.covered,
                    }
                    for c in p.cells
                ],
            }
            for p in view.coverage.places
        ],
    }
