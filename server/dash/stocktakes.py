"""Stocktakes (盘点, art. 12(3)) and the approvals inbox (审批).

Supervisors (the `stocktake` permission, as POST /api/v1/stocktakes) open a round for a depot
or one zone of it; the round is counted at the floor (the gateway's handhelds) or through the
counts API. The stocktakes page lists the rounds and a round's page follows its counting live:
lines counted against lines to count, by zone, from the figures kept as counts are written
(server.storage.stocktake_progress), so neither page counts lines per request. Counting stays
blind: the ledger's quantities and the variances are for the roles with `see:variances`
(supervisors, auditors); a keeper sees the progress and the locations to count again, never a
quantity. The steps of a round (close, reasons, lines not counted, approval) are in
server.dash.stocktake_steps. The approvals inbox lists what waits for the looking person's
decision: stocktake adjustments (never one's own count or close: server/domain/duties.py,
enforced by server/services/stocktake_close.py), goods waiting for acceptance, and the acceptance
reports due to the commission with their 10-working-day clock (art. 8).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page, partial
from server.dash.forms import Filled, empty, flash, form_of, message_of, read, spent
from server.dash.refusals import next_step
from server.dash.region_cache import region
from server.domain.bounds import Id
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.scope import Named, Of, Own
from server.services import acceptance as acceptances
from server.services import stocktake, stocktake_close
from server.storage import disposal_views
from server.storage import stocktake_views as views
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.stocktakes import StocktakeIn

router = APIRouter(include_in_schema=False)
MAY_RUN = "stocktake"  # open, close, reasons, not counted: as the API's routes
MAY_APPROVE = "approve"
SEES = "see:variances"  # the ledger's quantities and the variances
THE_ROUND = Of("stocktake", "stocktake_id")
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
MESSAGES = {
    "opened": ("已开始盘点", "Stocktake opened"),
    "recounts": ("超出容差，请复盘所列各行", "Over the tolerance: recount the lines"),
    "closed": ("已关闭，调账待另一位主管审批", "Closed; another supervisor approves it"),
    "reason": ("已记录差异原因", "Reason recorded for"),
    "marked": ("已标记未盘，行数", "Marked not counted, lines"),
    "approved": ("已批准调账并过账", "Adjustments approved and posted, approval"),
}
INBOX_MESSAGES = {"approved": ("已批准盘点调账", "Adjustments approved for stocktake")}
BLIND = ("variances", "open_reasons")  # figures a counter does not see


def _blind(row: dict[str, Any], sees: bool) -> dict[str, Any]:
    return row if sees else {k: v for k, v in row.items() if k not in BLIND}


def list_values(request: Request, scope: Scope) -> dict[str, Any]:
    sees = allowed(scope.user.role, SEES)
    takes = [_blind(t, sees) for t in views.rounds(engine_of(request), scope.depot)]
    return {"takes": takes, "sees_ledger": sees, "states": STATES}


def _list(
    request: Request,
    scope: Scope,
    form: Filled[Any],
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    user = scope.user
    may_open = allowed(user.role, MAY_RUN)
    answer = page(
        request,
        "dash/stocktakes.html",
        user,
        status_code=status,
        choices=views.open_choices(engine_of(request), user.warehouse) if may_open else None,
        own_depot=user.warehouse,
        form=form,
        refusal=refusal,
        next_step=next_step,
        message=message_of(request, MESSAGES),
        **list_values(request, scope),
    )
    return spent(request, answer)


@router.get("/stocktakes", response_class=HTMLResponse)
def stocktake_page(request: Request, scope: Annotated[Scope, screen("read", Own())]) -> Response:
    return _list(request, scope, empty())


@router.get("/partials/stocktakes", response_class=HTMLResponse)
def stocktake_partial(request: Request, scope: Annotated[Scope, screen("read", Own())]) -> Response:
    return partial(request, "dash/stocktakes_live.html", **list_values(request, scope))


@router.post("/stocktakes", response_class=HTMLResponse)
def open_round(
    request: Request,
    scope: Annotated[Scope, screen(MAY_RUN, Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Open a round of a depot or one zone; a field out of bounds or a refusal shows the
    form again, as typed."""
    form = read(StocktakeIn, fields, {"warehouse": scope.depot} if scope.depot else {})
    if form.model is None:
        return _list(request, scope, form, status=422)
    body = form.model
    try:
        new_id = stocktake.open_stocktake(
            engine_of(request),
            scope.user.username,
            body.warehouse,
            body.zone,
            body.tolerance,
            now_of(request),
        )
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _list(request, scope, form, refusal=exc, status=code)
    return flash(f"/stocktakes/{new_id}", "opened", f"#{new_id}")


def round_values(request: Request, scope: Scope, stocktake_id: int) -> dict[str, Any]:
    """A round's figures by zone and the lines to count again; its variances only for the
    roles that may see the ledger."""
    engine = engine_of(request)
    take = views.one(engine, stocktake_id)
    if take is None:
        raise NotFoundPage(f"no stocktake {stocktake_id}")
    sees = allowed(scope.user.role, SEES)
    take = _blind(take, sees)
    take["zones"] = [_blind(z, sees) for z in take["zones"]]
    return {
        "take": take,
        "sees_ledger": sees,
        "recount": views.to_recount(engine, stocktake_id) if take["recounts"] else [],
        "states": STATES,
    }


def round_page(
    request: Request,
    scope: Scope,
    stocktake_id: int,
    form: Filled[Any] | None = None,
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    """A round's page: the live figures, and the steps the person may take."""
    engine, user = engine_of(request), scope.user
    values = round_values(request, scope, stocktake_id)
    status_now = values["take"]["status"]
    may_run = allowed(user.role, MAY_RUN) and status_now != "adjusted"
    may_approve = allowed(user.role, MAY_APPROVE) and status_now == "closed"
    counted_by = views.counters(engine, stocktake_id) if may_approve else []
    answer = page(
        request,
        "dash/stocktake_round.html",
        user,
        status_code=status,
        problems=views.variances(engine, stocktake_id) if values["sees_ledger"] else [],
        may_run=may_run,
        may_approve=may_approve,
        mine=user.username in counted_by or user.username == values["take"]["closed_by"],
        reasons=REASON_NAMES,
        variance_reasons=stocktake.REASONS,
        skip_reasons=stocktake.NOT_COUNTED_REASONS,
        form=form or empty(),
        refusal=refusal,
        next_step=next_step,
        message=message_of(request, MESSAGES),
        **values,
    )
    return spent(request, answer)


@router.get("/stocktakes/{stocktake_id}", response_class=HTMLResponse)
def round_view(
    request: Request, stocktake_id: Id, scope: Annotated[Scope, screen("read", THE_ROUND)]
) -> Response:
    return round_page(request, scope, stocktake_id)


@router.get("/partials/stocktakes/{stocktake_id}", response_class=HTMLResponse)
def round_partial(
    request: Request, stocktake_id: Id, scope: Annotated[Scope, screen("read", THE_ROUND)]
) -> Response:
    values = round_values(request, scope, stocktake_id)
    return partial(request, "dash/stocktake_round_live.html", **values)


def inbox_values(request: Request, scope: Scope, message: Any = None) -> dict[str, Any]:
    """What waits for the person's decision: the depot's part worked out once per change on
    the floor (region_cache), then which rounds are their own (they counted or closed it)."""
    engine, user, depot = engine_of(request), scope.user, scope.depot
    may_accept = allowed(user.role, "approve:acceptance")
    now = now_of(request)

    def worked_out() -> dict[str, Any]:
        waiting = views.rounds(engine, depot, limit=None, status="closed")  # every one waiting
        for take in waiting:
            take["counters"] = views.counters(engine, take["id"])
            take["problems"] = views.variances(engine, take["id"])
        return {
            "adjustments": waiting,
            "acceptance": views.pending_acceptance(engine, depot) if may_accept else [],
            "reports_due": acceptances.reports_due(engine, depot, now=now) if may_accept else [],
            "proposals": disposal_views.waiting(engine, depot),  # scrapping, rotation
        }

    found: dict[str, Any] = region(request, ("approvals", may_accept), depot, worked_out)
    mine = [
        {**take, "mine": user.username in take["counters"] or user.username == take["closed_by"]}
        for take in found["adjustments"]
    ]
    return {**found, "adjustments": mine, "reasons": REASON_NAMES, "message": message}


@router.get("/approvals", response_class=HTMLResponse)
def inbox(request: Request, scope: Annotated[Scope, screen(MAY_APPROVE, Own())]) -> Response:
    values = inbox_values(request, scope, message_of(request, INBOX_MESSAGES))
    return spent(request, page(request, "dash/approvals.html", scope.user, **values))


@router.get("/partials/approvals", response_class=HTMLResponse)
def inbox_partial(
    request: Request, scope: Annotated[Scope, screen(MAY_APPROVE, Own())]
) -> Response:
    return partial(request, "dash/approvals_live.html", **inbox_values(request, scope))


@router.post("/approvals/stocktakes/{stocktake_id}")
def approve_adjustment(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen(MAY_APPROVE, THE_ROUND)],
    confirm: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Approve a closed stocktake's adjustments; the domain refuses one's own count."""
    if confirm != "yes":
        return flash("/approvals", "refused", "unconfirmed")
    try:
        stocktake_close.approve(
            engine_of(request), scope.user.username, stocktake_id, now=now_of(request)
        )
    except Rejection as exc:
        return flash("/approvals", "refused", exc.reason)
    return flash("/approvals", "approved", f"#{stocktake_id}")
