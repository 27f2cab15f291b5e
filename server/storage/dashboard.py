"""What the dashboard's pages show, read from the ledger: one query per figure, aggregated in
the database, paged where a list can grow (a province: ~50,000 live batches). The stock's
figures come from the stock summary the ledger's writer keeps (server.storage.stock_summary)."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select, union_all

from server.domain.ageing import (
    AGE_BANDS,
    REMAINING_BANDS,
    Ageing,
    remaining_band,
)
from server.domain.catalogue import CATEGORIES
from server.storage import stock_bands
from server.storage.tables import (
    STOCK_STATUSES,
    audit_log,
    batches,
    depot_phone_orders,
    dispatch_lines,
    dispatch_orders,
    events,
    gateway_status,
    items,
    ledger_heads,
    pick_lines,
    stock,
    warehouses,
)
from server.storage.urgent import urgent_batches as urgent_batches

STATUSES = STOCK_STATUSES
# The categories of relief material (救灾物资分类), as the catalogue codes them.
CATEGORY_NAMES = {c.code: (c.name_zh, c.name_en) for c in CATEGORIES}


def _scoped(query: Any, warehouse: str | None) -> Any:
    return query.where(stock.c.warehouse == warehouse) if warehouse else query


def _made() -> Any:
    return func.coalesce(batches.c.prod_date, batches.c.inbound_date)


def catalogue(conn: Connection) -> dict[str, Any]:
    """The catalogue's items by code (a few hundred rows), read once for a page's figures."""
    return {r.code: r for r in conn.execute(select(items)).all()}


@dataclass(frozen=True, slots=True)
class Fact:
    """Stock of one depot, item and status, of one age band and one remaining band."""

    warehouse: str
    item: str
    status: str
    age: int
    remaining: str
    lines: int
    qty: int


def facts(conn: Connection, warehouse: str | None) -> list[Fact]:
    """The depot's (or the network's) stock in bands, as kept (server.storage.stock_bands:
    the caller makes sure they are kept for today, server.services.figures)."""
    return [Fact(*band) for band in stock_bands.read(conn, warehouse)]


def reinspected_overdue(
    conn: Connection, warehouse: str | None, today: date, named: dict[str, Any]
) -> int:
    """Overdue stock lines whose batch passed a re-inspection that still counts: the batches
    with such a pass first (index on `reinspection_valid_until`: a few), then their stock."""
    passed = [
        r.id
        for r in conn.execute(
            select(batches.c.id, batches.c.item_code, _made().label("made")).where(
                batches.c.reinspection_valid_until >= today
            )
        )
        if r.made is not None
        and remaining_band(_day(r.made), int(named[r.item_code].storage_years), today) == "overdue"
    ]
    if not passed:
        return 0
    lines = _scoped(
        select(func.count()).where(stock.c.batch_id.in_(passed), stock.c.qty > 0), warehouse
    )
    return int(conn.execute(lines).scalar_one())


def stock_by_item(found: list[Fact], named: dict[str, Any]) -> list[dict[str, Any]]:
    """Per category and item: quantity in each status, and stock lines held."""
    rows: dict[str, dict[str, Any]] = {}
    for f in found:
        row = rows.get(f.item)
        if row is None:
            item = named[f.item]
            row = rows[f.item] = {
                "category": item.category, "item": f.item, "name_zh": item.name_zh,
                "name_en": item.name_en, "unit_zh": item.unit_zh, "unit_en": item.unit_en,
                "batches": 0, "total": 0, **dict.fromkeys(STATUSES, 0),
            }  # fmt: skip
        row[f.status] += f.qty
        row["total"] += f.qty
        row["batches"] += f.lines
    return sorted(rows.values(), key=lambda r: (r["category"], r["item"]))


def ageing_of(found: list[Fact], reinspected_overdue: int) -> Ageing:
    by_age = [[0, 0] for _ in AGE_BANDS]
    by_remaining = {key: [0, 0] for key, _, _ in REMAINING_BANDS}
    for f in found:
        by_age[f.age][0] += f.lines
        by_age[f.age][1] += f.qty
        by_remaining[f.remaining][0] += f.lines
        by_remaining[f.remaining][1] += f.qty
    return Ageing(
        tuple((b, q) for b, q in by_age),
        {k: (v[0], v[1]) for k, v in by_remaining.items()},
        reinspected_overdue,
    )


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


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def depots(conn: Connection, found: list[Fact]) -> list[dict[str, Any]]:
    """Every depot with its stock per status (from the facts of the network view)."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for f in found:
        totals[f.warehouse][f.status] += f.qty
    rows = conn.execute(select(warehouses).order_by(warehouses.c.code)).mappings()
    return [
        {**dict(w), **totals[w["code"]], "total": sum(totals[w["code"]].values())} for w in rows
    ]


def orders(
    engine: Engine, warehouse: str | None, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Dispatch orders, newest first, with what was asked, picked and loaded (for a depot:
    only the orders planned from it or with pick lines in it, and its share of them)."""
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
            depot_phone_orders.c.warehouse.label("made_at"),  # made there while cut off
        )
        .outerjoin(asked, asked.c.order_id == dispatch_orders.c.id)
        .outerjoin(depot_phone_orders, depot_phone_orders.c.order_id == dispatch_orders.c.id)
        .outerjoin(picked, picked.c.order_id == dispatch_orders.c.id)
        .order_by(dispatch_orders.c.notified_at.desc(), dispatch_orders.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if warehouse:
        query = query.where(
            picked.c.order_id.is_not(None) | (dispatch_orders.c.warehouse == warehouse)
        )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def latest_events(engine: Engine, warehouse: str | None, limit: int = 10) -> list[dict[str, Any]]:
    """The newest events, each depot's from its own index (warehouse, received_at), merged:
    never a sort of the whole journal; one statement for every depot in view."""
    with engine.connect() as conn:
        codes = (
            [warehouse] if warehouse else list(conn.execute(select(warehouses.c.code)).scalars())
        )
        if not codes:
            return []
        rows = [dict(r) for r in conn.execute(_newest_events(tuple(codes), limit)).mappings()]
    rows.sort(key=lambda r: r["received_at"], reverse=True)
    return rows[:limit]


@functools.lru_cache(maxsize=64)
def _newest_events(codes: tuple[str, ...], limit: int) -> Any:
    """Each depot's newest `limit` events, by its index, as one statement (built once for a
    set of depots: building and keying a union of fifty costs more than running it)."""
    columns = (
        events.c.event_id,
        events.c.type,
        events.c.warehouse,
        events.c.source,
        events.c.occurred_at,
        events.c.received_at,
        events.c.status,
        events.c.reason,
    )
    parts = [
        select(*columns)
        .where(events.c.warehouse == code)
        .order_by(events.c.received_at.desc())
        .limit(limit)
        .subquery()
        for code in codes
    ]
    each = [select(*part.c) for part in parts]
    return union_all(*each) if len(each) > 1 else each[0]


def markers(engine: Engine, depot: str | None) -> tuple[Any, ...]:
    """What moves when anything a page shows changes, read from indexes only, in one
    statement (each live page asks once a second, and each live region before it answers):
    the newest event of each depot in view, the last posting of each ledger, the last audit
    entry, the gateways' last report and sync."""
    with engine.connect() as conn:
        codes = [depot] if depot else list(conn.execute(select(warehouses.c.code)).scalars())
        heads = select(ledger_heads.c.last_posting_id)
        entries = select(func.max(audit_log.c.id))
        reports = select(func.max(gateway_status.c.reported_at))
        synced = select(func.max(gateway_status.c.last_sync_at))
        if depot:
            heads = heads.where(ledger_heads.c.warehouse == depot)
            entries = entries.where(audit_log.c.warehouse == depot)
            reports = reports.where(gateway_status.c.warehouse == depot)
            synced = synced.where(gateway_status.c.warehouse == depot)
        newest = [
            select(func.max(events.c.received_at)).where(events.c.warehouse == code)
            for code in codes
        ]
        every_head = select(func.sum(heads.subquery().c.last_posting_id))  # moves with any
        found = conn.execute(
            select(*(q.scalar_subquery() for q in (*newest, every_head, entries, reports, synced)))
        ).one()
    return tuple(found)
