"""The overview's stock in bands (tables `stock_bands`, `stock_bands_day`): per depot, item and
status, the quantity and stock lines of each age band and storage-years band, as of one day.

The bands depend on today and on the items' storage years, not only on postings. So each
depot's bands are kept for the day written in `stock_bands_day`: the ledger's writer moves
them with its postings (the same changes as the stock summary, server.storage.stock_summary)
while that day is the writer's today; a writer whose day differs forgets the day instead, and
so does an import of the catalogue. Whoever reads a depot whose day is not today first makes
its bands again from the stock summary (`rebuild`, under the depot's head lock:
server.services.figures), once a day. Reading them is a few hundred rows, never the stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, literal, or_, select

from server.domain.ageing import (
    AGE_BANDS,
    REMAINING_BANDS,
    age_band,
    age_cutoffs,
    remaining_band,
    remaining_cutoffs,
)
from server.storage import figures_version
from server.storage.tables import items, stock_bands, stock_bands_day, stock_summary
from server.storage.upsert import add_to

SummaryKey = tuple[str, str, date]  # item, status, made


def day_of(conn: Connection, warehouse: str) -> date | None:
    """The day a depot's bands are kept for (None: to be made again)."""
    day = conn.execute(
        select(stock_bands_day.c.day).where(stock_bands_day.c.warehouse == warehouse)
    ).scalar()
    return None if day is None else date.fromisoformat(str(day)[:10])


def forget(conn: Connection, warehouse: str | None = None) -> None:
    """The bands of a depot (of every depot) are to be made again when next read."""
    query = delete(stock_bands_day)
    if warehouse:
        query = query.where(stock_bands_day.c.warehouse == warehouse)
    conn.execute(query)
    figures_version.touch(conn, warehouse)


def move(
    conn: Connection, warehouse: str, today: date, moved: Mapping[SummaryKey, tuple[int, int]]
) -> None:
    """Move a depot's bands by the summary's changes, if they are kept for `today` (in the
    writer's transaction, its head locked); forget them if they are kept for another day."""
    kept_for = day_of(conn, warehouse)
    if kept_for is None or not moved:
        return
    if kept_for != today:
        forget(conn, warehouse)
        return
    years = {
        code: int(y)
        for code, y in conn.execute(
            select(items.c.code, items.c.storage_years).where(
                items.c.code.in_({item for item, _, _ in moved})
            )
        )
    }
    rows: dict[tuple[str, str, int, str], list[int]] = {}
    for (item, status, made), (lines, qty) in moved.items():
        key = (item, status, age_band(made, today), remaining_band(made, int(years[item]), today))
        row = rows.setdefault(key, [0, 0])
        row[0] += lines
        row[1] += qty
    add_to(conn, stock_bands, [
        {"warehouse": warehouse, "item_code": item, "status": status, "age": age,
         "remaining": left, "lines": lines, "qty": qty}
        for (item, status, age, left), (lines, qty) in sorted(rows.items())
    ], ("warehouse", "item_code", "status", "age", "remaining"), ("lines", "qty"))  # fmt: skip


def _age_case(today: date, made: Any) -> Any:
    whens = [(made > cutoff, index) for index, cutoff in enumerate(age_cutoffs(today))]
    return case(*whens, else_=len(AGE_BANDS) - 1)


def _remaining_case(by_years: dict[int, list[str]], today: date, item: Any, made: Any) -> Any:
    whens = []
    for band, _, _ in REMAINING_BANDS[:-1]:
        conditions = [
            and_(item.in_(codes), made < dict(remaining_cutoffs(today, y))[band])
            for y, codes in by_years.items()
        ]
        whens.append((or_(*conditions), band))
    return case(*whens, else_=REMAINING_BANDS[-1][0]) if whens else literal(REMAINING_BANDS[-1][0])


def rebuild(conn: Connection, warehouse: str, today: date) -> None:
    """Make a depot's bands again for `today` from its stock summary, sorted into bands by
    the database with cut-off dates (plain date comparisons: SQLite and PostgreSQL agree).
    The caller holds the depot's head lock."""
    by_years: dict[int, list[str]] = {}
    # read-locked: a catalogue import changing them waits, then forgets these bands
    storage_years = select(items.c.code, items.c.storage_years).with_for_update(read=True)
    for code, years in conn.execute(storage_years):
        by_years.setdefault(int(years), []).append(code)
    kept = stock_summary
    age = _age_case(today, kept.c.made).label("age")
    left = _remaining_case(by_years, today, kept.c.item_code, kept.c.made).label("remaining")
    query = (
        select(kept.c.item_code, kept.c.status, age, left, func.sum(kept.c.lines),
               func.sum(kept.c.qty))
        .where(kept.c.warehouse == warehouse, kept.c.qty > 0)
        .group_by(kept.c.item_code, kept.c.status, age, left)
    )  # fmt: skip
    rows = [
        {"warehouse": warehouse, "item_code": item, "status": status, "age": int(a),
         "remaining": str(r), "lines": int(lines), "qty": int(qty)}
        for item, status, a, r, lines, qty in conn.execute(query)
    ]  # fmt: skip
    conn.execute(delete(stock_bands).where(stock_bands.c.warehouse == warehouse))
    if rows:
        conn.execute(stock_bands.insert(), rows)
    forget(conn, warehouse)
    conn.execute(stock_bands_day.insert().values(warehouse=warehouse, day=today))


def read(conn: Connection, warehouse: str | None) -> list[tuple[str, str, str, int, str, int, int]]:
    """The bands of a depot (of every depot), without the empty ones: (warehouse, item,
    status, age band, remaining band, stock lines, quantity), as plain tuples (a network's
    thousands of rows are read on every change of its figures)."""
    kept = stock_bands.c
    query = select(
        kept.warehouse, kept.item_code, kept.status, kept.age, kept.remaining, kept.lines, kept.qty
    ).where(kept.qty > 0)
    if warehouse:
        query = query.where(kept.warehouse == warehouse)
    return [tuple(r) for r in conn.execute(query).all()]
