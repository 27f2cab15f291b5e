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

from sqlalchemy import Engine, select

from server.tables import batches, locations, stock

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
            raise ValueError(f"qty of {key} must be a whole number")
        book[key] = book.get(key, 0) + qty
    return book
