"""The batches overdue or due within 90 days, soonest due first (the overview's list).

The stock summary (server.storage.stock_summary) names the item and making day of every
stock held in view: for each storage-years value, its items' groups come in making-day order
(index `ix_stock_summary_made`), merged here in due-date order, and only as many of them as
the list needs are read and looked up, first their batches (by item and making day, indexes
`ix_batches_item_prod_date` and `ix_batches_item_inbound_date`), then those batches' stock
(by batch, `ix_stock_batch`). Never a pass over the batch table or the stock lines.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, func, select, tuple_

from server.domain.ageing import due_on, remaining_cutoffs
from server.storage.tables import batches, items, stock, stock_summary

Group = tuple[date, str, date, int]  # due, item, made, stock lines in view
PAGE = 64


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _stream(
    conn: Connection, warehouse: str | None, codes: list[str], years: int, today: date
) -> Iterator[Group]:
    """The summary rows in view of items kept `years` that are overdue or due soon, in
    making-day order (which is due-date order for them), read a page at a time along the
    index `ix_stock_summary_warehouse_made` (a depot) or `ix_stock_summary_made` (the
    network): in its order, never a sort."""
    before = dict(remaining_cutoffs(today, years))["due_soon"]
    kept = stock_summary.c
    order = (kept.made, kept.item_code, kept.status) + (() if warehouse else (kept.warehouse,))
    query = (
        select(kept.lines, *order)
        .where(kept.item_code.in_(codes), kept.made < before, kept.qty > 0)
        .order_by(*order)
        .limit(PAGE)
    )
    if warehouse:
        query = query.where(kept.warehouse == warehouse)
    page = query
    while True:
        rows = conn.execute(page).all()
        for lines, made, item, *_ in rows:
            day = _day(made)
            yield (due_on(day, years), item, day, int(lines))
        if len(rows) < PAGE:
            return
        page = query.where(tuple_(*order) > tuple_(*rows[-1][1:]))  # on from the last row


def _due_in_order(conn: Connection, warehouse: str | None, today: date) -> Iterator[Group]:
    """Every item's stream, merged in due-date order."""
    by_years: dict[int, list[str]] = {}
    for code, years in conn.execute(select(items.c.code, items.c.storage_years)):
        by_years.setdefault(int(years), []).append(code)
    return heapq.merge(
        *(_stream(conn, warehouse, codes, y, today) for y, codes in by_years.items())
    )


def _chunks(groups: Iterable[Group], limit: int) -> Iterator[list[Group]]:
    """Groups in due order, a chunk holding at least `limit` stock lines and every group due
    on the same day as its last (so that the order within a day is decided in one chunk)."""
    chunk: list[Group] = []
    lines = 0
    for group in groups:
        if lines >= limit and group[0] != chunk[-1][0]:
            yield chunk
            chunk, lines = [], 0
        chunk.append(group)
        lines += group[3]
    if chunk:
        yield chunk


def _batches(conn: Connection, chunk: list[Group]) -> list[tuple[date, str, str, int, Any, date]]:
    """(due, item, batch no, id, re-inspected on, made) of the batches of these groups."""
    due = {(item, made): when for when, item, made, _ in chunk}
    columns = (
        batches.c.id, batches.c.item_code, batches.c.batch_no, batches.c.prod_date,
        batches.c.inbound_date, batches.c.reinspected_on,
    )  # fmt: skip
    item_codes = {item for item, _ in due}
    days = {made for _, made in due}
    made_known = select(*columns).where(
        batches.c.item_code.in_(item_codes), batches.c.prod_date.in_(days)
    )
    inbound_only = select(*columns).where(
        batches.c.item_code.in_(item_codes),
        batches.c.prod_date.is_(None),
        batches.c.inbound_date.in_(days),
    )
    out = []
    for query in (made_known, inbound_only):
        for r in conn.execute(query):
            made = _day(r.prod_date or r.inbound_date)
            if (r.item_code, made) in due:
                out.append(
                    (due[(r.item_code, made)], r.item_code, r.batch_no, r.id, r.reinspected_on,
                     made)
                )  # fmt: skip
    return sorted(out, key=lambda b: (b[0], b[1], b[2]))


def urgent_batches(
    engine: Engine, warehouse: str | None, today: date, limit: int = 20
) -> list[dict[str, Any]]:
    """Batches with stock in view that are overdue or due within 90 days, soonest due first
    (then by item and batch number), each with its quantity per depot."""
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for chunk in _chunks(_due_in_order(conn, warehouse, today), limit):
            found = _batches(conn, chunk)
            # by batch (ix_stock_batch), the depot in view picked here: a condition on the
            # depot would have the database read the depot's every stock line instead
            held = (
                select(stock.c.batch_id, stock.c.warehouse, func.sum(stock.c.qty))
                .where(stock.c.batch_id.in_([b[3] for b in found]), stock.c.qty > 0)
                .group_by(stock.c.batch_id, stock.c.warehouse)
            )
            qty: dict[int, list[tuple[str, int]]] = defaultdict(list)
            for batch_id, where, total in conn.execute(held):
                if warehouse in (None, where):
                    qty[batch_id].append((where, int(total)))
            for due, item, batch_no, batch_id, checked, made in found:
                for where, total in sorted(qty.get(batch_id, [])):
                    rows.append({"warehouse": where, "item": item, "batch_no": batch_no,
                                 "made": made, "due": due, "reinspected_on": checked,
                                 "qty": total, "days_left": (due - today).days})  # fmt: skip
            if len(rows) >= limit:
                break
        rows = rows[:limit]
        catalogue = {
            r.code: r
            for r in conn.execute(select(items).where(items.c.code.in_({r["item"] for r in rows})))
        }
    for r in rows:
        named = catalogue[r["item"]]
        r.update(name_zh=named.name_zh, name_en=named.name_en, unit_zh=named.unit_zh)
    return rows
