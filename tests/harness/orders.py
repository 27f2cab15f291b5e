"""Dispatch orders for tests that need goods to leave: goods leave the ledger only against
an order's pick line (server.domain.basis), so a test that loads first makes an order here."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from demo.exampledata import ExampleDepot
from server.services.dispatch import OrderLine, OrderRequest, create_order
from server.storage.tables import batches, dispatch_orders, locations, pick_lines

_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Pick:
    """A pick line: where the order's goods are reserved, and how many."""

    warehouse: str
    location: str
    batch: str
    qty: int


def dispatch(
    engine: Engine, example: ExampleDepot, item: str, qty: int, number: str | None = None
) -> tuple[str, list[Pick]]:
    """An order near LC01 for `qty` of `item`, reserved FIFO; its number and pick lines."""
    number = number or f"T-{uuid.uuid4().hex[:8]}-{next(_numbers)}"
    lc01 = next(w for w in example.warehouses if w.code == "LC01")
    request = OrderRequest(
        number, "request", "测试通知", "安置点", lc01.lat, lc01.lon, (OrderLine(item, qty),)
    )
    order_id = create_order(engine, "admin", request, now=datetime.now(UTC))
    return number, picks_of(engine, order_id)


def picks_of(engine: Engine, order_id: int) -> list[Pick]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(pick_lines.c.warehouse, locations.c.code, batches.c.batch_no, pick_lines.c.qty)
            .join(locations, locations.c.id == pick_lines.c.location_id)
            .join(batches, batches.c.id == pick_lines.c.batch_id)
            .where(pick_lines.c.order_id == order_id)
            .order_by(pick_lines.c.seq)
        )
        return [Pick(*r) for r in rows]


def order_id(engine: Engine, number: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(dispatch_orders.c.id).where(dispatch_orders.c.number == number)
            ).scalar_one()
        )


def loading(
    number: str, pick: Pick, gtin: str, qty: int | None = None, **extra: Any
) -> dict[str, Any]:
    """A loading event against a pick line (all of it, unless `qty`)."""
    return {
        "event_id": str(uuid.uuid4()),
        "type": "loading",
        "warehouse": pick.warehouse,
        "occurred_at": "2026-11-23T10:00:00+08:00",
        "device": f"{pick.warehouse}-D01-FIX1",
        "order": number,
        "from_location": pick.location,
        "gtin": gtin,
        "batch": pick.batch,
        "qty": pick.qty if qty is None else qty,
        **extra,
    }


def order_body(stocked: dict[str, Any], number: str, qty: int, **extra: Any) -> dict[str, Any]:
    """The JSON of POST /api/v1/dispatch/orders: one line of `stocked["item"]`, on request, to
    a shelter at `stocked["near"]` (lat, lon); `extra` fields added or replaced."""
    return {
        "number": number,
        "kind": "request",
        "basis": f"绵应急调〔2026〕{number}号",
        "destination": "北川县安置点",
        **stocked["near"],
        "lines": [{"item": stocked["item"].code, "qty": qty}],
        **extra,
    }
