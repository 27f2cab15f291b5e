"""Dispatch over HTTP: where an order's goods would come from (nearest first, then FIFO).
Dispatch orders, reservations and pick lists build on this."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select

from server import auth
from server.deps import engine_of, require_user
from server.fifo import Candidate, Site, allocate
from server.tables import batches, items, locations, stock, warehouses

router = APIRouter(prefix="/api/v1/dispatch", tags=["dispatch"])


class Destination(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AllocationIn(BaseModel):
    item: str = Field(description="item code")
    qty: int = Field(ge=1)
    destination: Destination


def candidates(engine: Engine, item: str) -> tuple[list[Site], list[Candidate]]:
    with engine.connect() as conn:
        sites = [
            Site(r.code, r.lat, r.lon)
            for r in conn.execute(
                select(warehouses.c.code, warehouses.c.lat, warehouses.c.lon).where(
                    warehouses.c.lat.is_not(None) & warehouses.c.lon.is_not(None)
                )
            )
        ]
        rows = conn.execute(
            select(
                stock.c.warehouse,
                locations.c.code,
                locations.c.walk_order,
                batches.c.id,
                batches.c.batch_no,
                batches.c.inbound_date,
                batches.c.prod_date,
                stock.c.qty,
                items.c.storage_years,
            )
            .join(locations, locations.c.id == stock.c.location_id)
            .join(batches, batches.c.id == stock.c.batch_id)
            .join(items, items.c.code == batches.c.item_code)
            .where(
                (stock.c.status == "available") & (stock.c.qty > 0) & (batches.c.item_code == item)
            )
        )
        found = [
            Candidate(
                r.warehouse,
                r.code,
                r.walk_order,
                r.id,
                r.batch_no,
                r.inbound_date or date.min,
                r.prod_date,
                r.qty,
                r.storage_years,
            )
            for r in rows
        ]
    return sites, found


@router.post("/allocation")
def preview_allocation(
    body: AllocationIn,
    request: Request,
    user: Annotated[auth.User, Depends(require_user("dispatch"))],
) -> dict[str, Any]:
    """Where the goods for an order would come from: nearest warehouse first (art. 15), FIFO
    inside it, overdue stock only after a passed re-inspection (art. 25(4))."""
    engine = engine_of(request)
    with engine.connect() as conn:
        if conn.execute(select(items.c.code).where(items.c.code == body.item)).first() is None:
            raise HTTPException(404, {"reason": "unknown_item", "detail": body.item})
    sites, found = candidates(engine, body.item)
    result = allocate(
        body.qty, (body.destination.lat, body.destination.lon), sites, found, date.today()
    )
    return {
        "item": body.item,
        "qty": body.qty,
        "allocated": result.allocated,
        "shortfall": result.shortfall,
        "takes": [
            {"warehouse": t.warehouse, "location": t.location, "batch": t.batch_no, "qty": t.qty}
            for t in result.takes
        ],
    }
