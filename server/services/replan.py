"""A loss on stock reserved for dispatch orders (an approved stocktake adjustment, art.
12(3)), or stock a depot shipped on a phone order while it was cut off from the centre
(server/services/depot_orders.py): the reservations give way and the orders are planned
again.

The loss is booked from the stack's available stock first; what that cannot cover is
reserved stock lost. The reservations on that stack give way newest first (the order planned
last loses its claim first): `release` posts reserved -> available on the adjustment's
approval and the order's number (server.domain.basis: release) and shortens the pick line, the
adjustment then books the loss from available stock, and `replan` reserves what each order
lost again, nearest depot first and FIFO (server.services.dispatch.reserve: from its own depot only
when a depot planned it), adding what nothing can give to the line's shortfall. The person
who planned the order is told (server/services/notifications.py), and the audit trail records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, select, update

from server.domain.basis import Kind, on_decision
from server.services.allocation import Destination
from server.services.audit import record
from server.services.dispatch import DispatchDecisions, reserve
from server.services.ledger import Posting, post
from server.services.notifications import tell
from server.storage.tables import (
    batches,
    depot_phone_orders,
    dispatch_lines,
    dispatch_orders,
    locations,
    pick_lines,
)


@dataclass(frozen=True, slots=True)
class Loss:
    """Reserved stock lost at one stack, and what booked the loss."""

    warehouse: str
    location_id: int
    batch_id: int
    qty: int
    basis: str  # e.g. "stocktake 12"
    told: str = "reservation_lost"  # what the planner is told (server/services/notifications.py)


@dataclass(frozen=True, slots=True)
class Released:
    """What one order's reservation gave way at a lost stack, to be planned again."""

    loss: Loss
    order_id: int
    number: str
    line_id: int
    item: str
    planner: str
    destination: Destination
    qty: int
    location: str
    batch: str


def release(
    conn: Connection, username: str, loss: Loss, approval_id: int, now: datetime
) -> list[Released]:
    """Release `loss.qty` of the reservations on the stack (newest first) on the approval
    `approval_id`: reserved -> available, and the pick lines shortened. An order a depot
    made while cut off never gives way: it planned what the depot shipped
    (server/services/depot_orders.py)."""
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
            dispatch_orders.c.requesting_level,
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
            & ~exists().where(depot_phone_orders.c.order_id == pick_lines.c.order_id)
        )
        .order_by(pick_lines.c.id.desc())
        .with_for_update(of=pick_lines)
    ).all()
    stack = conn.execute(
        select(locations.c.code, batches.c.batch_no).where(
            (locations.c.id == loss.location_id) & (batches.c.id == loss.batch_id)
        )
    ).one()
    left, released = loss.qty, []
    for pick in picks:
        if left == 0:
            break
        give = min(left, int(pick.qty - pick.loaded))
        left -= give
        basis = on_decision(Kind.RELEASE, approval_id, pick.number)
        post(
            conn,
            [
                Posting(loss.warehouse, loss.location_id, loss.batch_id, s, q, username, basis)
                for s, q in (("reserved", -give), ("available", give))
            ],
            now=now,
        )
        conn.execute(
            update(pick_lines).where(pick_lines.c.id == pick.id).values(qty=pick_lines.c.qty - give)
        )
        released.append(
            Released(
                loss,
                int(pick.order_id),
                str(pick.number),
                int(pick.line_id),
                str(pick.item_code),
                str(pick.created_by),
                Destination(pick.dest_lat, pick.dest_lon, pick.depot, level=pick.requesting_level),
                give,
                str(stack.code),
                str(stack.batch_no),
            )
        )
    return released


def replan(conn: Connection, username: str, released: list[Released], now: datetime) -> list[str]:
    """Reserve again what each order lost, tell its planner; the numbers of the orders."""
    for r in released:
        seq = conn.execute(
            select(func.coalesce(func.max(pick_lines.c.seq), 0)).where(
                pick_lines.c.order_id == r.order_id
            )
        ).scalar_one()
        decided = DispatchDecisions(
            conn,
            username,
            now,
            r.number,
            Kind.RESERVATION,
            {"order": r.number, "replanned": r.qty, "basis": r.loss.basis},
        )
        plan = reserve(conn, r.order_id, r.line_id, r.item, r.qty, r.destination, decided, int(seq))
        if plan.shortfall:
            conn.execute(
                update(dispatch_lines)
                .where(dispatch_lines.c.id == r.line_id)
                .values(shortfall=dispatch_lines.c.shortfall + plan.shortfall)
            )
        detail: dict[str, Any] = {
            "order": r.number,
            "basis": r.loss.basis,
            "location": r.location,
            "item": r.item,
            "batch": r.batch,
            "lost": r.qty,
            "replanned": [
                {
                    "warehouse": x.warehouse,
                    "location": x.location,
                    "batch": x.batch_no,
                    "qty": x.qty,
                }
                for x in plan.takes
            ],
            "shortfall": plan.shortfall,
        }
        tell(conn, r.planner, r.loss.told, r.loss.warehouse, r.order_id, detail, now=now)
        record(
            conn,
            username,
            "reservation_released",
            r.number,
            depot=r.loss.warehouse,
            **detail,
            now=now,
        )
    return [r.number for r in released]
