"""Read models: stock as people and gateways ask for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, literal, select

from server.storage.tables import (
    approvals,
    batches,
    events,
    items,
    locations,
    stock,
    stock_summary,
    warehouses,
)


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
            batches.c.owner_level,  # the level that owns it (art. 17)
            stock.c.status,
            stock.c.qty,
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0)
    )


def waiting_for_acceptance() -> Any:
    """A stock line waiting for acceptance, with its values written into the SQL (not sent
    as parameters), so that the database may use the partial index `ix_stock_waiting`
    (migration 0027), whose condition names the same values."""
    return (stock.c.status == literal("pending_acceptance", literal_execute=True)) & (
        stock.c.qty > literal(0, literal_execute=True)
    )


# Oldest inbound first, then the walk; the stock line's key last, so that a page boundary
# falls in the same place on every read (the same batch lies at a door of two depots).
PAGE_ORDER = (
    batches.c.inbound_date,
    batches.c.id,
    locations.c.walk_order,
    stock.c.warehouse,
    stock.c.location_id,
    stock.c.status,
)


def stock_rows(engine: Engine, f: StockFilter) -> tuple[int, list[dict[str, Any]]]:
    """Stock lines (quantity > 0) matching the filter, oldest inbound first, and their count.

    A depot holds tens of thousands of lines: sorting them all for one page of fifty is what
    made the page slow. Without a batch or location filter the page is read batch-first: the
    first `offset + limit` batches holding such stock, along the index on (inbound date, id),
    hold every line of the page, since each batch holds at least one; the count comes from the
    summary the ledger writer keeps (`stock_summary`). A batch or a location picks few lines:
    they are read and counted directly."""
    held = _held(f)
    query = stock_lines().where(*held)
    if f.batch or f.location:
        counted = select(func.count()).select_from(stock).where(*held)
    else:
        query = query.where(stock.c.batch_id.in_(_first_batches(f, held)))
        counted = _summary_count(f)
    with engine.connect() as conn:
        total = conn.execute(counted).scalar_one()
        rows = (
            conn.execute(query.order_by(*PAGE_ORDER).limit(f.limit).offset(f.offset))
            .mappings()
            .all()
        )
    return int(total or 0), [_jsonable(dict(r)) for r in rows]


def _held(f: StockFilter) -> list[Any]:
    """The filter as conditions on `stock` alone (quantity > 0)."""
    held = [stock.c.qty > 0]
    if f.warehouse:
        held.append(stock.c.warehouse == f.warehouse)
    if f.status:
        held.append(stock.c.status == f.status)
    if f.item or f.batch:
        of = select(batches.c.id)
        of = of.where(batches.c.item_code == f.item) if f.item else of
        of = of.where(batches.c.batch_no == f.batch) if f.batch else of
        held.append(stock.c.batch_id.in_(of))
    if f.location:
        held.append(
            stock.c.location_id.in_(select(locations.c.id).where(locations.c.code == f.location))
        )
    return held


def _first_batches(f: StockFilter, held: list[Any]) -> Any:
    """The first `offset + limit` batches, oldest inbound first, holding stock that matches."""
    first = select(batches.c.id).where(
        select(stock.c.batch_id).where(stock.c.batch_id == batches.c.id, *held).exists()
    )
    first = first.where(batches.c.item_code == f.item) if f.item else first
    return first.order_by(batches.c.inbound_date, batches.c.id).limit(f.offset + f.limit)


def _summary_count(f: StockFilter) -> Any:
    """How many stock lines hold stock, by depot, item and status, from the kept summary."""
    count = select(func.sum(stock_summary.c.lines))
    if f.warehouse:
        count = count.where(stock_summary.c.warehouse == f.warehouse)
    if f.item:
        count = count.where(stock_summary.c.item_code == f.item)
    if f.status:
        count = count.where(stock_summary.c.status == f.status)
    return count


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


def depots_and_doors(engine: Engine, depot: str | None) -> tuple[list[Any], list[Any]]:
    """The depots (one, if given) with their names, and every dock door in walk order."""
    with engine.connect() as conn:
        depots = conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en)
            .where(warehouses.c.code == depot if depot else warehouses.c.code.is_not(None))
            .order_by(warehouses.c.code)
        ).all()
        doors = select(locations.c.warehouse, locations.c.code).where(locations.c.kind == "dock")
        doors = doors.where(locations.c.warehouse == depot) if depot else doors
        docks = conn.execute(doors.order_by(locations.c.warehouse, locations.c.walk_order)).all()
    return list(depots), list(docks)


def is_depot(engine: Engine, code: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(select(warehouses.c.code).where(warehouses.c.code == code)).first()
    return found is not None
