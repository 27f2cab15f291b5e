"""Read models of the stocktakes page and the approvals inbox (server.dash.stocktakes): the
rounds, their progress by zone, the variances to work through, who counted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from server.storage import stocktake_progress
from server.storage.queries import waiting_for_acceptance
from server.storage.tables import (
    batches,
    items,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktake_skips,
    stocktakes,
    warehouses,
)


def rounds(
    engine: Engine, warehouse: str | None, limit: int | None = 30, status: str | None = None
) -> list[dict[str, Any]]:
    """Stocktakes, newest first, with their figures kept by zone (server.storage.
    stocktake_progress) summed: the lines to count, counted, variances, recounts and variances
    without a reason."""
    query = select(stocktakes).order_by(stocktakes.c.id.desc()).limit(limit)
    if warehouse:
        query = query.where(stocktakes.c.warehouse == warehouse)
    if status:
        query = query.where(stocktakes.c.status == status)
    with engine.connect() as conn:
        takes = [dict(r) for r in conn.execute(query).mappings()]
        figures = stocktake_progress.totals(conn, [t["id"] for t in takes])
    none = dict.fromkeys(stocktake_progress.FIGURES, 0)
    return [take | figures.get(take["id"], none) for take in takes]


def one(engine: Engine, stocktake_id: int) -> dict[str, Any] | None:
    """A round with its figures in total and by zone, and the number of lines marked not
    counted."""
    with engine.connect() as conn:
        row = conn.execute(select(stocktakes).where(stocktakes.c.id == stocktake_id)).first()
        if row is None:
            return None
        take = dict(row._mapping)
        take["zones"] = stocktake_progress.zones(conn, stocktake_id)
        take["marked"] = conn.execute(
            select(func.count()).where(stocktake_skips.c.stocktake_id == stocktake_id)
        ).scalar_one()
    none = dict.fromkeys(stocktake_progress.FIGURES, 0)
    sums = {k: sum(z[k] for z in take["zones"]) for k in none}
    return take | sums


def variances(engine: Engine, stocktake_id: int, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(
            stocktake_lines,
            locations.c.code.label("location"),
            locations.c.zone,
            items.c.name_zh,
            items.c.name_en,
            batches.c.item_code,
            batches.c.batch_no,
        )
        .join(locations, locations.c.id == stocktake_lines.c.location_id)
        .join(batches, batches.c.id == stocktake_lines.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(
            (stocktake_lines.c.stocktake_id == stocktake_id)
            & (stocktake_lines.c.state.in_(("variance", "recount", "not_counted")))
        )
        .order_by(locations.c.walk_order)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def counters(engine: Engine, stocktake_id: int) -> list[str]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                select(stocktake_counts.c.counted_by.distinct()).where(
                    stocktake_counts.c.stocktake_id == stocktake_id
                )
            ).scalars()
        )


def pending_acceptance(engine: Engine, depot: str | None) -> list[dict[str, Any]]:
    """Per depot (one depot's only, when given): the batches and quantity waiting for an
    acceptance decision."""
    query = (
        select(stock.c.warehouse, func.count(stock.c.batch_id.distinct()), func.sum(stock.c.qty))
        .where(waiting_for_acceptance())
        .group_by(stock.c.warehouse)
    )
    if depot:
        query = query.where(stock.c.warehouse == depot)
    with engine.connect() as conn:
        return [
            {"warehouse": w, "batches": int(n), "qty": int(q)} for w, n, q in conn.execute(query)
        ]


def with_lines(
    engine: Engine, stocktake_id: int, problems_only: bool
) -> tuple[Any, list[dict[str, Any]]]:
    """A stocktake and its lines in walk order (only those that need attention, if asked: not
    ok, or whose bin card disagrees), each not counted with its mark's note."""
    query = (
        select(
            stocktake_lines,
            locations.c.code.label("location"),
            batches.c.item_code.label("item"),
            batches.c.batch_no.label("batch"),
            stocktake_skips.c.note,  # why a line was not counted, beside its reason
        )
        .join(locations, locations.c.id == stocktake_lines.c.location_id)
        .join(batches, batches.c.id == stocktake_lines.c.batch_id)
        .outerjoin(
            stocktake_skips,
            (stocktake_skips.c.stocktake_id == stocktake_lines.c.stocktake_id)
            & (stocktake_skips.c.location_id == stocktake_lines.c.location_id)
            & (stocktake_skips.c.batch_id == stocktake_lines.c.batch_id)
            & (stocktake_lines.c.state == "not_counted"),
        )
        .where(stocktake_lines.c.stocktake_id == stocktake_id)
        .order_by(locations.c.walk_order)
    )
    if problems_only:
        query = query.where(
            (stocktake_lines.c.state != "ok")
            | (stocktake_lines.c.card != stocktake_lines.c.expected)
        )
    with engine.connect() as conn:
        take = conn.execute(select(stocktakes).where(stocktakes.c.id == stocktake_id)).one()
        lines = [dict(r) for r in conn.execute(query.limit(1000)).mappings()]
    return take, lines


def to_recount(engine: Engine, stocktake_id: int, limit: int = 200) -> list[dict[str, Any]]:
    """The lines a round's close asked to count again: where and what, never how many (the
    counters see this list, and count blind)."""
    query = (
        select(
            locations.c.code.label("location"),
            locations.c.zone,
            batches.c.item_code.label("item"),
            batches.c.batch_no,
        )
        .select_from(stocktake_lines)
        .join(locations, locations.c.id == stocktake_lines.c.location_id)
        .join(batches, batches.c.id == stocktake_lines.c.batch_id)
        .where(
            (stocktake_lines.c.stocktake_id == stocktake_id)
            & (stocktake_lines.c.state == "recount")
        )
        .order_by(locations.c.walk_order, locations.c.code)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def open_choices(engine: Engine, depot: str | None) -> dict[str, list[Any]]:
    """What the form opening a round offers: the depots (the person's own, or every depot)
    and their zones."""
    depots = select(warehouses.c.code, warehouses.c.name_zh).order_by(warehouses.c.code)
    zones = select(locations.c.warehouse, locations.c.zone).distinct()
    if depot is not None:
        depots = depots.where(warehouses.c.code == depot)
        zones = zones.where(locations.c.warehouse == depot)
    with engine.connect() as conn:
        return {
            "warehouses": [(r.code, f"{r.code} {r.name_zh}") for r in conn.execute(depots)],
            "zones": sorted({r.zone for r in conn.execute(zones.limit(1000))}),
        }
