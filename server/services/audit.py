"""The audit trail: who did what, and when (art. 29: every change needs an author and a
basis). Written in the same transaction as the change it describes, at the end of its
depot's hash chain (server.services.chain), so an entry edited or removed afterwards is found by
`depot server verify-ledger`. Each entry names the depot it is about (`depot`; None for the
network as a whole, or no depot): a depot's own people see only their depot's entries. A
change to several depots is one entry per depot, each with that depot's part."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from server.services.chain import AUDIT, append
from server.storage.tables import audit_log


def record(
    conn: Connection,
    actor: str,
    action: str,
    target: str | None,
    *,
    depot: str | None,
    now: datetime,
    **detail: Any,
) -> None:
    append(
        conn,
        AUDIT,
        {
            "at": now,
            "actor": actor,
            "action": action,
            "target": target,
            "warehouse": depot,
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        },
    )


def entries(
    engine: Engine,
    depot: str | None,
    *,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Newest first: a depot's entries, or every entry for `depot` None."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if depot is not None:
        query = query.where(audit_log.c.warehouse == depot)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
