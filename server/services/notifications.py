"""What a person is told about a record of theirs: e.g. a dispatcher, that a stocktake loss
(or a depot's dispatch on a phone order while it was cut off: server/services/
depot_orders.py) took stock reserved for their order and what was planned instead
(server/services/replan.py). Shown
on the order (its page and `GET /api/v1/dispatch/orders/{id}`) and to the person through
`GET /api/v1/notifications`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from server.storage.tables import notifications, users

KINDS = {
    "reservation_lost": (
        "盘亏占用了调拨预留，已重新安排",
        "A stocktake loss took reserved stock; the order was planned again",
    ),
    "reservation_taken": (
        "储备库断网期间按电话指令发出了为本单预留的物资，已重新安排",
        "A depot cut off from the centre shipped stock reserved for this order on a phone "
        "order; the order was planned again",
    ),
}


def tell(
    conn: Connection,
    recipient: str,
    kind: str,
    warehouse: str | None,
    order_id: int | None,
    detail: dict[str, Any],
    now: datetime,
) -> bool:
    """Keep a notification for `recipient` (in the caller's transaction); False when there
    is no such person to tell (the audit trail still has the event)."""
    known = conn.execute(select(users.c.username).where(users.c.username == recipient)).first()
    if known is None:
        return False
    conn.execute(
        notifications.insert().values(
            recipient=recipient,
            kind=kind,
            warehouse=warehouse,
            order_id=order_id,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            created_at=now,
        )
    )
    return True


def _shown(row: Any) -> dict[str, Any]:
    zh, en = KINDS.get(row.kind, (row.kind, row.kind))
    return {
        "id": row.id,
        "kind": row.kind,
        "text_zh": zh,
        "text_en": en,
        "warehouse": row.warehouse,
        "order_id": row.order_id,
        "detail": json.loads(row.detail),
        "created_at": row.created_at.isoformat(),
        "recipient": row.recipient,
    }


def for_person(engine: Engine, username: str, limit: int = 50) -> list[dict[str, Any]]:
    """A person's notifications, newest first."""
    query = (
        select(notifications)
        .where(notifications.c.recipient == username)
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [_shown(r) for r in conn.execute(query)]


def of_order(conn: Connection, order_id: int, depot: str | None) -> list[dict[str, Any]]:
    """What was told about an order (for a depot: about its part)."""
    query = (
        select(notifications)
        .where(notifications.c.order_id == order_id)
        .order_by(notifications.c.id)
    )
    if depot is not None:
        query = query.where(notifications.c.warehouse == depot)
    return [_shown(r) for r in conn.execute(query)]
