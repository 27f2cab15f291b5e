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

from server.dash.common import page, partial
from server.domain.bounds import Id
from server.domain.floor import Rejection
from server.domain.permissions import allowed
from server.domain.scope import Of, Own
from server.services import acceptance as acceptances
from server.services import stocktake_close
from server.storage import disposal_views
from server.storage.stocktake_views import (
    by_zone,
    counters,
    pending_acceptance,
    rounds,
    variances,
)
from server.web.deps import engine_of, now_of
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
    acceptance = pending_acceptance(engine, scope.depot)
    may_accept = allowed(user.role, "approve:acceptance")
    return {
        "adjustments": waiting,
        "acceptance": acceptance if may_accept else [],
        "reports_due": acceptances.reports_due(engine, scope.depot, now=now_of(request))
        if may_accept
        else [],
        "reasons": REASON_NAMES,
        "message": message,
        "proposals": disposal_views.waiting(engine, scope.depot),  # scrapping, rotation
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
        stocktake_close.approve(
            engine_of(request), scope.user.username, stocktake_id, now=now_of(request)
        )
    except Rejection as exc:
        return RedirectResponse(f"/approvals?refused={exc.reason}", status_code=303)
    return RedirectResponse(f"/approvals?done={stocktake_id}", status_code=303)
