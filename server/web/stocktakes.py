"""Stocktakes over HTTP. Counters see only what they counted (blind counts); supervisors
open, mark lines not counted, close, give reasons and approve (never their own close or
count); auditors read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from server.domain.bounds import Code, Count, Id, Reason, Ref
from server.domain.permissions import allowed
from server.domain.scope import Named, Of
from server.services import stocktake, stocktake_close
from server.storage import stocktake_views
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, person

router = APIRouter(
    prefix="/api/v1/stocktakes", tags=["stocktakes"], responses=answers(401, 403, 404, 409, 422)
)


class StocktakeIn(BaseModel):
    warehouse: Code
    zone: Code | None = None
    tolerance: Count = Field(0, description="|variance| above this asks for a recount")


class CountIn(BaseModel):
    location: Ref
    item: Code
    batch: Code
    counted: Count
    card: Count | None = Field(None, description="the quantity on the stack's bin card")
    round: int = Field(1, ge=1, le=2)


class CountsIn(BaseModel):
    counts: list[CountIn] = Field(max_length=5000)


class SkipIn(BaseModel):
    location: Ref
    item: Code
    batch: Code
    reason: str = Field(pattern=f"^({'|'.join(stocktake.NOT_COUNTED_REASONS)})$")
    note: Reason | None = None


class SkipsIn(BaseModel):
    lines: list[SkipIn] = Field(min_length=1, max_length=5000)


class ReasonIn(BaseModel):
    location: Ref
    item: Code
    batch: Code
    reason: Code


THE_STOCKTAKE = Of("stocktake", "stocktake_id")


@router.post("", status_code=201)
def open_one(
    body: StocktakeIn,
    request: Request,
    scope: Annotated[Scope, person("stocktake", Named("warehouse", "body"))],
) -> dict[str, Any]:
    new_id = stocktake.open_stocktake(
        engine_of(request),
        scope.user.username,
        scope.named,
        body.zone,
        body.tolerance,
        now_of(request),
    )
    return {"id": new_id, "status": "counting"}


@router.post("/{stocktake_id}/counts", status_code=201)
def add_counts(
    stocktake_id: Id,
    body: CountsIn,
    request: Request,
    scope: Annotated[Scope, person("count", THE_STOCKTAKE)],
) -> dict[str, Any]:
    counts = [
        stocktake.Count(c.location, c.item, c.batch, c.counted, c.card, c.round)
        for c in body.counts
    ]
    n = stocktake.record_counts(
        engine_of(request), scope.user.username, stocktake_id, counts, now_of(request)
    )
    return {"recorded": n}


@router.post("/{stocktake_id}/close")
def close_one(
    stocktake_id: Id,
    request: Request,
    scope: Annotated[Scope, person("stocktake", THE_STOCKTAKE)],
) -> dict[str, Any]:
    """Compute every line; refused (409 lines_not_counted) while a line is neither counted
    nor marked not counted. The answer names the lines not counted, with their reasons."""
    engine = engine_of(request)
    summary = stocktake_close.close(engine, scope.user.username, stocktake_id, now_of(request))
    with engine.connect() as conn:
        skipped = stocktake.not_counted_lines(conn, stocktake_id)
    return {
        "status": "counting" if summary.recounts else "closed",
        **asdict(summary),
        "not_counted_lines": skipped,
    }


@router.post("/{stocktake_id}/not-counted")
def mark_not_counted(
    stocktake_id: Id,
    body: SkipsIn,
    request: Request,
    scope: Annotated[Scope, person("stocktake", THE_STOCKTAKE)],
) -> dict[str, Any]:
    """Mark lines that will not be counted, each with its reason (inaccessible, sealed,
    hazard, in_use, other) and a note; a stocktake closes only when every line is counted or
    marked."""
    marked = stocktake.mark_not_counted(
        engine_of(request),
        scope.user.username,
        stocktake_id,
        [stocktake.Skip(x.location, x.item, x.batch, x.reason, x.note) for x in body.lines],
        now_of(request),
    )
    return {"marked": marked}


@router.get("/{stocktake_id}")
def show(
    stocktake_id: Id,
    request: Request,
    scope: Annotated[Scope, person("read", THE_STOCKTAKE)],
    problems_only: bool = True,
) -> dict[str, Any]:
    """A stocktake and its lines; the ledger's quantities only for those who may see them."""
    if not allowed(scope.user.role, "see:variances"):
        raise HTTPException(403, "counters see their counts, not the ledger (blind count)")
    take, lines = stocktake_views.with_lines(engine_of(request), stocktake_id, problems_only)
    for line in lines:
        line.pop("location_id"), line.pop("batch_id"), line.pop("stocktake_id")
    return {
        "id": take.id,
        "warehouse": take.warehouse,
        "zone": take.zone,
        "status": take.status,
        "tolerance": take.tolerance,
        "lines": lines,
    }


@router.post("/{stocktake_id}/reasons")
def give_reason(
    stocktake_id: Id,
    body: ReasonIn,
    request: Request,
    scope: Annotated[Scope, person("stocktake", THE_STOCKTAKE)],
) -> dict[str, str]:
    stocktake.set_reason(
        engine_of(request),
        scope.user.username,
        stocktake_id,
        body.location,
        body.item,
        body.batch,
        body.reason,
        now=now_of(request),
    )
    return {"reason": body.reason}


@router.post("/{stocktake_id}/approve")
def approve(
    stocktake_id: Id,
    request: Request,
    scope: Annotated[Scope, person("approve", THE_STOCKTAKE)],
) -> dict[str, Any]:
    approval_id = stocktake_close.approve(
        engine_of(request), scope.user.username, stocktake_id, now=now_of(request)
    )
    return {"approval_id": approval_id, "status": "adjusted"}
