"""A handover note (annex 2) a depot printed at its gateway for an order it made while cut off
from the centre, taken by the centre after the loads it hands over
(`POST /api/v1/gateway/handovers`). Its number is JJ-<order>-<depot>-G<n>
(kernel/phone_order_numbers.py): the centre's own notes of the order have no G. It is kept as
the centre keeps its own notes (server/services/handover.py), and the receiver confirms it the
same way. Each stack once, none above what the order planned there; the same note sent again
is a duplicate, another under its number is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from kernel.phone_order_numbers import note_made_by
from server.domain.floor import Rejection
from server.services.depot_orders import Pick, depot_person, stack_of
from server.services.handover import Handover, add_handover
from server.storage.tables import (
    depot_phone_orders,
    dispatch_orders,
    handover_lines,
    handovers,
    pick_lines,
)


@dataclass(frozen=True, slots=True)
class NoteLine:
    location: str
    item: str
    batch: str
    qty: int


@dataclass(frozen=True, slots=True)
class DepotNote:
    """A handover note as the depot's gateway sends it."""

    number: str
    order: str
    transport: Handover
    lines: tuple[NoteLine, ...]
    made_by: str
    made_at: datetime


def take_handover(engine: Engine, depot: str, note: DepotNote, now: datetime) -> bool:
    """Keep a handover note the depot made for an order it made; False when the same note
    was sent and kept before. Each stack once, none above what the order planned there."""
    if not note_made_by(note.number, note.order, depot):
        raise Rejection("bad_number", f"{note.number} is not a note number depot {depot} makes")
    if len({(x.location, x.item, x.batch) for x in note.lines}) != len(note.lines):
        raise Rejection("bad_lines", "each stack is on the note once")
    with engine.begin() as conn:
        order = conn.execute(
            select(dispatch_orders.c.id)
            .join(depot_phone_orders, depot_phone_orders.c.order_id == dispatch_orders.c.id)
            .where(
                (dispatch_orders.c.number == note.order) & (depot_phone_orders.c.warehouse == depot)
            )
        ).scalar_one_or_none()
        if order is None:
            raise Rejection("unknown_order", f"depot {depot} made no order {note.order}")
        lines = [(_pick_line(conn, order, depot, x), x.qty) for x in note.lines]
        kept = conn.execute(select(handovers).where(handovers.c.number == note.number)).first()
        if kept is not None:
            if _same_note(conn, kept, order, depot, note.transport, lines):
                return False
            raise Rejection("duplicate_number", f"handover note {note.number} already exists")
        by = depot_person(conn, depot, note.made_by)
        add_handover(conn, by, order, depot, note.number, note.transport, lines, note.made_at, now)
    return True


def _same_note(
    conn: Connection,
    kept: Any,
    order: int,
    depot: str,
    transport: Handover,
    lines: list[tuple[int, int]],
) -> bool:
    """Whether the note kept under a number is the one sent again."""
    handed = conn.execute(
        select(handover_lines.c.pick_line_id, handover_lines.c.qty).where(
            handover_lines.c.handover_id == kept.id
        )
    ).all()
    said = Handover(kept.carrier, kept.driver, kept.phone, kept.plate, kept.receiver)
    return (kept.order_id, kept.warehouse, said) == (order, depot, transport) and sorted(
        (int(i), int(q)) for i, q in handed
    ) == sorted(lines)


def _pick_line(conn: Connection, order_id: int, depot: str, line: NoteLine) -> int:
    where, batch = stack_of(conn, depot, Pick(line.item, line.location, line.batch, line.qty))
    found = conn.execute(
        select(pick_lines.c.id, pick_lines.c.qty)
        .where(
            (pick_lines.c.order_id == order_id)
            & (pick_lines.c.warehouse == depot)
            & (pick_lines.c.location_id == where)
            & (pick_lines.c.batch_id == batch)
        )
        .order_by(pick_lines.c.seq)
    ).first()
    if found is None:
        raise Rejection(
            "not_on_pick_list", f"the order has no line for {line.batch} at {line.location}"
        )
    if line.qty > found.qty:
        raise Rejection(
            "over_pick_list",
            f"{line.qty} of {line.batch} at {line.location}: the order planned {found.qty} there",
        )
    return int(found.id)
