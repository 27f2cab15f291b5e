"""The bin cards of a location's stacks, from the book (kernel/bin_card.py): one card per batch
stacked there, its quantity the live one (the server's copy and what the floor did since,
every status together: a card names what lies in the stack), its maker and dates the batch's
as the server describes it.

Runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import sqlite3
from datetime import date

from gateway.storage.book import Book
from kernel.bin_card import BinCard, gs1_batch_code


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def cards_at(db: sqlite3.Connection, location: str, keeper: str) -> list[BinCard]:
    """A card for each batch with goods at `location`, by item and batch."""
    book = Book(db)
    held: dict[tuple[str, str], int] = {}
    for line in book.lines(location=location):
        held[line.item, line.batch] = held.get((line.item, line.batch), 0) + line.qty
    cards = []
    for (item, batch), qty in sorted(held.items()):
        if qty <= 0:
            continue
        described = db.execute(
            "SELECT i.name_zh, i.unit_zh, coalesce(i.spec, ''), i.storage_years, b.prod_date, "
            "b.inbound_date, coalesce(b.manufacturer, '') FROM items i "
            "LEFT JOIN batches b ON b.item = i.code AND b.batch = ? WHERE i.code = ?",
            (batch, item),
        ).fetchone()
        if described is None:  # an item the catalogue no longer has: no card to make
            continue
        name, unit, spec, years, made, inbound, maker = described
        prod_date = _day(made)
        gtin = book.gtin_of(item)
        code = gs1_batch_code(gtin, batch, prod_date, item)
        card = BinCard(
            item=str(name), location=location, manufacturer=str(maker), spec=str(spec),
            qty=qty, unit=str(unit), prod_date=prod_date, inbound_date=_day(inbound),
            storage_years=int(years or 0), keeper=keeper, code=code,
        )  # fmt: skip
        cards.append(card)
    return cards
