"""The monthly report (art. 14): per warehouse and item, for one month, the opening balance,
inbound (accepted into stock), outbound (loaded), stocktake adjustments and the closing
balance, from the postings. Available from the 1st for the month before."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.exc import IntegrityError

from server.tables import approvals, batches, events, items, monthly_reports, postings, warehouses

HEADER = (
    "warehouse",
    "仓库",
    "item",
    "物资",
    "spec 规格",
    "unit 单位",
    "opening 期初",
    "inbound 入库",
    "outbound 出库",
    "rotation 轮换",
    "scrapped 报废",
    "adjusted 盘盈亏",
    "closing 期末",
    "value_cents 金额(分)",
)


class ReportError(ValueError):
    """A report that cannot be made (yet)."""


def month_bounds(month: str, today: date) -> tuple[datetime, datetime]:
    try:
        first = datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ReportError("month is YYYY-MM") from exc
    nxt = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    if nxt.date() > today:
        raise ReportError(f"the report for {month} is available from {nxt.date()}")
    return first, nxt


def monthly(
    engine: Engine, month: str, warehouse: str | None, today: date
) -> list[tuple[Any, ...]]:
    start, end = month_bounds(month, today)
    p = postings.c
    in_month = and_(p.posted_at >= start, p.posted_at < end)
    accepted_in = and_(
        in_month, approvals.c.kind == "acceptance", p.status == "available", p.qty > 0
    )
    loaded = and_(in_month, events.c.type == "loading")
    adjusted = and_(in_month, approvals.c.kind == "adjustment")
    # Rotation (轮换) and scrapping (报废) post with approvals of these kinds (art. 25).
    rotated = and_(in_month, approvals.c.kind == "rotation", p.qty < 0)
    scrapped = and_(in_month, approvals.c.kind == "scrapping", p.qty < 0)
    query = (
        select(
            p.warehouse,
            warehouses.c.name_zh,
            items.c.code,
            items.c.name_zh.label("item_zh"),
            items.c.spec,
            items.c.unit_zh,
            func.sum(case((p.posted_at < start, p.qty), else_=0)).label("opening"),
            func.sum(case((accepted_in, p.qty), else_=0)).label("inbound"),
            func.sum(case((loaded, -p.qty), else_=0)).label("outbound"),
            func.sum(case((rotated, -p.qty), else_=0)).label("rotated"),
            func.sum(case((scrapped, -p.qty), else_=0)).label("scrapped"),
            func.sum(case((adjusted, p.qty), else_=0)).label("adjusted"),
            func.sum(case((p.posted_at < end, p.qty), else_=0)).label("closing"),
            func.sum(
                case(
                    (
                        p.posted_at < end,
                        p.qty * func.coalesce(batches.c.unit_price_cents, items.c.unit_price_cents),
                    ),
                    else_=0,
                )
            ).label("value"),
        )
        .join(batches, batches.c.id == p.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .join(warehouses, warehouses.c.code == p.warehouse)
        .outerjoin(events, events.c.event_id == p.event_id)
        .outerjoin(approvals, approvals.c.id == p.approval_id)
        .where(p.posted_at < end)
        .group_by(
            p.warehouse,
            warehouses.c.name_zh,
            items.c.code,
            items.c.name_zh,
            items.c.spec,
            items.c.unit_zh,
        )
        .order_by(p.warehouse, items.c.code)
    )
    if warehouse:
        query = query.where(p.warehouse == warehouse)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        (
            r.warehouse,
            r.name_zh,
            r.code,
            r.item_zh,
            r.spec,
            r.unit_zh,
            int(r.opening),
            int(r.inbound),
            int(r.outbound),
            int(r.rotated),
            int(r.scrapped),
            int(r.adjusted),
            int(r.closing),
            int(r.value),
        )
        for r in rows
    ]


def kept_monthly(
    engine: Engine, month: str, warehouse: str | None, today: date
) -> list[tuple[Any, ...]]:
    """The month's report, made the first time it is asked for and kept: a finished month
    never changes. (A second server making it at the same moment makes the same rows.)"""
    month_bounds(month, today)  # refuses a month not finished yet
    scope = warehouse or "*"
    key = (monthly_reports.c.month == month) & (monthly_reports.c.scope == scope)
    with engine.connect() as conn:
        kept = conn.execute(select(monthly_reports.c.rows).where(key)).scalar()
    if kept is not None:
        return [tuple(r) for r in json.loads(kept)]
    rows = monthly(engine, month, warehouse, today)
    try:
        with engine.begin() as conn:
            conn.execute(
                monthly_reports.insert().values(
                    month=month, scope=scope, made_at=datetime.now(UTC), rows=json.dumps(rows)
                )
            )
    except IntegrityError:
        pass  # kept by another request meanwhile: the same rows
    return rows
