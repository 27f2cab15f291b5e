"""Hash chains of the records that decide and that tell who did what: decisions with their
evidence (`approvals`) and the audit trail (`audit_log`), one chain per depot (and one for
audit entries about no depot, scope "*").

A row's hash covers its fields in a fixed order and the hash of the row before it in its
chain, as the postings' do (the rule: server.domain.chains; the chained tables:
server.storage.chains): a row edited, removed or slipped in afterwards breaks the chain, and
`depot server verify-ledger` names it. `append` is the only way rows
enter these tables: it takes the depot's one lock (its ledger head, server.services.ledger.lock, so
that a depot's chains are always locked in one order), then the chain's head, and writes the
row with its hash and the new head in the caller's transaction. Audit entries about no depot
lock their own head only, and are always the last thing a transaction writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from server.domain.chains import GENESIS, NETWORK
from server.services.ledger import insert_ignore, lock
from server.storage.chains import APPROVALS, AUDIT, CHAINS, Chain, digest
from server.storage.tables import chain_heads

__all__ = ["APPROVALS", "AUDIT", "CHAINS", "NETWORK", "Chain", "append", "digest"]


def _head(conn: Connection, chain: Chain, scope: str) -> tuple[int | None, str]:
    query = select(chain_heads.c.last_id, chain_heads.c.last_hash).where(
        (chain_heads.c.chain == chain.name) & (chain_heads.c.scope == scope)
    )
    row = conn.execute(query.with_for_update()).first()
    if row is None:
        start = {"chain": chain.name, "scope": scope, "last_hash": GENESIS}
        insert_ignore(conn, chain_heads, start)
        row = conn.execute(query.with_for_update()).one()
    return row.last_id, row.last_hash


def append(conn: Connection, chain: Chain, values: dict[str, Any]) -> int:
    """Write one row at the end of its depot's chain (in the caller's transaction); its id."""
    scope = chain.scope_of(values)
    if scope != NETWORK:
        lock(conn, scope)
    _, prev = _head(conn, chain, scope)
    hashed = digest(chain, prev, values)
    row_id = int(
        conn.execute(
            chain.table.insert()
            .values(**values, prev_hash=prev, hash=hashed)
            .returning(chain.table.c.id)
        ).scalar_one()
    )
    conn.execute(
        update(chain_heads)
        .where((chain_heads.c.chain == chain.name) & (chain_heads.c.scope == scope))
        .values(last_id=row_id, last_hash=hashed)
    )
    return row_id
