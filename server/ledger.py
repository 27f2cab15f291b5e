"""Posting to the official ledger.

A posting is one signed change of quantity at (warehouse, location, batch, status). Each
warehouse's postings form a hash chain: a posting's hash covers its content and the hash of
the one before, so a row changed or removed afterwards breaks the chain. The stock projection
is updated in the same transaction, and no posting may take it below zero.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.refs import known_warehouse
from server.tables import ledger_heads, postings, stock

GENESIS = "0" * 64


class LedgerError(Exception):
    """A posting that the ledger refuses (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Posting:
    warehouse: str
    location_id: int
    batch_id: int
    status: str
    qty: int
    author: str
    event_id: str | None = None
    approval_id: int | None = None


def stamp(posted_at: datetime) -> str:
    """A posting time as it enters the hash: UTC, microseconds (SQLite hands timestamps back
    without their zone; they are UTC)."""
    if posted_at.tzinfo is None:
        posted_at = posted_at.replace(tzinfo=UTC)
    return posted_at.astimezone(UTC).isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, posting: Posting, stamped: str) -> str:
    """SHA-256 over the previous hash and the posting's fields in a fixed order, separated by
    the unit separator (0x1F), which no field may contain."""
    return hash_fields(
        prev_hash,
        posting.warehouse,
        posting.location_id,
        posting.batch_id,
        posting.status,
        posting.qty,
        posting.author,
        posting.event_id,
        posting.approval_id,
        stamped,
    )


def hash_fields(
    prev_hash: str,
    warehouse: str,
    location_id: int,
    batch_id: int,
    status: str,
    qty: int,
    author: str,
    event_id: str | None,
    approval_id: int | None,
    stamped: str,
) -> str:
    text = "\x1f".join(
        (
            warehouse,
            str(location_id),
            str(batch_id),
            status,
            str(qty),
            author,
            event_id or "",
            "" if approval_id is None else str(approval_id),
            stamped,
        )
    )
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def posting_hash(prev_hash: str, posting: Posting, posted_at: datetime) -> str:
    return chain_hash(prev_hash, posting, stamp(posted_at))


def _insert_ignore(conn: Connection, table: object, values: dict[str, object]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def lock_head(conn: Connection, warehouse: str) -> tuple[int | None, str]:
    """The warehouse's chain end, locked for the transaction; a known warehouse's first
    posting starts its chain (unknown_warehouse for any other)."""
    head = select(ledger_heads.c.last_posting_id, ledger_heads.c.last_hash).where(
        ledger_heads.c.warehouse == warehouse
    )
    row = conn.execute(head.with_for_update()).first()
    if row is None:
        known_warehouse(conn, warehouse)
        _insert_ignore(conn, ledger_heads, {"warehouse": warehouse, "last_hash": GENESIS})
        row = conn.execute(head.with_for_update()).one()
    return row.last_posting_id, row.last_hash


def _apply_to_stock(conn: Connection, p: Posting) -> None:
    key = (
        (stock.c.warehouse == p.warehouse)
        & (stock.c.location_id == p.location_id)
        & (stock.c.batch_id == p.batch_id)
        & (stock.c.status == p.status)
    )
    current = conn.execute(select(stock.c.qty).where(key).with_for_update()).scalar_one_or_none()
    new_qty = (current or 0) + p.qty
    if new_qty < 0:
        raise LedgerError(f"stock would go negative ({current or 0} {p.qty:+d})")
    if current is None:
        conn.execute(
            stock.insert().values(
                warehouse=p.warehouse,
                location_id=p.location_id,
                batch_id=p.batch_id,
                status=p.status,
                qty=new_qty,
            )
        )
    else:
        conn.execute(update(stock).where(key).values(qty=new_qty))


def posting_of(row: Any) -> Posting:
    """A stored posting row as the Posting its hash was computed from."""
    return Posting(
        row.warehouse,
        row.location_id,
        row.batch_id,
        row.status,
        row.qty,
        row.author,
        row.event_id,
        row.approval_id,
    )


def post(conn: Connection, entries: list[Posting]) -> list[int]:
    """Append postings (in the caller's transaction); returns their ids."""
    ids: list[int] = []
    for entry in entries:
        if entry.qty == 0:
            raise LedgerError("a posting must change the quantity")
        _, prev_hash = lock_head(conn, entry.warehouse)
        _apply_to_stock(conn, entry)
        posted_at = datetime.now(UTC)
        digest = posting_hash(prev_hash, entry, posted_at)
        posting_id = conn.execute(
            postings.insert()
            .values(
                warehouse=entry.warehouse,
                location_id=entry.location_id,
                batch_id=entry.batch_id,
                status=entry.status,
                qty=entry.qty,
                event_id=entry.event_id,
                approval_id=entry.approval_id,
                author=entry.author,
                posted_at=posted_at,
                prev_hash=prev_hash,
                hash=digest,
            )
            .returning(postings.c.id)
        ).scalar_one()
        conn.execute(
            update(ledger_heads)
            .where(ledger_heads.c.warehouse == entry.warehouse)
            .values(last_posting_id=posting_id, last_hash=digest)
        )
        ids.append(posting_id)
    return ids
