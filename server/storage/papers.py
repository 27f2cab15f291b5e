"""Read models of the printed papers (server.web.papers): an acceptance decision with what
its record prints, and the stacks a warehouse's bin cards are made for."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.tables import (
    approvals,
    batches,
    item_gtins,
    items,
    locations,
    stock,
    warehouses,
)

CARDS = 2000  # bin cards in one PDF at most


def acceptance(
    engine: Engine, approval_id: int
) -> tuple[Any, dict[str, Any], Any, Any, int | None] | None:
    """An acceptance decision, its details, its item, its depot and the batch's unit price
    (None: the catalogue's), or None if there is no such acceptance decision."""
    with engine.connect() as conn:
        row = conn.execute(
            select(approvals).where(
                (approvals.c.id == approval_id) & (approvals.c.kind == "acceptance")
            )
        ).first()
        if row is None:
            return None
        payload = json.loads(row.payload)
        item = conn.execute(select(items).where(items.c.code == payload["item"])).one()
        depot = conn.execute(select(warehouses).where(warehouses.c.code == row.warehouse)).one()
        price = conn.execute(
            select(batches.c.unit_price_cents).where(
                (batches.c.item_code == payload["item"]) & (batches.c.batch_no == payload["batch"])
            )
        ).scalar_one_or_none()
    return row, payload, item, depot, price


def stacks(engine: Engine, depot: str, location: str | None, zone: str | None) -> list[Any]:
    """The storage stacks of a depot (a zone's, or one location's) with what each holds, in
    walk order: one bin card each."""
    gtin = (
        select(func.min(item_gtins.c.gtin))
        .where(item_gtins.c.item_code == items.c.code)
        .scalar_subquery()
    )
    card = (  # what a card prints of its stack: grouped by, and shown
        items.c.name_zh,
        items.c.spec,
        items.c.unit_zh,
        items.c.storage_years,
        batches.c.batch_no,
        batches.c.manufacturer,
        batches.c.prod_date,
        batches.c.inbound_date,
    )
    query = (
        select(
            locations.c.code.label("location"),
            *card,
            gtin.label("gtin"),
            func.sum(stock.c.qty).label("qty"),
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where((stock.c.warehouse == depot) & (stock.c.qty > 0) & (locations.c.kind == "storage"))
        .group_by(locations.c.code, locations.c.walk_order, items.c.code, *card)
        .order_by(locations.c.walk_order, batches.c.batch_no)
    )
    if location:
        query = query.where(locations.c.code == location)
    if zone:
        query = query.where(locations.c.zone == zone)
    with engine.connect() as conn:
        return list(conn.execute(query.limit(CARDS)).all())
