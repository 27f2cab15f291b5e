"""Walking the chains for `depot server verify-ledger` (server.services.verify): each depot's
postings, decisions and audit entries, row by row in id order, streamed (never a whole journal in
memory), and the rows a third party's checkpoints name.

Each walk yields a Finding for every problem and 1 for every row read. A row is named by its
id and what it is about in codes (depot, location, item, batch), e.g.
`posting 1234 (LC01 A-01-02 ZS-0001 batch 2026R1 available -4)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from server.domain import basis
from server.domain.bounds import MAX_STOCK, shown
from server.domain.errors import CheckpointError
from server.services import checkpoints
from server.services.chain import APPROVALS, AUDIT, NETWORK, Chain, digest
from server.services.ledger import GENESIS, row_hash
from server.storage.tables import approvals, audit_log, batches, locations, postings

STREAM = 2000  # rows fetched at a time
CHECKPOINTS_AT_ONCE = 500


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # "posting 1234 (LC01 A-01-02 ...)", "ledger head LC01", "stock LC01 ..."
    problem: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


Found = Iterator[Finding | int]


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def posting_name(row: Any) -> str:
    item = f"{row.item_code or '?'} batch {shown(row.batch_no or '?', 32)}"
    where = shown(row.location_code or f"location {row.location_id}", 64)
    return f"posting {row.id} ({row.warehouse} {where} {item} {row.status} {row.qty!r})"


def postings_chain(conn: Connection, warehouse: str, head: Any) -> Found:
    """One warehouse's postings: each follows the one before, matches its hash, has a
    whole quantity within bounds and a basis (every posting since bases were stored)."""
    previous, last_id, based = GENESIS, None, False
    rows = conn.execution_options(yield_per=STREAM).execute(
        select(
            postings,
            locations.c.code.label("location_code"),
            batches.c.item_code,
            batches.c.batch_no,
        )
        .outerjoin(locations, locations.c.id == postings.c.location_id)
        .outerjoin(batches, batches.c.id == postings.c.batch_id)
        .where(postings.c.warehouse == warehouse)
        .order_by(postings.c.id)
    )
    for row in rows:
        yield 1
        where = posting_name(row)
        if row.prev_hash != previous:
            yield Finding(
                where, "does not follow the posting before it (one was removed or reordered)"
            )
        if not _whole(row.qty) or not -MAX_STOCK <= row.qty <= MAX_STOCK:
            yield Finding(where, f"its quantity {row.qty!r} is not a whole number within bounds")
        try:
            expected = row_hash(row)
        except (TypeError, ValueError, AttributeError) as exc:
            yield Finding(where, f"cannot be hashed ({type(exc).__name__}: {exc})")
        else:
            if row.hash != expected:
                yield Finding(
                    where, "its content does not match its hash (changed after it was posted)"
                )
        if row.basis_kind is None:
            if based:
                yield Finding(where, "names no basis (every posting since 0016 names one)")
        else:
            based = True
            wrong = basis.problem(
                row.basis_kind, row.event_id, row.approval_id, row.basis_ref, row.status, row.qty
            )
            if wrong:
                yield Finding(where, wrong)
        previous, last_id = row.hash, row.id
    if head.last_hash != previous or head.last_posting_id != last_id:
        yield Finding(
            f"ledger head {warehouse}",
            f"points at posting {head.last_posting_id}, the chain ends at {last_id}",
        )


def record_name(chain: Chain, row: Any) -> str:
    depot = row.warehouse or "network"
    if chain is APPROVALS:
        about = f"{row.kind} {shown(row.reference or '', 64)} by {shown(row.decided_by, 64)}"
    else:
        about = f"{shown(row.action, 64)} by {shown(row.actor, 64)}"
    return f"{chain.label} {row.id} ({depot} {about})"


def record_chain(conn: Connection, chain: Chain, scope: str, head: Any | None) -> Found:
    """One scope's decisions or audit entries: linked, matching their hashes, ending at the
    chain's head."""
    table = chain.table
    previous, last_id = GENESIS, None
    which = table.c.warehouse.is_(None) if scope == NETWORK else table.c.warehouse == scope
    rows = conn.execution_options(yield_per=STREAM).execute(
        select(table).where(which).order_by(table.c.id)
    )
    for row in rows:
        yield 1
        where = record_name(chain, row)
        if row.prev_hash != previous:
            yield Finding(where, f"does not follow the {chain.label} before it (one was removed)")
        try:
            expected = digest(chain, row.prev_hash or "", row)
        except (TypeError, ValueError, AttributeError) as exc:
            yield Finding(where, f"cannot be hashed ({type(exc).__name__}: {exc})")
        else:
            if row.hash != expected:
                yield Finding(
                    where, "its content does not match its hash (changed after it was recorded)"
                )
        previous, last_id = row.hash, row.id
    if head is None:
        if last_id is not None:
            yield Finding(f"{chain.name} of {scope}", "have no chain head (written outside it)")
    elif head.last_hash != previous or head.last_id != last_id:
        yield Finding(
            f"{chain.name} head {scope}",
            f"points at {chain.label} {head.last_id}, the chain ends at {last_id}",
        )


TABLES: dict[str, Table] = {"postings": postings, "approvals": approvals, "audit": audit_log}
NAMES = {"postings": "posting", "approvals": APPROVALS.label, "audit": AUDIT.label}


def against_checkpoints(
    conn: Connection, lines: Iterable[str], pinned: set[bytes] | None = None
) -> Found:
    """Every checkpoint a third party holds: signed by the key, and still on the chain (the
    row it names is there, in its scope, with the hash it had). Read a few hundred lines at a
    time; yields 1 for every checkpoint that holds."""
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            batch.append((number, line))
        if len(batch) >= CHECKPOINTS_AT_ONCE:
            yield from _checkpoints(conn, batch, pinned)
            batch = []
    yield from _checkpoints(conn, batch, pinned)


def _checkpoints(
    conn: Connection, batch: list[tuple[int, str]], pinned: set[bytes] | None
) -> Found:
    signed: list[checkpoints.Signed] = []
    for number, line in batch:
        try:
            signed.append(checkpoints.read(line, pinned))
        except CheckpointError as exc:
            yield Finding(f"checkpoint line {number}", str(exc))
    stored: dict[str, dict[int, Any]] = {}
    for name, table in TABLES.items():
        ids = sorted({c.chains[name][0] for c in signed if name in c.chains})
        stored[name] = {
            r.id: r
            for part in range(0, len(ids), CHECKPOINTS_AT_ONCE)
            for r in conn.execute(
                select(table.c.id, table.c.warehouse, table.c.hash).where(
                    table.c.id.in_(ids[part : part + CHECKPOINTS_AT_ONCE])
                )
            )
        }
    for c in signed:
        good = True
        for name, (row_id, signed_hash) in c.chains.items():
            row = stored[name].get(row_id)
            label = f"{NAMES[name]} {row_id}"
            if row is None or (row.warehouse or NETWORK) != c.scope:
                good = False
                yield Finding(str(c), f"{label} is gone: the chain was cut or rolled back")
            elif row.hash != signed_hash:
                good = False
                yield Finding(
                    str(c), f"{label} is not the one signed: the chain was rewritten up to it"
                )
        if good:
            yield 1
