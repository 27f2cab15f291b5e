"""The batches overdue or due within 90 days, soonest due first (the overview's list).

The stock summary (server.storage.stock_summary) names the item and making day of every
stock held in view: for each storage-years value, its items' groups come in making-day order
(index `ix_stock_summary_made`; every value's first page read in one statement), merged
here in due-date order, and only as many of them as
the list needs are read and looked up, first their batches (by item and making day, indexes
`ix_batches_item_prod_date` and `ix_batches_item_inbound_date`), then those batches' stock
(by batch, `ix_stock_batch`). Never a pass over the batch table or the stock lines.
"""

from __future__ import annotations

import functools
import heapq
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Select,
    bindparam,
    func,
    literal,
    select,
    tuple_,
    union_all,
)

from server.domain.ageing import due_on, remaining_cutoffs
from server.storage.tables import batches, stock, stock_summary

Group = tuple[date, str, date, int]  # due, item, made, stock lines in view
PAGE = 64


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _page(codes: tuple[str, ...], years: int, one_depot: bool, size: int = PAGE) -> Select[Any]:
    """A page of the summary rows in view of items kept `years` that are overdue or due
    soon, in making-day order (which is due-date order for them), along the index
    `ix_stock_summary_warehouse_made` (a depot) or `ix_stock_summary_made` (the network).
    Its parameters: the cut-off day `before_<years>` and, for one depot, `warehouse`
    (`_values`)."""
    kept = stock_summary.c
    order = _order(one_depot)
    query = (
        select(kept.lines, *order)
        .where(
            kept.item_code.in_(codes),
            kept.made < bindparam(f"before_{years}", type_=Date),
            kept.qty > 0,
        )
        .order_by(*order)
        .limit(size)
    )
    return query.where(kept.warehouse == bindparam("warehouse")) if one_depot else query


def _order(one_depot: bool) -> tuple[Any, ...]:
    kept = stock_summary.c
    return (kept.made, kept.item_code, kept.status) + (() if one_depot else (kept.warehouse,))


def _values(warehouse: str | None, every_years: Iterable[int], today: date) -> dict[str, Any]:
    """The parameters of `_page` for these storage years."""
    values: dict[str, Any] = {
        f"before_{years}": dict(remaining_cutoffs(today, years))["due_soon"]
        for years in every_years
    }
    return {**values, "warehouse": warehouse} if warehouse else values


Shape = tuple[tuple[int, tuple[str, ...]], ...]  # storage years and their items


def _first_pages(
    conn: Connection, warehouse: str | None, shape: Shape, today: date, size: int
) -> dict[int, list[Any]]:
    """Every storage-years value's first page of `size` rows, in one statement, each in the
    database's order (the order the pages after it continue from)."""
    pages: dict[int, list[Any]] = {years: [] for years, _ in shape}
    if shape:
        query = _first_pages_query(shape, bool(warehouse), size)
        for years, *row in conn.execute(query, _values(warehouse, pages, today)):
            pages[int(years)].append(tuple(row))
    return pages


@functools.lru_cache(maxsize=64)
def _first_pages_query(shape: Shape, one_depot: bool, size: int) -> Any:
    """The statement of `_first_pages` for a catalogue's storage years, built once (building
    and keying a union of a few pages costs more than running it)."""
    parts = []
    for years, codes in shape:
        inner = _page(codes, years, one_depot, size).subquery()
        parts.append(select(literal(years).label("years"), *inner.c))
    if len(parts) == 1:
        return parts[0]
    # ordered by the database, as each page is: a sort here could disagree with its collation
    every = union_all(*parts).subquery()
    return select(*every.c).order_by(every.c.years, *(every.c[c.name] for c in _order(one_depot)))


def _stream(
    conn: Connection,
    warehouse: str | None,
    codes: tuple[str, ...],
    years: int,
    today: date,
    first: tuple[list[Any], int],
) -> Iterator[Group]:
    """The summary rows `_page` finds, from the `first` page (its rows, and how many it
    could have held) on, the next pages read in the index's order: never a sort."""
    rows, size = first
    while True:
        for lines, made, item, *_ in rows:
            day = _day(made)
            yield (due_on(day, years), item, day, int(lines))
        if len(rows) < size:
            return
        size = PAGE
        after = tuple_(*_order(bool(warehouse))) > tuple_(*rows[-1][1:])
        query = _page(codes, years, bool(warehouse)).where(after)
        rows = list(conn.execute(query, _values(warehouse, [years], today)))


def _due_in_order(
    conn: Connection, warehouse: str | None, today: date, named: dict[str, Any], limit: int
) -> Iterator[Group]:
    """Every item's stream, merged in due-date order. Each stream's first page holds as
    many groups as the list has lines (each group holds a line at least): most lists need
    no more than that."""
    by_years: dict[int, list[str]] = {}
    for code, item in named.items():
        by_years.setdefault(int(item.storage_years), []).append(code)
    shape = tuple((years, tuple(codes)) for years, codes in sorted(by_years.items()))
    first = _first_pages(conn, warehouse, shape, today, limit + 1)
    return heapq.merge(
        *(_stream(conn, warehouse, codes, y, today, (first[y], limit + 1)) for y, codes in shape)
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
    conn: Connection, warehouse: str | None, today: date, named: dict[str, Any], limit: int = 20
) -> list[dict[str, Any]]:
    """Batches with stock in view that are overdue or due within 90 days, soonest due first
    (then by item and batch number), each with its quantity per depot; `named`: the
    catalogue (server.storage.dashboard.catalogue)."""
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(_due_in_order(conn, warehouse, today, named, limit), limit):
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
    for r in rows:
        item = named[r["item"]]
        r.update(name_zh=item.name_zh, name_en=item.name_en, unit_zh=item.unit_zh)
    return rows
