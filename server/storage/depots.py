"""Which depots a record belongs to: what the guard (server.web.guard) reads to decide a
request's depot scope, and the depots an order's audit entries are about."""

from __future__ import annotations

from sqlalchemy import Connection, select

from server.storage.tables import (
    approvals,
    dispatch_orders,
    events,
    handovers,
    inbound_notices,
    pick_lines,
    stocktakes,
)


def of_order(conn: Connection, order_id: int) -> frozenset[str] | None:
    """The depots an order concerns: the one it was planned from, if any, and every depot it
    takes from. None: there is no such order."""
    order = conn.execute(
        select(dispatch_orders.c.warehouse).where(dispatch_orders.c.id == order_id)
    ).first()
    if order is None:
        return None
    takes_from = conn.execute(
        select(pick_lines.c.warehouse).distinct().where(pick_lines.c.order_id == order_id)
    ).scalars()
    return frozenset({*takes_from, *([order.warehouse] if order.warehouse else [])})


def of_record(conn: Connection, record: str, key: int | str) -> frozenset[str] | None:
    """The depots of an order, a stocktake, a decision, an inbound notice (by id), a handover
    note (by number) or an event (by id); None if there is no such record."""
    if record == "order":
        return of_order(conn, int(key))
    if record in ("stocktake", "approval"):
        table = stocktakes if record == "stocktake" else approvals
        row = conn.execute(select(table.c.warehouse).where(table.c.id == int(key))).first()
    elif record == "notice":
        table = inbound_notices
        row = conn.execute(select(table.c.warehouse).where(table.c.id == int(key))).first()
    elif record == "handover":
        row = conn.execute(select(handovers.c.warehouse).where(handovers.c.number == key)).first()
    else:
        row = conn.execute(select(events.c.warehouse).where(events.c.event_id == key)).first()
    return frozenset({row.warehouse}) if row is not None else None
