"""Handover notes (交接单, art. 21, annex 2): at the door, when the truck leaves.

Keepers and supervisors (the `handover` permission, as the API's POST
/api/v1/dispatch/orders/{id}/handovers) fill in a note from what the gateway loaded of an
order at their depot: the lines are the loaded pick lines, never typed; the person gives the
carrier, driver, phone, plate and receiving unit. The note is printed as the annex 2 paper
(the PDF the API serves). When the receiver has counted the goods, the same people record the
confirmation: who received it, their phone, the day, and the quantity received of each line
with a note for any line short or wrong; once only, never above what was handed over. The
list shows the depot's notes and their state (issued, confirmed, with discrepancy).

The forms are read against the API's own models (server.web.dispatch.HandoverIn and
ConfirmationIn) and every change goes through server.services.handover, which checks the
rules and writes the audit entry, as the API's routes do.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from kernel.handover_paper import basis_of
from server.dash.common import page
from server.dash.forms import Filled, empty, flash, flash_of, form_of, read, spent
from server.dash.refusals import next_step
from server.domain import depot_time
from server.domain.bounds import Id, NoteNo
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.scope import Named, Of, Own
from server.services import handover
from server.storage import handover_notes
from server.storage.orders import handover_note
from server.web.deps import engine_of, now_of
from server.web.dispatch import ConfirmationIn, HandoverIn, receipt_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
MAY_HAND_OVER = "handover"  # the permission of POST /api/v1/dispatch/orders/{id}/handovers
THE_ORDER = Of("order", "order_id")
THE_NOTE = Of("handover", "number")
STATES = {
    "issued": ("已开具，待接收确认", "issued, awaiting the receiver"),
    "confirmed": ("已确认接收", "confirmed"),
    "discrepancy": ("接收有差异", "with discrepancy"),
}
MESSAGES = {
    "issued": ("已开具交接单", "Handover note issued"),
    "confirmed": ("已记录接收确认", "Receipt recorded"),
}


def _message(request: Request) -> tuple[str, str, Any] | None:
    """The one-time message of the last change, as f.message shows it."""
    found = flash_of(request)
    if found is None or found[0] not in MESSAGES:
        return None
    return ("ok", found[1], MESSAGES[found[0]])


@router.get("/handovers", response_class=HTMLResponse)
def notes_page(
    request: Request,
    scope: Annotated[Scope, screen("read", Own())],
    state: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """The depot's notes, newest first, with their state; `state` shows one state only."""
    chosen = state if state in STATES else None
    rows = handover_notes.recent(engine_of(request), scope.user.warehouse, chosen)
    return page(
        request, "dash/handover_list.html", scope.user, rows=rows, states=STATES, state=chosen
    )


# --- issuing a note at the door ---------------------------------------------------------


def _door(
    request: Request,
    scope: Scope,
    order_id: int,
    depot: str | None,
    form: Filled[Any],
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    engine, user = engine_of(request), scope.user
    order = handover_notes.order_of(engine, order_id)
    if order is None:
        raise NotFoundPage(f"no dispatch order {order_id}")
    codes = [code for code, _ in order["depots"]]
    depot = user.warehouse or depot or (codes[0] if len(codes) == 1 else None)
    lines = handover_notes.loaded_at(engine, order_id, depot) if depot else []
    answer = page(
        request,
        "dash/handover_door.html",
        user,
        status_code=status,
        order=order,
        depot=depot,
        lines=lines,
        may_issue=allowed(user.role, MAY_HAND_OVER),
        form=form,
        refusal=refusal,
        next_step=next_step,
    )
    return spent(request, answer)


@router.get("/orders/{order_id}/handover-note", response_class=HTMLResponse)
def door_page(
    request: Request,
    order_id: Id,
    scope: Annotated[Scope, screen("read", THE_ORDER)],
    warehouse: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """The form at the door: the order's lines loaded at the depot, and the truck's details."""
    return _door(request, scope, order_id, warehouse or None, empty())


@router.post("/orders/{order_id}/handover-note", response_class=HTMLResponse)
def issue(
    request: Request,
    order_id: Id,
    scope: Annotated[Scope, screen(MAY_HAND_OVER, THE_ORDER, Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Issue the note for what is loaded; a field out of bounds or a refusal shows the form
    again, as typed."""
    form = read(HandoverIn, fields, {"warehouse": scope.named})
    if form.model is None:
        return _door(request, scope, order_id, scope.named, form, status=422)
    body = form.model
    try:
        number = handover.create_handover(
            engine_of(request),
            scope.user.username,
            order_id,
            scope.named,
            handover.Handover(body.carrier, body.driver, body.phone, body.plate, body.receiver),
            now_of(request),
        )
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _door(request, scope, order_id, scope.named, form, refusal=exc, status=code)
    return flash(f"/handovers/{quote(number, safe='')}", "issued", number)


# --- a note, and the receiver's confirmation ------------------------------------------


def _note(
    request: Request,
    scope: Scope,
    number: str,
    form: Filled[Any] | None = None,
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    found = handover_note(engine_of(request), number)
    if found is None:
        raise NotFoundPage(f"no handover note {number}")
    note, order, shipper, lines = found
    if form is None:  # the receipt pre-filled: each line received in full, received today
        values = {"on": depot_time.today(now_of(request)).isoformat()}
        for i, line in enumerate(lines):
            values[f"lines.{i}.line"] = str(line["id"])
            values[f"lines.{i}.received"] = str(line["loaded"])
        form = Filled(values=values)
    answer = page(
        request,
        "dash/handover_note.html",
        scope.user,
        status_code=status,
        note=note,
        order=order,
        basis=basis_of(order.number, order.written_order, order.written_order_due is not None),
        shipper=shipper,
        lines=lines,
        states=STATES,
        may_confirm=allowed(scope.user.role, MAY_HAND_OVER) and note.state == "issued",
        form=form,
        refusal=refusal,
        next_step=next_step,
        message=_message(request),
    )
    return spent(request, answer)


@router.post("/handovers/{number:path}/confirmation", response_class=HTMLResponse)
def confirm(
    request: Request,
    number: NoteNo,
    scope: Annotated[Scope, screen(MAY_HAND_OVER, THE_NOTE)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Record the receiver's confirmation; refused shown again with what was typed."""
    form = read(ConfirmationIn, fields)
    if form.model is None:
        return _note(request, scope, number, form, status=422)
    now = now_of(request)
    try:
        handover.confirm_handover(
            engine_of(request), scope.user.username, number, receipt_of(form.model, now), now
        )
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _note(request, scope, number, form, refusal=exc, status=code)
    return flash(f"/handovers/{quote(number, safe='')}", "confirmed", number)


@router.get("/handovers/{number:path}", response_class=HTMLResponse)
def note_page(
    request: Request, number: NoteNo, scope: Annotated[Scope, screen("read", THE_NOTE)]
) -> Response:
    """A note: what it handed over, its paper, and the receiver's confirmation."""
    return _note(request, scope, number)
