"""Read models: stock as people and gateways ask for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.tables import approvals, batches, events, items, locations, stock, warehouses


@dataclass(frozen=True, slots=True)
class StockFilter:
    warehouse: str | None = None
    item: str | None = None
    batch: str | None = None
    location: str | None = None
    status: str | None = None
    limit: int = 100
    offset: int = 0


def stock_lines() -> Any:
    """Stock lines (quantity > 0) with their location, item and batch, unfiltered: the
    stock API's and the acceptance screen's query."""
    return (
        select(
            stock.c.warehouse,
            locations.c.code.label("location"),
            items.c.code.label("item"),
            items.c.name_zh,
            items.c.name_en,
            items.c.unit_zh,
            items.c.unit_en,
            batches.c.batch_no.label("batch"),
            batches.c.prod_date,
            batches.c.inbound_date,
            stock.c.status,
            stock.c.qty,
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0)
    )


def stock_rows(engine: Engine, f: StockFilter) -> tuple[int, list[dict[str, Any]]]:
    """Stock lines (quantity > 0) matching the filter, oldest inbound first, and their count."""
    query = stock_lines()
    if f.warehouse:
        query = query.where(stock.c.warehouse == f.warehouse)
    if f.item:
        query = query.where(items.c.code == f.item)
    if f.batch:
        query = query.where(batches.c.batch_no == f.batch)
    if f.location:
        query = query.where(locations.c.code == f.location)
    if f.status:
        query = query.where(stock.c.status == f.status)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = (
            conn.execute(
                query.order_by(batches.c.inbound_date, batches.c.id, locations.c.walk_order)
                .limit(f.limit)
                .offset(f.offset)
            )
            .mappings()
            .all()
        )
    return int(total), [_jsonable(dict(r)) for r in rows]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("prod_date", "inbound_date"):
        if row.get(key) is not None:
            row[key] = row[key].isoformat()
    return row


def status_totals(engine: Engine, warehouse: str | None = None) -> list[dict[str, Any]]:
    """Quantity per warehouse, item and status: the dashboard's first table."""
    query = (
        select(
            stock.c.warehouse,
            warehouses.c.name_zh.label("warehouse_zh"),
            warehouses.c.name_en.label("warehouse_en"),
            items.c.code.label("item"),
            items.c.name_zh,
            items.c.name_en,
            items.c.unit_zh,
            stock.c.status,
            func.sum(stock.c.qty).label("qty"),
        )
        .join(warehouses, warehouses.c.code == stock.c.warehouse)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0)
        .group_by(
            stock.c.warehouse,
            warehouses.c.name_zh,
            warehouses.c.name_en,
            items.c.code,
            items.c.name_zh,
            items.c.name_en,
            items.c.unit_zh,
            stock.c.status,
        )
        .order_by(stock.c.warehouse, items.c.code, stock.c.status)
    )
    if warehouse:
        query = query.where(stock.c.warehouse == warehouse)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def event_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            r.status: int(r.n)
            for r in conn.execute(
                select(events.c.status, func.count().label("n")).group_by(events.c.status)
            )
        }


def recent_events(
    engine: Engine, warehouse: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    query = select(
        events.c.event_id,
        events.c.type,
        events.c.warehouse,
        events.c.source,
        events.c.occurred_at,
        events.c.status,
        events.c.reason,
    )
    if warehouse:
        query = query.where(events.c.warehouse == warehouse)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(events.c.received_at.desc()).limit(limit))
        return [dict(r) for r in rows.mappings()]


def depot_of_approval(engine: Engine, approval_id: int) -> str:
    """The depot a decision was made for (the route's rule has found that it exists)."""
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(approvals.c.warehouse).where(approvals.c.id == approval_id)
            ).scalar_one()
        )


def accepted_events(
    engine: Engine, depot: str | None, since: str | None, until: str | None, limit: int
) -> list[tuple[str, str]]:
    """Accepted floor events (type, payload), oldest first: the EPCIS export's."""
    query = (
        select(events.c.type, events.c.payload)
        .where(events.c.status == "accepted")
        .order_by(events.c.occurred_at, events.c.received_at, events.c.event_id)
        .limit(limit)
    )
    if depot:
        query = query.where(events.c.warehouse == depot)
    if since:
        query = query.where(events.c.occurred_at >= since)
    if until:
        query = query.where(events.c.occurred_at < until)
    with engine.connect() as conn:
        return [(r.type, r.payload) for r in conn.execute(query)]


def depots_and_doors(engine: Engine, depot: str | None) -> tuple[list[Any], list[Any]]:
    """The depots (one, if given) with their names, and every dock door in walk order."""
    with engine.connect() as conn:
        depots = conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en)
            .where(warehouses.c.code == depot if depot else warehouses.c.code.is_not(None))
            .order_by(warehouses.c.code)
        ).all()
        docks = conn.execute(
            select(locations.c.warehouse, locations.c.code)
            .where(locations.c.kind == "dock")
            .order_by(locations.c.warehouse, locations.c.walk_order)
        ).all()
    return list(depots), list(docks)


def is_depot(engine: Engine, code: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(select(warehouses.c.code).where(warehouses.c.code == code)).first()
    return found is not None
