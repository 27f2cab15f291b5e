"""The printable papers over HTTP: acceptance records and bin cards as PDF."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from server.domain import depot_time
from server.domain.bounds import Code, Filter, Id, Line
from server.domain.scope import Named, Of
from server.storage.tables import (
    approvals,
    batches,
    item_gtins,
    items,
    locations,
    stock,
    warehouses,
)
from server.web import printing
from server.web.deps import engine_of
from server.web.downloads import download
from server.web.errors import PDF, answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1", tags=["papers"], responses=answers(401, 403, 404, 422))


@router.get("/acceptances/{approval_id}/form.pdf", response_class=Response, responses=PDF)
def acceptance_form(
    approval_id: Id,
    request: Request,
    scope: Annotated[Scope, person("read", Of("approval", "approval_id"))],
) -> Response:
    """The acceptance record of annex 1 (入库验收单) for one decision."""
    with engine_of(request).connect() as conn:
        row = conn.execute(
            select(approvals).where(
                (approvals.c.id == approval_id) & (approvals.c.kind == "acceptance")
            )
        ).first()
        if row is None:
            raise HTTPException(404, "no such acceptance decision")
        payload = json.loads(row.payload)
        item = conn.execute(select(items).where(items.c.code == payload["item"])).one()
        depot = conn.execute(select(warehouses).where(warehouses.c.code == row.warehouse)).one()
        price = conn.execute(
            select(batches.c.unit_price_cents).where(
                (batches.c.item_code == payload["item"]) & (batches.c.batch_no == payload["batch"])
            )
        ).scalar_one_or_none()
    inspection = payload["inspection"]
    quality, decision = printing.acceptance_verdict(row.decision, inspection.get("quality_report"))
    form = printing.AcceptanceForm(
        record_no=row.reference or f"#{row.id}",
        storage_centre=depot.name_zh,
        supplier=payload.get("supplier") or "—",
        place=f"{depot.name_zh} {payload['location']}",
        decided_on=depot_time.local_date(row.decided_at),
        item=f"{item.name_zh}（批次 {payload['batch']}）",
        spec=item.spec,
        qty=payload["qty"],
        unit=item.unit_zh,
        price_cents=price if price is not None else item.unit_price_cents,
        inspection=f"抽样 {inspection['sampled']}；检验人 {'、'.join(inspection['inspectors'])}"
        if inspection.get("inspectors")
        else f"抽样 {inspection['sampled']}",
        quality_report=quality,
        decision=decision,
        decided_by=row.decided_by,
    )
    return download(printing.acceptance_pdf(form), f"acceptance-{approval_id}", "pdf")


@router.get("/bin-cards.pdf", response_class=Response, responses=PDF)
def bin_cards(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Code,
    location: Filter | None = None,
    zone: Filter | None = None,
    keeper: Filter | None = None,
    head: Line = "",
) -> Response:
    """Bin cards (annex 3, 标识牌) for the stacks of a warehouse, a zone or one location."""
    depot = scope.named
    gtin = (
        select(func.min(item_gtins.c.gtin))
        .where(item_gtins.c.item_code == items.c.code)
        .scalar_subquery()
    )
    query = (
        select(
            locations.c.code.label("location"),
            items.c.name_zh,
            items.c.spec,
            items.c.unit_zh,
            items.c.storage_years,
            batches.c.batch_no,
            batches.c.manufacturer,
            batches.c.prod_date,
            batches.c.inbound_date,
            gtin.label("gtin"),
            func.sum(stock.c.qty).label("qty"),
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where((stock.c.warehouse == depot) & (stock.c.qty > 0) & (locations.c.kind == "storage"))
        .group_by(
            locations.c.code,
            locations.c.walk_order,
            items.c.code,
            items.c.name_zh,
            items.c.spec,
            items.c.unit_zh,
            items.c.storage_years,
            batches.c.batch_no,
            batches.c.manufacturer,
            batches.c.prod_date,
            batches.c.inbound_date,
        )
        .order_by(locations.c.walk_order, batches.c.batch_no)
    )
    if location:
        query = query.where(locations.c.code == location)
    if zone:
        query = query.where(locations.c.zone == zone)
    with engine_of(request).connect() as conn:
        rows = conn.execute(query.limit(2000)).all()
    if not rows:
        raise HTTPException(404, "no stock there to make cards for")
    cards = [
        printing.BinCard(
            item=r.name_zh,
            location=r.location,
            manufacturer=r.manufacturer or "—",
            spec=r.spec,
            qty=int(r.qty),
            unit=r.unit_zh,
            prod_date=r.prod_date,
            inbound_date=r.inbound_date,
            storage_years=r.storage_years,
            keeper=keeper or scope.user.display_name,
            code=printing.gs1_batch_code(r.gtin, r.batch_no, r.prod_date),
        )
        for r in rows
    ]
    return download(printing.bin_cards_pdf(cards, head), f"bin-cards-{depot}", "pdf")
