"""Read models of dispatch orders: an order's pick lines, the call behind an order a depot made
while it was cut off, and a handover note with what it hands over (the note's page and its
PDF read the same)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, select

from server.domain.depot_time import utc
from server.storage.tables import (
    batches,
    depot_phone_orders,
    dispatch_orders,
    handover_lines,
    handovers,
    items,
    locations,
    pick_lines,
    warehouses,
)


def made_at_depot(conn: Connection, order_id: int) -> dict[str, Any] | None:
    """The call behind an order a depot made on a phone order while it could not reach the
    centre (server/services/depot_orders.py), or None for any other order."""
    row = conn.execute(
        select(depot_phone_orders).where(depot_phone_orders.c.order_id == order_id)
    ).first()
    if row is None:
        return None
    return {
        "depot": row.warehouse,
        "caller": {"name": row.caller_name, "unit": row.caller_unit, "phone": row.caller_phone},
        "notice": row.notice,
        "recorded_by": row.recorded_by,
        "recorded_at": utc(row.recorded_at).isoformat(),
        "received_at": utc(row.received_at).isoformat(),
    }


def pick_list_query() -> Any:
    return (
        select(
            pick_lines.c.id,
            pick_lines.c.warehouse,
            pick_lines.c.seq,
            locations.c.code.label("location"),
            batches.c.item_code.label("item"),
            batches.c.batch_no.label("batch"),
            batches.c.inbound_date,
            pick_lines.c.qty,
            pick_lines.c.loaded,
            dispatch_orders.c.number.label("order"),
        )
        .join(locations, locations.c.id == pick_lines.c.location_id)
        .join(batches, batches.c.id == pick_lines.c.batch_id)
        .join(dispatch_orders, dispatch_orders.c.id == pick_lines.c.order_id)
        .order_by(pick_lines.c.order_id, pick_lines.c.seq)
    )


class HandoverView(NamedTuple):
    note: Any
    order: Any
    shipper: str  # the depot's name
    lines: list[dict[str, Any]]  # what it loaded of the order, with the items' names


def handover_note(engine: Engine, number: str) -> HandoverView | None:
    """A handover note by its number and what it hands over, or None."""
    with engine.connect() as conn:
        note = conn.execute(select(handovers).where(handovers.c.number == number)).first()
        if note is None:
            return None
        order = conn.execute(
            select(dispatch_orders).where(dispatch_orders.c.id == note.order_id)
        ).one()
        shipper = conn.execute(
            select(warehouses.c.name_zh).where(warehouses.c.code == note.warehouse)
        ).scalar_one()
        lines = [  # what the note handed over (as loaded when it was issued)
            dict(r)
            for r in conn.execute(
                select(
                    handover_lines.c.id,
                    pick_lines.c.warehouse,
                    locations.c.code.label("location"),
                    batches.c.item_code.label("item"),
                    batches.c.batch_no.label("batch"),
                    batches.c.inbound_date,
                    handover_lines.c.qty.label("loaded"),
                    handover_lines.c.received,
                    handover_lines.c.discrepancy,
                    items.c.name_zh,
                    items.c.name_en,
                    items.c.spec,
                    items.c.unit_zh,
                )
                .select_from(handover_lines)
                .join(pick_lines, pick_lines.c.id == handover_lines.c.pick_line_id)
                .join(locations, locations.c.id == pick_lines.c.location_id)
                .join(batches, batches.c.id == pick_lines.c.batch_id)
                .join(items, items.c.code == batches.c.item_code)
                .where(handover_lines.c.handover_id == note.id)
                .order_by(handover_lines.c.id)
            ).mappings()
        ]
    return HandoverView(note, order, shipper, lines)
