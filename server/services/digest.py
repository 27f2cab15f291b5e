"""Ledger against ledger (账账相符, art. 12(3)): the gateway's local book against the central
ledger.

Both sides describe a warehouse's stock as lines (location code, GTIN-independent item code,
batch number, status, quantity). The digest is a SHA-256 over the sorted lines, so two books
agree exactly when their digests do; when they differ, comparing the lines names each line
that differs, with both quantities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from server.domain.errors import Invalid
from server.storage.tables import batches, items, locations, stock

Line = tuple[str, str, str, str]  # location, item, batch, status


@dataclass(frozen=True, slots=True)
class Difference:
    location: str
    item: str
    batch: str
    status: str
    central: int
    local: int


def digest(lines: dict[Line, int]) -> str:
    """Order-independent fingerprint of a book (zero lines ignored)."""
    h = hashlib.sha256()
    for key in sorted(k for k, q in lines.items() if q):
        h.update(("\x1f".join(key) + f"\x1f{lines[key]}\n").encode())
    return h.hexdigest()


def compare(central: dict[Line, int], local: dict[Line, int]) -> list[Difference]:
    keys = sorted(set(central) | set(local))
    return [
        Difference(*k, central.get(k, 0), local.get(k, 0))
        for k in keys
        if central.get(k, 0) != local.get(k, 0)
    ]


def central_book(engine: Engine, warehouse: str) -> dict[Line, int]:
    query = (
        select(
            locations.c.code, batches.c.item_code, batches.c.batch_no, stock.c.status, stock.c.qty
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .where((stock.c.warehouse == warehouse) & (stock.c.qty != 0))
    )
    with engine.connect() as conn:
        return {
            (r.code, r.item_code, r.batch_no, r.status): int(r.qty) for r in conn.execute(query)
        }


def book_of(rows: Iterable[dict[str, object]]) -> dict[Line, int]:
    """A book sent by a gateway: rows with location, item, batch, status, qty."""
    book: dict[Line, int] = {}
    for row in rows:
        key = (str(row["location"]), str(row["item"]), str(row["batch"]), str(row["status"]))
        qty = row["qty"]
        if not isinstance(qty, int) or isinstance(qty, bool):
            raise Invalid(f"qty of {key} must be a whole number")
        book[key] = book.get(key, 0) + qty
    return book


def value_ledger(engine: Engine, warehouse: str) -> list[dict[str, object]]:
    """Quantities against the value ledger: per batch, the quantity held (all statuses), the
    unit price (the batch's, else the catalogue's, flagged) and the value."""
    price = func.coalesce(batches.c.unit_price_cents, items.c.unit_price_cents)
    query = (
        select(
            batches.c.item_code,
            items.c.name_zh,
            batches.c.batch_no,
            func.sum(stock.c.qty).label("qty"),
            price.label("unit_price_cents"),
            batches.c.unit_price_cents.is_(None).label("catalogue_price"),
        )
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where((stock.c.warehouse == warehouse) & (stock.c.qty != 0))
        .group_by(
            batches.c.item_code,
            items.c.name_zh,
            batches.c.batch_no,
            batches.c.unit_price_cents,
            items.c.unit_price_cents,
        )
        .order_by(batches.c.item_code, batches.c.batch_no)
    )
    with engine.connect() as conn:
        return [
            {
                "item": r.item_code,
                "name_zh": r.name_zh,
                "batch": r.batch_no,
                "qty": int(r.qty),
                "unit_price_cents": int(r.unit_price_cents),
                "value_cents": int(r.qty) * int(r.unit_price_cents),
                "catalogue_price": bool(r.catalogue_price),
            }
            for r in conn.execute(query)
        ]
