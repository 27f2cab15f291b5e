"""The audit trail: who did what, and when (art. 29: every change needs an author and a
basis). Written in the same transaction as the change it describes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from server.tables import audit_log


def record(conn: Connection, actor: str, action: str, target: str | None, **detail: Any) -> None:
    conn.execute(
        audit_log.insert().values(
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )


def recent(engine: Engine, limit: int = 100, actor: str | None = None) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]
