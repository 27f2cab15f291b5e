"""A loss on stock reserved for dispatch orders (an approved stocktake adjustment, art.
12(3)): the reservations give way and the orders are planned again.

The loss is booked from the stack's available stock first, then from its reserved stock. The
reservations on that stack give way newest first (the order planned last loses its claim
first); each order gets the quantity it lost planned again, nearest depot first and FIFO
(server.dispatch.reserve: from its own depot only when a depot planned it), and what nothing
can give is added to the line's shortfall. The person who planned the order is told
(server/notifications.py), and the audit trail records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select, update

from server.audit import record
from server.dispatch import Destination, DispatchDecisions, reserve
from server.notifications import tell
from server.tables import batches, dispatch_lines, dispatch_orders, locations, pick_lines


@dataclass(frozen=True, slots=True)
class Loss:
    """Reserved stock lost at one stack, and what booked the loss."""

    warehouse: str
    location_id: int
    batch_id: int
    qty: int
    basis: str  # e.g. "stocktake 12"


def release(conn: Connection, username: str, loss: Loss) -> list[str]:
    """Release `loss.qty` of the reservations on the stack and plan the orders again; the
    numbers of the orders concerned."""
    picks = conn.execute(
        select(
            pick_lines.c.id,
            pick_lines.c.order_id,
            pick_lines.c.line_id,
            pick_lines.c.qty,
            pick_lines.c.loaded,
            dispatch_orders.c.number,
            dispatch_orders.c.created_by,
            dispatch_orders.c.dest_lat,
            dispatch_orders.c.dest_lon,
            dispatch_orders.c.warehouse.label("depot"),
            dispatch_lines.c.item_code,
        )
        .join(dispatch_orders, dispatch_orders.c.id == pick_lines.c.order_id)
        .join(dispatch_lines, dispatch_lines.c.id == pick_lines.c.line_id)
        .where(
            (pick_lines.c.warehouse == loss.warehouse)
            & (pick_lines.c.location_id == loss.location_id)
            & (pick_lines.c.batch_id == loss.batch_id)
            & (pick_lines.c.qty > pick_lines.c.loaded)
            & (dispatch_orders.c.status == "open")
        )
        .order_by(pick_lines.c.id.desc())
        .with_for_update(of=pick_lines)
    ).all()
    stack = conn.execute(
        select(locations.c.code, batches.c.batch_no).where(
            (locations.c.id == loss.location_id) & (batches.c.id == loss.batch_id)
        )
    ).one()
    now = datetime.now(UTC)
    left, concerned = loss.qty, []
    for pick in picks:
        if left == 0:
            break
        give = min(left, int(pick.qty - pick.loaded))
        left -= give
        conn.execute(
            update(pick_lines).where(pick_lines.c.id == pick.id).values(qty=pick_lines.c.qty - give)
        )
        seq = conn.execute(
            select(func.coalesce(func.max(pick_lines.c.seq), 0)).where(
                pick_lines.c.order_id == pick.order_id
            )
        ).scalar_one()
        decided = DispatchDecisions(
            conn,
            username,
            now,
            pick.number,
            "replanned",
            {"order": pick.number, "lost": give, "basis": loss.basis},
        )
        plan = reserve(
            conn,
            pick.order_id,
            pick.line_id,
            pick.item_code,
            give,
            Destination(pick.dest_lat, pick.dest_lon, pick.depot),
            decided,
            int(seq),
        )
        if plan.shortfall:
            conn.execute(
                update(dispatch_lines)
                .where(dispatch_lines.c.id == pick.line_id)
                .values(shortfall=dispatch_lines.c.shortfall + plan.shortfall)
            )
        detail = {
            "order": pick.number,
            "basis": loss.basis,
            "location": stack.code,
            "item": pick.item_code,
            "batch": stack.batch_no,
            "lost": give,
            "replanned": [
                {
                    "warehouse": t.warehouse,
                    "location": t.location,
                    "batch": t.batch_no,
                    "qty": t.qty,
                }
                for t in plan.takes
            ],
            "shortfall": plan.shortfall,
        }
        tell(conn, pick.created_by, "reservation_lost", loss.warehouse, pick.order_id, detail)
        record(conn, username, "reservation_released", pick.number, depot=loss.warehouse, **detail)
        concerned.append(str(pick.number))
    return concerned
