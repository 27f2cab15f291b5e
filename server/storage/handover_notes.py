"""Read models of the handover screen: a depot's notes with their state, newest first, and
what an order has loaded at a depot (the lines a new note hands over)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.tables import (
    batches,
    dispatch_orders,
    handover_lines,
    handovers,
    items,
    locations,
    pick_lines,
    warehouses,
)

LIST_LIMIT = 100


def recent(
    engine: Engine, depot: str | None, state: str | None, limit: int = LIST_LIMIT
) -> list[dict[str, Any]]:
    """The newest notes (of one depot, if given; in one state, if given), each with its order
    and how many lines and how much it handed over. Along ix_handovers_warehouse."""
    notes = select(handovers).order_by(handovers.c.id.desc()).limit(limit)
    if depot is not None:
        notes = notes.where(handovers.c.warehouse == depot)
    if state is not None:
        notes = notes.where(handovers.c.state == state)
    picked = notes.subquery()
    totals = (
        select(
            handover_lines.c.handover_id,
            func.count().label("lines"),
            func.sum(handover_lines.c.qty).label("qty"),
            func.sum(handover_lines.c.received).label("received"),
        )
        .where(handover_lines.c.handover_id.in_(select(picked.c.id)))
        .group_by(handover_lines.c.handover_id)
        .subquery()
    )
    query = (
        select(
            picked,
            dispatch_orders.c.number.label("order_number"),
            dispatch_orders.c.destination,
            func.coalesce(totals.c.lines, 0).label("lines"),
            func.coalesce(totals.c.qty, 0).label("qty"),
            totals.c.received,
        )
        .join(dispatch_orders, dispatch_orders.c.id == picked.c.order_id)
        .outerjoin(totals, totals.c.handover_id == picked.c.id)
        .order_by(picked.c.id.desc())
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def loaded_at(engine: Engine, order_id: int, depot: str) -> list[dict[str, Any]]:
    """What the gateway has loaded of an order at a depot, line by line: what a note issued
    now hands over (server.services.handover.create_handover takes the same lines)."""
    query = (
        select(
            pick_lines.c.id,
            locations.c.code.label("location"),
            batches.c.item_code.label("item"),
            batches.c.batch_no.label("batch"),
            batches.c.inbound_date,
            pick_lines.c.qty,
            pick_lines.c.loaded,
            items.c.name_zh,
            items.c.name_en,
            items.c.spec,
            items.c.unit_zh,
        )
        .join(locations, locations.c.id == pick_lines.c.location_id)
        .join(batches, batches.c.id == pick_lines.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(
            (pick_lines.c.order_id == order_id)
            & (pick_lines.c.warehouse == depot)
            & (pick_lines.c.loaded > 0)
        )
        .order_by(pick_lines.c.seq)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def order_of(engine: Engine, order_id: int) -> dict[str, Any] | None:
    """An order's heading and the depots that have loaded some of it (code and name)."""
    with engine.connect() as conn:
        order = conn.execute(
            select(
                dispatch_orders.c.id,
                dispatch_orders.c.number,
                dispatch_orders.c.kind,
                dispatch_orders.c.destination,
                dispatch_orders.c.status,
            ).where(dispatch_orders.c.id == order_id)
        ).first()
        if order is None:
            return None
        depots = conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh)
            .where(
                warehouses.c.code.in_(
                    select(pick_lines.c.warehouse)
                    .where((pick_lines.c.order_id == order_id) & (pick_lines.c.loaded > 0))
                    .distinct()
                )
            )
            .order_by(warehouses.c.code)
        ).all()
    return {**order._asdict(), "depots": [(d.code, f"{d.code} {d.name_zh}") for d in depots]}
