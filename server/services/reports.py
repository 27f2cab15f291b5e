"""The monthly report (art. 14): per warehouse and item, for one month, the opening balance,
inbound (accepted into stock), outbound (loaded), stocktake adjustments and the closing
balance, from the postings. Available from the 1st for the month before.

Months are the depots' calendar months (server.domain.depot_time: China Standard Time unless set
otherwise): November runs from 1 November 00:00 to 1 December 00:00 depot time."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, select
from sqlalchemy.exc import IntegrityError

from server.domain import depot_time
from server.domain.errors import ReportError
from server.storage.tables import (
    approvals,
    batches,
    events,
    items,
    monthly_reports,
    postings,
    warehouses,
)

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


def month_bounds(month: str, today: date) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's, in UTC, by the depots' calendar;
    refused while `today` (the depot's date) is still in it."""
    try:
        first = datetime.strptime(month + "-01", "%Y-%m-%d").date()
    except ValueError as exc:
        raise ReportError("month is YYYY-MM") from exc
    nxt = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    if nxt > today:
        raise ReportError(f"the report for {month} is available from {nxt}")
    return depot_time.start_of_day(first), depot_time.start_of_day(nxt)


def monthly(
    engine: Engine, month: str, warehouse: str | None, today: date, since: datetime | None = None
) -> list[tuple[Any, ...]]:
    """The month's report from the journal; with `since` (the month's first moment), only
    the month's own movements: opening 0, closing the net change, value its change."""
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
    if since is not None:
        query = query.where(p.posted_at >= since)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(*r[:6], *(int(n) for n in r[6:])) for r in rows]


# -- kept reports, rolled forward month by month ---------------------------------------------
#
# A month's closing is the next month's opening: a month is made from the one before it and
# its own postings (read through the index on posted_at), so making a report never reads the
# whole journal; the first month with postings is made from nothing before it.

OPENING, CLOSING, VALUE = 6, 12, 13
# A month is kept only this long after its end: postings of a request still running at
# midnight land first. Kept reports are kept per time zone (a changed DEPOT_TIMEZONE never
# serves months counted in another zone; those made before months were the depots' own are
# kept as zone "UTC", migration 0018).
KEEP_AFTER = timedelta(hours=1)


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"


def roll(before: list[tuple[Any, ...]], month: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Last month's rows and this month's movements (opening 0, closing the net change, value
    its change) -> this month's rows, as `monthly` makes them from the whole journal."""
    rows: dict[tuple[Any, Any], list[Any]] = {
        (r[0], r[2]): [*r[:OPENING], r[CLOSING], 0, 0, 0, 0, 0, r[CLOSING], r[VALUE]]
        for r in before
    }
    for r in month:
        row = rows.setdefault((r[0], r[2]), [*r[:OPENING]] + [0] * 8)
        for i in range(OPENING + 1, VALUE + 1):
            row[i] += r[i]
    return [tuple(rows[k]) for k in sorted(rows)]


def _kept(engine: Engine, month: str, scope: str) -> list[tuple[Any, ...]] | None:
    key = (
        (monthly_reports.c.month == month)
        & (monthly_reports.c.scope == scope)
        & (monthly_reports.c.zone == depot_time.zone().key)
    )
    with engine.connect() as conn:
        kept = conn.execute(select(monthly_reports.c.rows).where(key)).scalar()
    return None if kept is None else [tuple(r) for r in json.loads(kept)]


def _keep(
    engine: Engine, month: str, scope: str, rows: list[tuple[Any, ...]], now: datetime
) -> None:
    _, end = month_bounds(month, date.max)
    if now < end + KEEP_AFTER:
        return  # finished by the calendar, not yet for good: made again next time
    try:
        with engine.begin() as conn:
            conn.execute(
                monthly_reports.insert().values(
                    month=month,
                    scope=scope,
                    zone=depot_time.zone().key,
                    made_at=now,
                    rows=json.dumps(rows),
                )
            )
    except IntegrityError:
        pass  # kept by another request meanwhile: the same rows


def _first_month(engine: Engine) -> str | None:
    """The month of the journal's first posting (ids grow with time)."""
    with engine.connect() as conn:
        first = conn.execute(select(postings.c.posted_at).order_by(postings.c.id).limit(1)).scalar()
    return None if first is None else depot_time.month_of(first)


def kept_monthly(
    engine: Engine, month: str, warehouse: str | None, now: datetime
) -> list[tuple[Any, ...]]:
    """The month's report as asked for at `now`, kept once made: a finished month never
    changes (the ledger only grows, and every posting is dated when it is made). Made from the
    nearest kept month before it, month by month, keeping each (a second server doing the same
    keeps the same)."""
    today = depot_time.today(now)
    month_bounds(month, today)  # refuses a month not finished yet
    scope = warehouse or "*"
    kept = _kept(engine, month, scope)
    if kept is not None:
        return kept
    first = _first_month(engine)
    if first is None or month <= first:
        rows = monthly(engine, month, warehouse, today)  # nothing before it
        _keep(engine, month, scope, rows, now)
        return rows
    todo, current = [month], previous_month(month)
    while (base := _kept(engine, current, scope)) is None:
        if current <= first:
            base = monthly(engine, current, warehouse, today)
            _keep(engine, current, scope, base, now)
            break
        todo.append(current)
        current = previous_month(current)
    rows = base
    for step in reversed(todo):
        since, _ = month_bounds(step, today)
        rows = roll(rows, monthly(engine, step, warehouse, today, since=since))
        _keep(engine, step, scope, rows, now)
    return rows
