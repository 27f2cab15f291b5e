"""Looking up the master data that floor events and decisions name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from kernel.floor_events import FloorEvent, Loading, Picking, Receiving, StockTaking
from server.domain.floor import OrderRef, PickRef, Refs, Rejection, places_named, stacks_lowered
from server.domain.levels import held_for
from server.domain.permissions import PERMISSIONS
from server.storage.tables import (
    batches,
    dispatch_orders,
    inbound_notices,
    item_gtins,
    locations,
    pick_lines,
    users,
    warehouses,
)
from server.storage.tables import items as item_table


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def known_warehouse(conn: Connection, code: str) -> str:
    """`code` if it names a warehouse, else a refusal (unknown_warehouse, 404)."""
    found = conn.execute(select(warehouses.c.code).where(warehouses.c.code == code)).first()
    if found is None:
        raise Rejection("unknown_warehouse", f"there is no warehouse {code!r}")
    return code


def with_orders(conn: Connection, warehouse: str, refs: Refs, events: list[FloorEvent]) -> Refs:
    """`refs` with the dispatch orders that picking and loading events name, and those
    orders' pick lines at `warehouse` (read under the warehouse's head lock, so that they
    are the lines the postings are checked against)."""
    numbers = {e.order for e in events if isinstance(e, Picking | Loading)}
    if not numbers:
        return refs
    lines = conn.execute(
        select(
            dispatch_orders.c.number,
            pick_lines.c.id,
            pick_lines.c.location_id,
            pick_lines.c.batch_id,
            pick_lines.c.qty,
            pick_lines.c.loaded,
            batches.c.item_code,
        )
        .join(dispatch_orders, dispatch_orders.c.id == pick_lines.c.order_id)
        .join(batches, batches.c.id == pick_lines.c.batch_id)
        .where(dispatch_orders.c.number.in_(numbers) & (pick_lines.c.warehouse == warehouse))
    ).all()
    here = {r.number for r in lines}
    orders = {
        r.number: OrderRef(r.id, r.status, r.number in here)
        for r in conn.execute(
            select(dispatch_orders.c.number, dispatch_orders.c.id, dispatch_orders.c.status)
            .where(dispatch_orders.c.number.in_(numbers))
        )
    }  # fmt: skip
    picks = {(r.number, r.location_id, r.batch_id): PickRef(r.id, r.qty - r.loaded) for r in lines}
    ordered = frozenset((r.number, r.item_code) for r in lines)
    return replace(refs, orders=orders, picks=picks, ordered=ordered)


def location_id(conn: Connection, warehouse: str, code: str) -> int:
    found = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == warehouse) & (locations.c.code == code)
        )
    ).scalar_one_or_none()
    if found is None:
        raise Rejection("unknown_location", f"{code!r} is not a location of {warehouse}")
    return int(found)


def batch_id(conn: Connection, item_code: str, number: str) -> int:
    found = conn.execute(
        select(batches.c.id).where(
            (batches.c.item_code == item_code) & (batches.c.batch_no == number)
        )
    ).scalar_one_or_none()
    if found is None:
        raise Rejection("unknown_batch", f"batch {number} of item {item_code} is not known")
    return int(found)


def _create_batches(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Batches a receiving brings in for the first time, and their ids. Another depot (or
    another server instance) may be creating the same batch at the same moment: a batch made
    meanwhile is taken as it is (its first receiving's dates stand), never a refusal of the
    whole batch of events. Rows come sorted, so two writers wait on each other in one order."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(batches).on_conflict_do_nothing(), rows)
    keys = [(r["item_code"], r["batch_no"]) for r in rows]
    found = conn.execute(
        select(batches.c.item_code, batches.c.batch_no, batches.c.id).where(
            tuple_(batches.c.item_code, batches.c.batch_no).in_(keys)
        )
    )
    return {(r.item_code, r.batch_no): r.id for r in found}


def load_refs(conn: Connection, warehouse: str, events: Iterable[FloorEvent]) -> Refs:
    """The master data a batch of events names, in three queries (items with whether they
    are reusable, locations, batches; the dispatch orders come with `with_orders`); batches
    that a well-formed receiving event brings in for the first time are created (with its
    dates)."""
    events = list(events)
    gtins = {str(e.gtin) for e in events if e.gtin}
    items: dict[str, str] = {}
    reusable: set[str] = set()
    if gtins:
        found = conn.execute(
            select(item_gtins.c.gtin, item_gtins.c.item_code, item_table.c.reusable)
            .join(item_table, item_table.c.code == item_gtins.c.item_code)
            .where(item_gtins.c.gtin.in_(gtins))
        )
        for r in found:
            items[r.gtin] = r.item_code
            if r.reusable:
                reusable.add(r.item_code)
    codes = {c for e in events for c in places_named(e) if c is not None}
    codes |= {c for e in events for c, _ in stacks_lowered(e) if c is not None}
    places: dict[str, int] = {}
    if codes:
        found = conn.execute(
            select(locations.c.code, locations.c.id).where(
                (locations.c.warehouse == warehouse) & locations.c.code.in_(codes)
            )
        )
        places = {r.code: r.id for r in found}
    pairs = {
        (items[str(e.gtin)], number)
        for e in events
        if str(e.gtin) in items
        for number in [e.batch, *(n for _, n in stacks_lowered(e))]
    }
    known = (
        {
            (r.item_code, r.batch_no): r.id
            for r in conn.execute(
                select(batches.c.item_code, batches.c.batch_no, batches.c.id).where(
                    tuple_(batches.c.item_code, batches.c.batch_no).in_(pairs)
                )
            )
        }
        if pairs
        else {}
    )
    new: dict[tuple[str, str], dict[str, Any]] = {}
    for e in events:
        if not isinstance(e, Receiving) or e.envelope.warehouse != warehouse:
            continue
        if str(e.gtin) not in items:
            continue
        key = (items[str(e.gtin)], e.batch)
        if str(e.location) in places and key not in known and key not in new:
            new[key] = {
                "item_code": key[0],
                "batch_no": key[1],
                "prod_date": _date(e.prod_date),
                "inbound_date": _date(e.envelope.occurred_at),
                "owner_level": e.notice or "",  # the notice's level, below
            }
    if new:
        levels = owner_levels(conn, warehouse, {str(r["owner_level"]) for r in new.values()})
        for row in new.values():
            row["owner_level"] = levels.get(row["owner_level"], levels[""])
        known.update(_create_batches(conn, [new[key] for key in sorted(new)]))
    return Refs(
        items=items,
        locations=places,
        batches=known,
        reusable=frozenset(reusable),
        counters=counters_named(conn, warehouse, events),
    )


def owner_levels(conn: Connection, warehouse: str, notices: set[str]) -> dict[str, str]:
    """The level that owns a batch first received at `warehouse` (art. 17), by the notice its
    receipt counted against: the notice's owner level where it is one of this depot's, else
    (key "") the depot's own (server.domain.levels.held_for: an agency point's, the bureau's)."""
    own = conn.execute(
        select(warehouses.c.level, warehouses.c.kind).where(warehouses.c.code == warehouse)
    ).one()
    named = conn.execute(
        select(inbound_notices.c.number, inbound_notices.c.owner_level).where(
            inbound_notices.c.number.in_(notices) & (inbound_notices.c.warehouse == warehouse)
        )
    )
    return {"": held_for(own.level, own.kind), **{r.number: r.owner_level for r in named}}


def counters_named(conn: Connection, warehouse: str, events: list[FloorEvent]) -> frozenset[str]:
    """Of the people stock_taking events name as their operator, those who may count at
    `warehouse`: active, with a role that counts, bound to it or to no depot."""
    named = {
        e.envelope.operator
        for e in events
        if isinstance(e, StockTaking) and e.envelope.operator is not None
    }
    if not named:
        return frozenset()
    return frozenset(
        conn.execute(
            select(users.c.username).where(
                users.c.username.in_(named)
                & users.c.active
                & users.c.role.in_(PERMISSIONS["count"])
                & (users.c.warehouse.is_(None) | (users.c.warehouse == warehouse))
            )
        ).scalars()
    )
