"""A dispatch order as people read it: its lines, pick lists, clocks, handover notes, what
its planner was told about it (a reservation a stocktake loss took, planned again), the
call behind an order a depot made while cut off, and an emergency's report (art. 14).

Read for one depot (`depot`), an order shows only that depot's part: its pick lines, its
handover notes, and for each line only the quantity asked of that depot (the shortfall and
the other depots' shares are the bureau's business).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from kernel.dispatch_clocks import first_batch_due
from server.domain.depot_time import zone
from server.domain.emergency_report import draft
from server.domain.floor import Rejection
from server.services.notifications import of_order
from server.storage.orders import made_at_depot, pick_list_query
from server.storage.tables import (
    dispatch_lines,
    dispatch_orders,
    emergency_reports,
    handovers,
    items,
    pick_lines,
)


def order_view(
    engine: Engine, order_id: int, now: datetime, depot: str | None = None
) -> dict[str, Any]:
    with engine.connect() as conn:
        order = conn.execute(
            select(dispatch_orders).where(dispatch_orders.c.id == order_id)
        ).first()
        if order is None:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        lines = _lines(conn, order_id, depot)
        picks = pick_list_query().where(pick_lines.c.order_id == order_id)
        notes = select(
            handovers.c.number,
            handovers.c.warehouse,
            handovers.c.plate,
            handovers.c.driver,
            handovers.c.created_at,
        ).where(handovers.c.order_id == order_id)
        if depot is not None:
            picks = picks.where(pick_lines.c.warehouse == depot)
            notes = notes.where(handovers.c.warehouse == depot)
        pick_rows = [dict(r) for r in conn.execute(picks).mappings()]
        note_rows = [dict(r) for r in conn.execute(notes.order_by(handovers.c.id)).mappings()]
        told = of_order(conn, order_id, depot)
        call = made_at_depot(conn, order_id)
        drafted = conn.execute(
            select(emergency_reports.c.drafted_at).where(emergency_reports.c.order_id == order_id)
        ).scalar_one_or_none()
    notified = _utc(order.notified_at)
    first_due = first_batch_due(notified)
    written_due = _utc(order.written_order_due) if order.written_order_due else None
    arrived = _utc(order.first_arrival_at) if order.first_arrival_at else None
    shown: dict[str, Any] = {
        "id": order.id,
        "number": order.number,
        "kind": order.kind,
        "basis": order.basis,
        "destination": order.destination,
        "status": order.status,
        "depot": order.warehouse,
        "requesting_level": order.requesting_level,  # its own reserve first (art. 17)
        "created_by": order.created_by,  # who planned it (another must cancel it)
        "notified_at": notified.isoformat(),
        "first_batch_due": first_due.isoformat(),
        "first_batch_seconds_left": int((first_due - now).total_seconds()),
        "first_arrival_at": arrived.isoformat() if arrived else None,
        "first_batch_on_time": None if arrived is None else arrived <= first_due,
        "written_order_due": written_due.isoformat() if written_due else None,
        "written_order": order.written_order,
        "written_order_late": bool(written_due and not order.written_order and now > written_due),
        "lines": lines,
        "picks": pick_rows,
        "handovers": [{**n, "created_at": n["created_at"].isoformat()} for n in note_rows],
        "notifications": told,
        # made at a depot on a phone order while it was cut off: the call as it recorded it
        "made_at_depot": call,
    }
    # an emergency's report to the bureaus (art. 14), for the bureau's view of the whole order
    shown["report"] = None
    if drafted is not None and depot is None:
        at = _utc(drafted)
        shown["report"] = {"drafted_at": at.isoformat(), "text": draft(shown, at, zone())}
    return shown


def _lines(conn: Connection, order_id: int, depot: str | None) -> list[dict[str, Any]]:
    """What the order asks for; for one depot, what it asks of that depot."""
    if depot is None:
        query = select(
            dispatch_lines.c.item_code.label("item"),
            items.c.name_zh,
            dispatch_lines.c.qty,
            dispatch_lines.c.shortfall,
        ).where(dispatch_lines.c.order_id == order_id)
    else:
        query = (
            select(
                dispatch_lines.c.item_code.label("item"),
                items.c.name_zh,
                func.sum(pick_lines.c.qty).label("qty"),
            )
            .join(pick_lines, pick_lines.c.line_id == dispatch_lines.c.id)
            .where((dispatch_lines.c.order_id == order_id) & (pick_lines.c.warehouse == depot))
            .group_by(dispatch_lines.c.id, dispatch_lines.c.item_code, items.c.name_zh)
        )
    query = query.join(items, items.c.code == dispatch_lines.c.item_code).order_by(
        dispatch_lines.c.id
    )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["qty"] = int(row["qty"])
        row.setdefault("shortfall", None)
    return rows


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
