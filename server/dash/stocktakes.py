"""Stocktakes (盘点) and the approvals inbox (审批).

The stocktakes page shows each round's progress by zone, its variances and the discrepancies
still to work through (a reason code per variance); counting stays blind, so the ledger's
quantities are for the roles that run stocktakes and for auditors. The approvals inbox lists
what waits for the looking person's decision: stocktake adjustments (never one's own count or
close: server/domain/duties.py, enforced by server/services/stocktake.py), goods waiting for
acceptance, and the acceptance reports due to the commission with their 10-working-day clock (art.
8).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, case, func, select

from server.dash.common import page, partial
from server.domain.bounds import Id
from server.domain.floor import Rejection
from server.domain.permissions import allowed
from server.domain.scope import Of, Own
from server.services import acceptance as acceptances
from server.services import stocktake_close
from server.storage.tables import (
    batches,
    items,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktakes,
)
from server.web.deps import engine_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
REASON_NAMES = {
    "miscount": ("点数错误", "miscount"),
    "damaged": ("损坏", "damaged"),
    "misplaced": ("放错位置", "misplaced"),
    "unrecorded_issue": ("出库未记账", "issue not recorded"),
    "unrecorded_receipt": ("入库未记账", "receipt not recorded"),
    "card_error": ("账卡错误", "bin card wrong"),
    "theft_or_loss": ("丢失", "theft or loss"),
    "other": ("其他", "other"),
    # why a line was not counted
    "inaccessible": ("未盘：无法到达", "not counted: inaccessible"),
    "sealed": ("未盘：封存待查", "not counted: sealed"),
    "hazard": ("未盘：安全隐患", "not counted: hazard"),
    "in_use": ("未盘：作业中", "not counted: in use"),
}
STATES = {
    "counting": ("盘点中", "counting"),
    "closed": ("待审批", "awaiting approval"),
    "adjusted": ("已调账", "adjusted"),
}


def rounds(
    engine: Engine, warehouse: str | None, limit: int | None = 30, status: str | None = None
) -> list[dict[str, Any]]:
    """Stocktakes, newest first, with their lines' states summed."""
    lines = stocktake_lines.c
    query = (
        select(
            stocktakes,
            func.count(lines.location_id).label("lines"),
            func.sum(case((lines.counted.is_not(None), 1), else_=0)).label("counted"),
            func.sum(case((lines.state == "variance", 1), else_=0)).label("variances"),
            func.sum(case((lines.state == "recount", 1), else_=0)).label("recounts"),
            func.sum(
                case(((lines.state == "variance") & lines.reason.is_(None), 1), else_=0)
            ).label("open_reasons"),
        )
        .outerjoin(stocktake_lines, lines.stocktake_id == stocktakes.c.id)
        .group_by(*stocktakes.c)
        .order_by(stocktakes.c.id.desc())
        .limit(limit)
    )
    if warehouse:
        query = query.where(stocktakes.c.warehouse == warehouse)
    if status:
        query = query.where(stocktakes.c.status == status)
    with engine.connect() as conn:
        return [{k: (v or 0) if k in ("counted", "variances", "recounts", "open_reasons") else v
                 for k, v in dict(r).items()} for r in conn.execute(query).mappings()]  # fmt: skip


def variances(engine: Engine, stocktake_id: int, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(
            stocktake_lines,
            locations.c.code.label("location"),
            locations.c.zone,
            items.c.name_zh,
            items.c.name_en,
            batches.c.batch_no,
        )
        .join(locations, locations.c.id == stocktake_lines.c.location_id)
        .join(batches, batches.c.id == stocktake_lines.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(
            (stocktake_lines.c.stocktake_id == stocktake_id)
            & (stocktake_lines.c.state.in_(("variance", "recount", "not_counted")))
        )
        .order_by(locations.c.walk_order)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def counters(engine: Engine, stocktake_id: int) -> list[str]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                select(stocktake_counts.c.counted_by.distinct()).where(
                    stocktake_counts.c.stocktake_id == stocktake_id
                )
            ).scalars()
        )


def by_zone(engine: Engine, stocktake_id: int) -> list[dict[str, Any]]:
    lines = stocktake_lines.c
    query = (
        select(
            locations.c.zone,
            func.count().label("lines"),
            func.sum(case((lines.counted.is_not(None), 1), else_=0)).label("counted"),
            func.sum(case((lines.state == "variance", 1), else_=0)).label("variances"),
        )
        .join(locations, locations.c.id == lines.location_id)
        .where(lines.stocktake_id == stocktake_id)
        .group_by(locations.c.zone)
        .order_by(locations.c.zone)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def stocktake_values(request: Request, scope: Scope) -> dict[str, Any]:
    engine, user = engine_of(request), scope.user
    takes = rounds(engine, scope.depot)
    sees_ledger = allowed(user.role, "stocktake") or user.role == "auditor"
    for take in takes:
        take["zones"] = by_zone(engine, take["id"])
        take["problems"] = variances(engine, take["id"]) if sees_ledger else []
    return {"takes": takes, "sees_ledger": sees_ledger, "states": STATES, "reasons": REASON_NAMES}


def inbox_values(request: Request, scope: Scope, message: str | None = None) -> dict[str, Any]:
    engine, user = engine_of(request), scope.user
    waiting = rounds(engine, scope.depot, limit=None, status="closed")  # every one waiting
    for take in waiting:
        take["counters"] = counters(engine, take["id"])
        take["problems"] = variances(engine, take["id"])
        take["mine"] = user.username in take["counters"] or user.username == take["closed_by"]
    with engine.connect() as conn:
        query = (
            select(
                stock.c.warehouse, func.count(stock.c.batch_id.distinct()), func.sum(stock.c.qty)
            )
            .where((stock.c.status == "pending_acceptance") & (stock.c.qty > 0))
            .group_by(stock.c.warehouse)
        )
        if scope.depot:
            query = query.where(stock.c.warehouse == scope.depot)
        acceptance = [
            {"warehouse": w, "batches": int(n), "qty": int(q)} for w, n, q in conn.execute(query)
        ]
    may_accept = allowed(user.role, "approve:acceptance")
    return {
        "adjustments": waiting,
        "acceptance": acceptance if may_accept else [],
        "reports_due": acceptances.reports_due(engine, scope.depot) if may_accept else [],
        "reasons": REASON_NAMES,
        "message": message,
    }


@router.get("/stocktakes", response_class=HTMLResponse)
def stocktake_page(request: Request, scope: Annotated[Scope, screen("read", Own())]) -> Response:
    return page(request, "dash/stocktakes.html", scope.user, **stocktake_values(request, scope))


@router.get("/partials/stocktakes", response_class=HTMLResponse)
def stocktake_partial(request: Request, scope: Annotated[Scope, screen("read", Own())]) -> Response:
    return partial(request, "dash/stocktakes_live.html", **stocktake_values(request, scope))


@router.get("/approvals", response_class=HTMLResponse)
def inbox(
    request: Request,
    scope: Annotated[Scope, screen("approve", Own())],
    done: str | None = None,
    refused: str | None = None,
) -> Response:
    message = refused or (f"approved:{done}" if done else None)
    values = inbox_values(request, scope, message)
    return page(request, "dash/approvals.html", scope.user, **values)


@router.get("/partials/approvals", response_class=HTMLResponse)
def inbox_partial(request: Request, scope: Annotated[Scope, screen("approve", Own())]) -> Response:
    return partial(request, "dash/approvals_live.html", **inbox_values(request, scope))


@router.post("/approvals/stocktakes/{stocktake_id}")
def approve_adjustment(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen("approve", Of("stocktake", "stocktake_id"))],
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Approve a closed stocktake's adjustments; the domain refuses one's own count."""
    if confirm != "yes":
        return RedirectResponse("/approvals?refused=unconfirmed", status_code=303)
    try:
        stocktake_close.approve(engine_of(request), scope.user.username, stocktake_id)
    except Rejection as exc:
        return RedirectResponse(f"/approvals?refused={exc.reason}", status_code=303)
    return RedirectResponse(f"/approvals?done={stocktake_id}", status_code=303)
