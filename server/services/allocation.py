"""Where an order line's goods come from (art. 15, 25(4)): the depots and their available
stock, the road distances to a known place, and the plan the pure rule makes of them
(server.domain.fifo). The allocation preview and the order's reservation both plan through
`plan_line`, with the same inputs (the depots' today from the caller's clock, the roads to the
order's place, one depot's stock for a depot's people), so what the preview shows is what the
order takes while the stock stands still. The level that asks (art. 17) takes its own level's
stock first: each stack comes with the level that owns its batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from server.domain import depot_time
from server.domain.errors import Rejection
from server.domain.fifo import (
    Allocation,
    Candidate,
    Chosen,
    Option,
    Site,
    allocate,
    fill,
    options,
    take_chosen,
)
from server.domain.levels import BUREAU_LEVEL, LEVELS, check_level, held_for
from server.storage.tables import (
    batches,
    items,
    locations,
    places,
    road_distances,
    stock,
    warehouses,
)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an order's goods go, and whose stock it may take (a depot's own order: that
    depot's only), and the level that asks (its own stock first; None: no level first)."""

    lat: float
    lon: float
    depot: str | None = None
    place: str | None = None  # a known place: road distances to it count
    level: str | None = None  # the requesting level (art. 17)


def destination(
    conn: Connection,
    lat: float | None,
    lon: float | None,
    place: str | None,
    depot: str | None,
    level: str | None = None,
) -> Destination:
    """The destination a request names: a known place (its coordinates and road distances),
    or coordinates; and the level that asks (`requesting_level`)."""
    if place is not None:
        _, lat, lon = place_of(conn, place)
    if lat is None or lon is None:
        raise Rejection("no_destination", "give the destination's lat and lon, or a place")
    return Destination(lat, lon, depot, place, requesting_level(conn, level, depot))


def requesting_level(conn: Connection, level: str | None, depot: str | None) -> str:
    """The level an order asks for (art. 17): for a depot's own order the level whose reserve
    it holds (server.domain.levels.held_for; another is refused, bad_level: a depot does not
    spend a reserve it keeps for another level), else the one it names (one of the levels,
    else bad_level), else the bureau's (city)."""
    if level is not None:
        check_level(level, "requesting_level")
    if depot is not None:
        found = conn.execute(
            select(warehouses.c.level, warehouses.c.kind).where(warehouses.c.code == depot)
        ).first()
        if found is not None and found.level in LEVELS:
            own = held_for(found.level, found.kind)
            if level is not None and level != own:
                raise Rejection(
                    "bad_level", f"a depot's own order asks for its own level, {own}, not {level}"
                )
            return own
    return level or BUREAU_LEVEL


def place_of(conn: Connection, code: str) -> tuple[str, float, float]:
    row = conn.execute(select(places).where(places.c.code == code)).first()
    if row is None:
        raise Rejection("unknown_place", f"place {code} is not known")
    return row.name, row.lat, row.lon


def roads_to(conn: Connection, place: str | None) -> dict[str, float]:
    """Road distances (km) from each depot to a known place, where recorded."""
    if place is None:
        return {}
    rows = conn.execute(
        select(road_distances.c.warehouse, road_distances.c.km).where(
            road_distances.c.place == place
        )
    )
    return {r.warehouse: float(r.km) for r in rows}


def sites_of(conn: Connection, depot: str | None = None) -> list[Site]:
    """The depots with coordinates (`depot` alone, when given)."""
    depots = select(warehouses.c.code, warehouses.c.lat, warehouses.c.lon).where(
        warehouses.c.lat.is_not(None) & warehouses.c.lon.is_not(None)
    )
    if depot is not None:
        depots = depots.where(warehouses.c.code == depot)
    return [Site(r.code, r.lat, r.lon) for r in conn.execute(depots)]


def candidates(
    conn: Connection, item: str, depot: str | None = None, lock: bool = False
) -> tuple[list[Site], list[Candidate]]:
    """The depots with coordinates, and the item's available stock in them (locked for
    update when the caller is about to reserve it); one depot's only, when `depot` is given.
    Each with its batch's dates, storage years and re-inspection pass: FIFO decides on them."""
    sites = sites_of(conn, depot)
    query = (
        select(
            stock.c.warehouse,
            locations.c.code,
            locations.c.walk_order,
            batches.c.id,
            batches.c.batch_no,
            batches.c.inbound_date,
            batches.c.prod_date,
            stock.c.qty,
            items.c.storage_years,
            batches.c.reinspection_valid_until,
            batches.c.owner_level,
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where((stock.c.status == "available") & (stock.c.qty > 0) & (batches.c.item_code == item))
    )
    if depot is not None:
        # read along the item's batches (ix_batches_item_inbound_date), then keep the depot's:
        # on the stock's (warehouse, ...) key SQLite would walk the depot's whole stock (350 ms
        # at 50,000 batches, against 90 ms by the item); a function keeps the key out of it
        query = query.where(func.coalesce(stock.c.warehouse, "") == depot)
    rows = conn.execute(query.with_for_update(of=stock) if lock else query)
    found = [
        Candidate(
            r.warehouse,
            r.code,
            r.walk_order,
            r.id,
            r.batch_no,
            r.inbound_date,
            r.prod_date,
            r.qty,
            r.storage_years,
            r.reinspection_valid_until,
            r.owner_level,
        )
        for r in rows
    ]
    return sites, found


def plan_line(
    conn: Connection, item: str, qty: int, where: Destination, now: datetime
) -> Allocation:
    """The plan for `qty` of `item` to `where`: the requesting level's own stock first, then
    nearest depot first (by road to a known place where recorded), FIFO inside it, overdue
    stock only after a passed re-inspection; what nothing can give is the shortfall. `now` is
    the caller's clock, read once per request."""
    today = depot_time.today(now)
    sites, found = candidates(conn, item, where.depot)
    roads = roads_to(conn, where.place)
    return allocate(qty, (where.lat, where.lon), sites, found, today, roads, where.level)


def plan_chosen(
    conn: Connection,
    item: str,
    qty: int,
    chosen: tuple[Chosen, ...],
    where: Destination,
    now: datetime,
) -> Allocation:
    """The line's plan as the person edited the preview, held to the same rules
    (server.domain.fifo.take_chosen) against the same stock `plan_line` plans from."""
    today = depot_time.today(now)
    sites, found = candidates(conn, item, where.depot)
    roads = roads_to(conn, where.place)
    return take_chosen(qty, chosen, (where.lat, where.lon), sites, found, today, roads)


def check_items(conn: Connection, codes: list[str]) -> None:
    """Every item code is in the catalogue, or unknown_item naming those that are not."""
    known = set(conn.execute(select(items.c.code).where(items.c.code.in_(codes))).scalars())
    if missing := [code for code in codes if code not in known]:
        raise Rejection("unknown_item", f"no such items: {', '.join(missing)}")


def preview(
    engine: Engine,
    item: str,
    qty: int,
    lat: float | None,
    lon: float | None,
    place: str | None,
    depot: str | None,
    now: datetime,
    level: str | None = None,
) -> Allocation:
    """Where an order's line would take its goods from, as the order would plan it now,
    reserving nothing."""
    with engine.connect() as conn:
        check_items(conn, [item])
        return plan_line(conn, item, qty, destination(conn, lat, lon, place, depot, level), now)


def preview_with_options(
    engine: Engine,
    item: str,
    qty: int,
    where: Destination,
    now: datetime,
    limit: int = 30,
) -> tuple[Allocation, list[Option]]:
    """The plan for a line, and the stacks a person may choose from instead (those the rule
    refuses marked), as the order would see them now, reserving nothing."""
    with engine.connect() as conn:
        check_items(conn, [item])
        today = depot_time.today(now)
        sites, found = candidates(conn, item, where.depot)
        roads = roads_to(conn, where.place)
    offered = options((where.lat, where.lon), sites, found, today, roads, None, where.level)
    return fill(qty, offered, today), offered[:limit]
