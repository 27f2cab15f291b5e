"""Read models of the stocktakes page and the approvals inbox (server.dash.stocktakes): the
rounds, their progress by zone, the variances to work through, who counted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, case, func, select

from server.storage.tables import (
    batches,
    items,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktake_skips,
    stocktakes,
)


def rounds(
    engine: Engine, warehouse: str | None, limit: int | None = 30, status: str | None = None
) -> list[dict[str, Any]]:
    """Stocktakes, newest first, with their lines' states summed."""
    lines = stocktake_lines.c
    query = (
        select(
            stocktakes,
            func.count(lines.location_id).label("lines"),
            func.sum(case((lines.counted.is_not(None), 1), else_=0)).label("counted"),
            func.sum(case((lines.state == "variance", 1), else_=0)).label("variances"),
            func.sum(case((lines.state == "recount", 1), else_=0)).label("recounts"),
            func.sum(
                case(((lines.state == "variance") & lines.reason.is_(None), 1), else_=0)
            ).label("open_reasons"),
        )
        .outerjoin(stocktake_lines, lines.stocktake_id == stocktakes.c.id)
        .group_by(*stocktakes.c)
        .order_by(stocktakes.c.id.desc())
        .limit(limit)
    )
    if warehouse:
        query = query.where(stocktakes.c.warehouse == warehouse)
    if status:
        query = query.where(stocktakes.c.status == status)
    with engine.connect() as conn:
        return [{k: (v or 0) if k in ("counted", "variances", "recounts", "open_reasons") else v
                 for k, v in dict(r).items()} for r in conn.execute(query).mappings()]  # fmt: skip


def variances(engine: Engine, stocktake_id: int, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(
            stocktake_lines,
            locations.c.code.label("location"),
            locations.c.zone,
            items.c.name_zh,
            items.c.name_en,
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


def by_zone(engine: Engine, stocktake_id: int) -> list[dict[str, Any]]:
    lines = stocktake_lines.c
    query = (
        select(
            locations.c.zone,
            func.count().label("lines"),
            func.sum(case((lines.counted.is_not(None), 1), else_=0)).label("counted"),
            func.sum(case((lines.state == "variance", 1), else_=0)).label("variances"),
        )
        .join(locations, locations.c.id == lines.location_id)
        .where(lines.stocktake_id == stocktake_id)
        .group_by(locations.c.zone)
        .order_by(locations.c.zone)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def pending_acceptance(engine: Engine, depot: str | None) -> list[dict[str, Any]]:
    """Per depot (one depot's only, when given): the batches and quantity waiting for an
    acceptance decision."""
    query = (
        select(stock.c.warehouse, func.count(stock.c.batch_id.distinct()), func.sum(stock.c.qty))
        .where((stock.c.status == "pending_acceptance") & (stock.c.qty > 0))
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
