"""What the dashboard's pages show, read from the ledger: one query per figure, aggregated in
the database, paged where a list can grow (a province: ~50,000 live batches)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from server.dash.ageing import DUE_SOON_DAYS, Stack, due_on
from server.exampledata import CATEGORIES
from server.tables import (
    batches,
    dispatch_lines,
    dispatch_orders,
    items,
    pick_lines,
    stock,
    warehouses,
)

STATUSES = ("pending_acceptance", "available", "reserved", "on_hold", "scrap_pending")
# The categories of relief material (救灾物资分类), as the catalogue codes them.
CATEGORY_NAMES = {c.code: (c.name_zh, c.name_en) for c in CATEGORIES}


def _scoped(query: Any, warehouse: str | None) -> Any:
    return query.where(stock.c.warehouse == warehouse) if warehouse else query


def stock_by_item(engine: Engine, warehouse: str | None) -> list[dict[str, Any]]:
    """Per category and item: quantity in each status, and batches held."""
    query = _scoped(
        select(
            items.c.category,
            items.c.code,
            items.c.name_zh,
            items.c.name_en,
            items.c.unit_zh,
            items.c.unit_en,
            stock.c.status,
            func.sum(stock.c.qty).label("qty"),
            func.count(stock.c.batch_id.distinct()).label("batches"),
        )
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0)
        .group_by(
            items.c.category,
            items.c.code,
            items.c.name_zh,
            items.c.name_en,
            items.c.unit_zh,
            items.c.unit_en,
            stock.c.status,
        ),
        warehouse,
    )
    rows: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            row = rows.setdefault(
                r.code,
                {
                    "category": r.category,
                    "item": r.code,
                    "name_zh": r.name_zh,
                    "name_en": r.name_en,
                    "unit_zh": r.unit_zh,
                    "unit_en": r.unit_en,
                    "batches": 0,
                    "total": 0,
                    **dict.fromkeys(STATUSES, 0),
                },
            )
            row[r.status] += int(r.qty)
            row["total"] += int(r.qty)
            row["batches"] = max(row["batches"], int(r.batches))
    return sorted(rows.values(), key=lambda r: (r["category"], r["item"]))


def by_category(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = totals.setdefault(
            r["category"],
            {"category": r["category"], "items": 0, "total": 0, **dict.fromkeys(STATUSES, 0)},
        )
        c["items"] += 1
        c["total"] += r["total"]
        for s in STATUSES:
            c[s] += r[s]
    return list(totals.values())


def _made() -> Any:
    return func.coalesce(batches.c.prod_date, batches.c.inbound_date)


def stacks(engine: Engine, warehouse: str | None) -> list[Stack]:
    """Stocked batches grouped by making date, storage years and re-inspection."""
    made = _made().label("made")
    reinspected = (batches.c.reinspected_on.is_not(None)).label("reinspected")
    query = _scoped(
        select(
            made,
            items.c.storage_years,
            reinspected,
            func.count(stock.c.batch_id.distinct()).label("n"),
            func.sum(stock.c.qty).label("qty"),
        )
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0, _made().is_not(None))
        .group_by(made, items.c.storage_years, reinspected),
        warehouse,
    )
    with engine.connect() as conn:
        return [
            Stack(_day(r.made), int(r.storage_years), bool(r.reinspected), int(r.n), int(r.qty))
            for r in conn.execute(query)
        ]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def urgent_batches(
    engine: Engine, warehouse: str | None, today: date, limit: int = 20
) -> list[dict[str, Any]]:
    """Batches overdue or due within 90 days, soonest first. Per storage-years value the
    cut-off is a making date, so the database does the choosing (portable date maths)."""
    with engine.connect() as conn:
        years = [int(y) for y in conn.execute(select(items.c.storage_years.distinct())).scalars()]
        if not years:
            return []
        soon = today + timedelta(days=DUE_SOON_DAYS)
        conditions = [
            and_(items.c.storage_years == y, _made() <= _years_before(soon, y)) for y in years
        ]
        query = _scoped(
            select(
                stock.c.warehouse,
                items.c.code.label("item"),
                items.c.name_zh,
                items.c.name_en,
                items.c.unit_zh,
                items.c.storage_years,
                batches.c.batch_no,
                _made().label("made"),
                batches.c.reinspected_on,
                func.sum(stock.c.qty).label("qty"),
            )
            .join(batches, batches.c.id == stock.c.batch_id)
            .join(items, items.c.code == batches.c.item_code)
            .where(stock.c.qty > 0, or_(*conditions))
            .group_by(
                stock.c.warehouse,
                items.c.code,
                items.c.name_zh,
                items.c.name_en,
                items.c.unit_zh,
                items.c.storage_years,
                batches.c.batch_no,
                _made(),
                batches.c.reinspected_on,
            )
            .order_by(_made(), items.c.code)
            .limit(limit * 4),  # soonest making dates; ordered by due date below
            warehouse,
        )
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for r in rows:
        r["made"] = _day(r["made"])
        r["due"] = due_on(r["made"], int(r["storage_years"]))
        r["days_left"] = (r["due"] - today).days
    rows.sort(key=lambda r: (r["due"], r["item"], r["batch_no"]))
    return rows[:limit]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def depots(engine: Engine) -> list[dict[str, Any]]:
    """Every depot with its stock per status: the network view and the map."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    with engine.connect() as conn:
        for r in conn.execute(
            select(stock.c.warehouse, stock.c.status, func.sum(stock.c.qty).label("qty"))
            .where(stock.c.qty > 0)
            .group_by(stock.c.warehouse, stock.c.status)
        ):
            totals[r.warehouse][r.status] = int(r.qty)
        out = []
        for w in conn.execute(select(warehouses).order_by(warehouses.c.code)).mappings():
            figures = totals[w["code"]]
            out.append({**dict(w), **figures, "total": sum(figures.values())})
    return out


def orders(engine: Engine, warehouse: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """Dispatch orders, newest first, with what was asked, picked and loaded (for a depot:
    only the orders it has pick lines in)."""
    asked = (
        select(dispatch_lines.c.order_id, func.sum(dispatch_lines.c.qty).label("asked"))
        .group_by(dispatch_lines.c.order_id)
        .subquery()
    )
    picks = select(
        pick_lines.c.order_id,
        func.sum(pick_lines.c.qty).label("picked"),
        func.sum(pick_lines.c.loaded).label("loaded"),
    )
    if warehouse:
        picks = picks.where(pick_lines.c.warehouse == warehouse)
    picked = picks.group_by(pick_lines.c.order_id).subquery()
    query = (
        select(
            dispatch_orders,
            func.coalesce(asked.c.asked, 0).label("asked"),
            func.coalesce(picked.c.picked, 0).label("picked"),
            func.coalesce(picked.c.loaded, 0).label("loaded"),
        )
        .outerjoin(asked, asked.c.order_id == dispatch_orders.c.id)
        .outerjoin(picked, picked.c.order_id == dispatch_orders.c.id)
        .order_by(dispatch_orders.c.notified_at.desc(), dispatch_orders.c.id.desc())
        .limit(limit)
    )
    if warehouse:
        query = query.where(picked.c.order_id.is_not(None))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
