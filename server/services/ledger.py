"""The ledger's one writer: every posting, from the floor's events and from every decision.

A posting is one change of quantity at (warehouse, location, batch, status), made by an
author on a basis (server.domain.basis: the event or decision that allows it). Each warehouse's
postings form a hash chain: a posting's hash covers its content, its basis and the hash of
the one before, so a row changed or removed afterwards breaks the chain. The stock
projection moves in the same transaction, and no posting may take it below zero.

Writing is set-wise: `lock` takes the warehouse's chain end (every writer takes it first, and
a transaction takes the heads of several warehouses in the order of their codes), `held`
reads the stock lines a set of postings lowers, and `write` holds the postings to their
bases (server.domain.basis.check, then server.services.grounds in the database), hashes them,
inserts them in one statement, moves each stock line by its net change (and the overview's
summary and bands with it: server.storage.stock_summary) and moves the head. The batch ingest
(server.services.ingest) calls these three itself, because it decides its events against the
stock between reading and writing; every decision calls `post`, which does all three.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.domain import basis as bases
from server.domain import depot_time
from server.domain.basis import Basis
from server.domain.chains import GENESIS, hash_fields, stamp
from server.domain.errors import BasisError, LedgerError
from server.services.grounds import confirm
from server.services.refs import known_warehouse
from server.storage import epcis_capture, stock_summary
from server.storage.tables import ledger_heads, postings, stock

StockKey = tuple[int, int, str]  # location_id, batch_id, status

__all__ = [
    "GENESIS",
    "Basis",
    "BasisError",
    "Head",
    "LedgerError",
    "Posting",
    "held",
    "lock",
    "post",
    "posting_hash",
    "row_hash",
    "write",
]


@dataclass(frozen=True, slots=True)
class Posting:
    warehouse: str
    location_id: int
    batch_id: int
    status: str
    qty: int
    author: str
    basis: Basis

    @property
    def key(self) -> StockKey:
        return (self.location_id, self.batch_id, self.status)


@dataclass(frozen=True, slots=True)
class Head:
    """A warehouse's chain end, locked for the transaction."""

    warehouse: str
    last_id: int | None
    last_hash: str


@lru_cache(maxsize=8)
def _stamp(now: datetime) -> str:
    """One write, one posting time: its text for the hash is made once."""
    return stamp(now)


def posting_hash(prev_hash: str, p: Posting, posted_at: datetime | str) -> str:
    """hash_fields over a posting's fields and basis, written out: the writer makes one for
    every posting."""
    when = posted_at if isinstance(posted_at, str) else stamp(posted_at)
    b = p.basis
    approval = "" if b.approval_id is None else b.approval_id
    text = (
        f"{prev_hash}{p.warehouse}\x1f{p.location_id}\x1f{p.batch_id}\x1f{p.status}\x1f{p.qty}"
        f"\x1f{p.author}\x1f{b.event_id or ''}\x1f{approval}\x1f{when}\x1f{b.kind}"
        f"\x1f{b.ref or ''}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


def row_hash(row: Any) -> str:
    """A stored posting's hash as it should be. Postings made before bases were stored
    (migration 0016) have none, and their hash does not cover one."""
    fields = (
        row.warehouse, row.location_id, row.batch_id, row.status, row.qty, row.author,
        row.event_id, row.approval_id, stamp(row.posted_at),
    )  # fmt: skip
    if row.basis_kind is None:
        return hash_fields(row.prev_hash, *fields)
    return hash_fields(row.prev_hash, *fields, row.basis_kind, row.basis_ref)


def insert_ignore(conn: Connection, table: Any, values: Mapping[str, object]) -> None:
    """Insert a row unless its key is taken (SQLite and PostgreSQL alike)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def lock(conn: Connection, warehouse: str) -> Head:
    """The warehouse's chain end, locked for the transaction; a known warehouse's first
    posting starts its chain (unknown_warehouse for any other). Every writer of a depot's
    chains (postings, decisions, audit entries) takes this lock first."""
    query = select(ledger_heads.c.last_posting_id, ledger_heads.c.last_hash).where(
        ledger_heads.c.warehouse == warehouse
    )
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        known_warehouse(conn, warehouse)
        insert_ignore(conn, ledger_heads, {"warehouse": warehouse, "last_hash": GENESIS})
        row = conn.execute(query.with_for_update()).one()
    return Head(warehouse, row.last_posting_id, row.last_hash)


def held(
    conn: Connection, warehouse: str, stacks: Iterable[tuple[int, int]]
) -> dict[StockKey, int]:
    """The stock lines of the given (location, batch) stacks, locked for the rest of the
    transaction (with any other line of those batches at those locations: two index lists
    plan better than a list of pairs, and an extra line read is harmless)."""
    stacks = set(stacks)
    if not stacks:
        return {}
    rows = conn.execute(
        select(stock.c.location_id, stock.c.batch_id, stock.c.status, stock.c.qty)
        .where(
            (stock.c.warehouse == warehouse)
            & stock.c.location_id.in_({loc for loc, _ in stacks})
            & stock.c.batch_id.in_({b for _, b in stacks})
        )
        .with_for_update()
    )
    return {(r.location_id, r.batch_id, r.status): r.qty for r in rows}


def post(conn: Connection, entries: Sequence[Posting], now: datetime) -> None:
    """Append a decision's postings, made `now` (in the caller's transaction): each
    warehouse's head is locked (in the order of their codes), the lines they lower read, and
    the postings written, or nothing is (LedgerError if stock would go below zero, BasisError for a
    posting without its author or basis)."""
    by_warehouse: dict[str, list[Posting]] = {}
    for entry in entries:
        by_warehouse.setdefault(entry.warehouse, []).append(entry)
    for warehouse in sorted(by_warehouse):
        mine = by_warehouse[warehouse]
        head = lock(conn, warehouse)
        lowered = {(p.location_id, p.batch_id) for p in mine if p.qty < 0}
        write(conn, head, mine, held(conn, warehouse, lowered), now=now)


def write(
    conn: Connection,
    head: Head,
    entries: Sequence[Posting],
    stock_held: Mapping[StockKey, int],
    *,
    now: datetime,
    events: Mapping[str, str] | None = None,
) -> Head:
    """Write postings of one warehouse after its head: `stock_held` are the locked lines
    they lower (from `held`); `events` the floor events written in the same transaction
    (id -> type), the only events postings may stand on. Returns the new head."""
    if not entries:
        return head
    if any(p.warehouse != head.warehouse for p in entries):
        raise LedgerError(f"postings of another warehouse than {head.warehouse}")
    nets = bases.check(entries)
    net: dict[StockKey, int] = {}
    for p in entries:
        net[p.key] = net.get(p.key, 0) + p.qty
    for key, delta in net.items():
        if delta < 0 and stock_held.get(key, 0) + delta < 0:
            raise LedgerError(f"stock would go negative ({stock_held.get(key, 0)} {delta:+d})")
    confirm(conn, head.warehouse, head.last_id is None, entries, nets, events or {})
    when, prev, rows = _stamp(now), head.last_hash, []
    for p in entries:
        digest = posting_hash(prev, p, when)
        b = p.basis
        rows.append(
            {
                "warehouse": p.warehouse, "location_id": p.location_id, "batch_id": p.batch_id,
                "status": p.status, "qty": p.qty, "event_id": b.event_id,
                "approval_id": b.approval_id, "basis_kind": str(b.kind), "basis_ref": b.ref,
                "author": p.author, "posted_at": now, "prev_hash": prev, "hash": digest,
            }
        )  # fmt: skip
        prev = digest
    conn.execute(postings.insert(), rows)
    epcis_capture.decisions(conn, head.warehouse, rows, now)
    # The head is locked: the newest posting of this warehouse is the last one just written.
    last_id = conn.execute(
        select(func.max(postings.c.id)).where(postings.c.warehouse == head.warehouse)
    ).scalar_one()
    moved = {key: delta for key, delta in net.items() if delta}
    before = {key: stock_held[key] for key in moved if key in stock_held}
    before.update(stock_summary.current(conn, head.warehouse, moved.keys() - before.keys()))
    _move_stock(conn, head.warehouse, stock_held, net)
    stock_summary.move(conn, head.warehouse, before, moved, depot_time.today(now))
    conn.execute(
        update(ledger_heads)
        .where(ledger_heads.c.warehouse == head.warehouse)
        .values(last_posting_id=last_id, last_hash=prev)
    )
    return Head(head.warehouse, last_id, prev)


def _move_stock(
    conn: Connection, warehouse: str, stock_held: Mapping[StockKey, int], net: dict[StockKey, int]
) -> None:
    """Each changed stock line moves by its net change. Lines read beforehand exist and are
    updated (every line a write lowers is one of them); the others only grow, and are added
    to or created. The CHECKs on quantity stay the last guard."""
    rows = [
        {"w": warehouse, "l": key[0], "b": key[1], "s": key[2], "q": delta}
        for key, delta in net.items()
        if delta
    ]
    existing = [r for r in rows if (r["l"], r["b"], r["s"]) in stock_held]
    if existing:
        conn.execute(
            update(stock)
            .where(
                (stock.c.warehouse == bindparam("w"))
                & (stock.c.location_id == bindparam("l"))
                & (stock.c.batch_id == bindparam("b"))
                & (stock.c.status == bindparam("s"))
            )
            .values(qty=stock.c.qty + bindparam("q"))
            .execution_options(synchronize_session=False),
            existing,
        )
    growing = [
        {"warehouse": r["w"], "location_id": r["l"], "batch_id": r["b"], "status": r["s"],
         "qty": r["q"]}
        for r in rows
        if (r["l"], r["b"], r["s"]) not in stock_held
    ]  # fmt: skip
    if growing:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(stock)
        upsert = upsert.on_conflict_do_update(
            index_elements=["warehouse", "location_id", "batch_id", "status"],
            set_={"qty": stock.c.qty + upsert.excluded.qty},
        )
        conn.execute(upsert, growing)
