"""Returns (归还与退货, arts. 8 and 24): the inspection of goods come back from a disaster area,
and goods rejected at acceptance going back to the supplier.

Reusable goods come back through the doors on hold; the depot head inspects them here
(picking the item and its stock line on hold): restocked, with the dispatch order they came
back from, or left on hold for scrapping, with the inspection record's number and its file.
The rejections of the depot's acceptances are listed with what was rejected and what went
back already; the return to the supplier names one, the quantity and the return note. Both
are the API's services (server.services.returns), never by the person whose act they accept
(server/domain/duties.py); the decision's page is server.dash.decision.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.disposal import carried_out, picking, read_picked, workflow_page
from server.dash.forms import Filled, form_of, read
from server.dash.uploads import upload_of
from server.domain.bounds import Filter
from server.domain.errors import DepotError
from server.domain.report_files import ReportFile
from server.domain.scope import Named
from server.services import returns
from server.storage import disposal_views as views
from server.web.deps import engine_of, now_of
from server.web.disposal import ReturnInspectionIn, SupplierReturnIn
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
MAY = {"restock": "approve:restock", "supplier": "approve:supplier_return"}
HELD = ("on_hold",)


def _page(
    request: Request,
    scope: Scope,
    item: str | None,
    forms: dict[str, Filled[Any]] | None = None,
    refusal: tuple[str, DepotError] | None = None,
    status: int = 200,
) -> Response:
    engine, depot = engine_of(request), scope.depot
    rejections = views.open_rejections(engine, depot) if depot else []
    options = [
        (str(r["id"]), f"#{r['id']} {r['payload']['item']} / {r['payload']['batch']} "
         f"({r['rejected'] - r['returned']})")
        for r in rejections
    ]  # fmt: skip
    return workflow_page(
        request, "dash/returns.html", scope, MAY, forms, refusal, status,
        rejections=rejections, rejection_options=options,
        recent=views.recent(engine, depot, ("return_inspection", "supplier_return")),
        **picking(engine, depot, item, HELD),
    )  # fmt: skip


@router.get("/returns", response_class=HTMLResponse)
def returns_page(
    request: Request,
    scope: Annotated[Scope, screen("read", Named("depot"))],
    depot: Filter | None = None,
    item: Filter | None = None,
) -> Response:
    return _page(request, scope, item)


def _again(request: Request, scope: Scope, item: str | None) -> Any:
    def again(forms: dict[str, Filled[Any]], refusal: Any, status: int) -> Response:
        return _page(request, scope, item, forms, refusal, status)

    return again


@router.post("/returns/inspections", response_class=HTMLResponse)
def inspect(
    request: Request,
    scope: Annotated[Scope, screen(MAY["restock"], Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
    upload: Annotated[ReportFile | None, Depends(upload_of)],
) -> Response:
    """Returned goods inspected: restocked, or left on hold for scrapping."""
    form = read_picked(ReturnInspectionIn, fields, scope)

    def step(body: ReturnInspectionIn) -> int:
        stack = body.stack(scope)
        return returns.inspect_return(
            engine_of(request), scope.user.username, stack, body.restock, body.record_no,
            body.order, now=now_of(request),
        )  # fmt: skip

    again = _again(request, scope, form.values.get("item"))
    return carried_out(request, scope, "restock", form, upload, step, again)


@router.post("/returns/supplier", response_class=HTMLResponse)
def back_to_supplier(
    request: Request,
    scope: Annotated[Scope, screen(MAY["supplier"], Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Goods rejected at acceptance go back to the supplier, up to what was rejected."""
    form = read(SupplierReturnIn, fields, {"warehouse": scope.depot} if scope.depot else {})

    def step(body: SupplierReturnIn) -> int:
        return returns.return_to_supplier(
            engine_of(request), scope.user.username, body.warehouse, body.acceptance, body.qty,
            body.note, body.location, now=now_of(request),
        )  # fmt: skip

    again = _again(request, scope, None)
    return carried_out(request, scope, "supplier", form, None, step, again)
