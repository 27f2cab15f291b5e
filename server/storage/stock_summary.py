"""The stock summary (table `stock_summary`): the overview's figures kept as postings move
stock, so that a page reads a few thousand rows instead of sorting every stock line.

One row per depot, item, status and making day: the quantity and the number of stock lines
with a positive quantity. The ledger's writer (server.services.ledger.write) moves it with the
same net changes it applies to `stock`, in the same transaction and under the depot's head
lock; `from_stock` computes the same rows from the stock lines, which is what migration 0019
fills the table with and what the tests compare it against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, func, literal, select

from server.domain.ageing import UNKNOWN_MADE
from server.storage import figures_version, stock_bands
from server.storage.tables import batches, stock, stock_summary
from server.storage.upsert import add_to

StockKey = tuple[int, int, str]  # location_id, batch_id, status
SummaryKey = tuple[str, str, date]  # item, status, made


def made_of(prod_date: date | None, inbound_date: date | None) -> date:
    """The day a batch's storage years count from, as the summary keeps it."""
    return prod_date or inbound_date or UNKNOWN_MADE


def current(conn: Connection, warehouse: str, keys: Iterable[StockKey]) -> dict[StockKey, int]:
    """The quantities of the given stock lines now (0 for a line not there yet)."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = conn.execute(
        select(stock.c.location_id, stock.c.batch_id, stock.c.status, stock.c.qty).where(
            (stock.c.warehouse == warehouse)
            & stock.c.location_id.in_({k[0] for k in wanted})
            & stock.c.batch_id.in_({k[1] for k in wanted})
        )
    )
    found = {(r.location_id, r.batch_id, r.status): int(r.qty) for r in rows}
    return {k: found.get(k, 0) for k in wanted}


def changes(
    made: Mapping[int, tuple[str, date]],
    before: Mapping[StockKey, int],
    net: Mapping[StockKey, int],
) -> dict[SummaryKey, tuple[int, int]]:
    """The summary's (lines, qty) changes for stock lines moving by `net` from `before`
    (`made`: item and making day per batch). A line counts while its quantity is positive."""
    out: dict[SummaryKey, tuple[int, int]] = {}
    for key, delta in net.items():
        if not delta:
            continue
        was = before.get(key, 0)
        item, day = made[key[1]]
        lines = int(was + delta > 0) - int(was > 0)
        old = out.get((item, key[2], day), (0, 0))
        out[(item, key[2], day)] = (old[0] + lines, old[1] + delta)
    return {k: v for k, v in out.items() if v != (0, 0)}


def move(
    conn: Connection, warehouse: str, before: Mapping[StockKey, int],
    net: Mapping[StockKey, int], today: date,
) -> None:  # fmt: skip
    """Move the summary, and the bands kept for `today` (server.storage.stock_bands), with
    stock lines going from `before` by `net` (in the writer's transaction, its head locked)."""
    ids = {key[1] for key, delta in net.items() if delta}
    if not ids:
        return
    made = {
        r.id: (r.item_code, made_of(r.prod_date, r.inbound_date))
        for r in conn.execute(
            select(batches.c.id, batches.c.item_code, batches.c.prod_date, batches.c.inbound_date)
            .where(batches.c.id.in_(ids))
        )
    }  # fmt: skip
    moved = changes(made, before, net)
    rows = [
        {"warehouse": warehouse, "item_code": item, "status": status, "made": day,
         "lines": lines, "qty": qty}
        for (item, status, day), (lines, qty) in sorted(moved.items())
    ]  # fmt: skip
    if not rows:  # a whole stack moved between two places: the figures are as they were
        return
    add_to(
        conn, stock_summary, rows, ("warehouse", "item_code", "status", "made"), ("lines", "qty")
    )
    stock_bands.move(conn, warehouse, today, moved)
    figures_version.touch(conn, warehouse)


def from_stock(conn: Connection, warehouse: str | None = None) -> dict[tuple[str, ...], Any]:
    """The summary as the stock lines make it: {(warehouse, item, status, made): (lines,
    qty)}, made as ISO text."""
    made = func.coalesce(
        batches.c.prod_date, batches.c.inbound_date, literal(UNKNOWN_MADE, Date)
    ).label("made")
    query = (
        select(stock.c.warehouse, batches.c.item_code, stock.c.status, made,
               func.count().label("lines"), func.sum(stock.c.qty).label("qty"))
        .join(batches, batches.c.id == stock.c.batch_id)
        .where(stock.c.qty > 0)
        .group_by(stock.c.warehouse, batches.c.item_code, stock.c.status, made)
    )  # fmt: skip
    if warehouse:
        query = query.where(stock.c.warehouse == warehouse)
    return {
        (r.warehouse, r.item_code, r.status, str(r.made)[:10]): (int(r.lines), int(r.qty))
        for r in conn.execute(query)
    }


def refill(conn: Connection, warehouse: str) -> None:
    """Make a depot's summary again from its stock lines (after its stock was rebuilt)."""
    conn.execute(stock_summary.delete().where(stock_summary.c.warehouse == warehouse))
    stock_bands.forget(conn, warehouse)  # and the figures' version moves
    rows = [
        {"warehouse": w, "item_code": item, "status": status,
         "made": date.fromisoformat(day), "lines": lines, "qty": qty}
        for (w, item, status, day), (lines, qty) in from_stock(conn, warehouse).items()
    ]  # fmt: skip
    if rows:
        conn.execute(stock_summary.insert(), rows)


def kept(conn: Connection, warehouse: str | None = None) -> dict[tuple[str, ...], Any]:
    """The summary as kept, in the shape of `from_stock` (rows of no stock left out)."""
    query = select(stock_summary).where((stock_summary.c.qty != 0) | (stock_summary.c.lines != 0))
    if warehouse:
        query = query.where(stock_summary.c.warehouse == warehouse)
    return {
        (r.warehouse, r.item_code, r.status, str(r.made)[:10]): (int(r.lines), int(r.qty))
        for r in conn.execute(query)
    }
