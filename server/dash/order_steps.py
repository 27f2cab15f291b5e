"""An order's steps from its page (调运, arts. 19-21): the written order recorded after a phone
order and the first batch's arrival (the `dispatch` permission, as the API's
POST /api/v1/dispatch/orders/{id}/written-order and .../arrival), the order cancelled with a
reason after a box is ticked (the bureau's `approve:cancellation`, not the person who planned
it: server/domain/duties.py). Each reads its form against the API's own model and calls the
service the API's route calls, which writes the audit entry; the order's page then shows
what happened, or the refusal as the person's next step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from server.dash.forms import flash, form_of, message_of, read
from server.domain import depot_time
from server.domain.bounds import Id
from server.domain.errors import DepotError
from server.domain.scope import Of
from server.services import dispatch, handover
from server.web.deps import engine_of, now_of
from server.web.dispatch import ArrivalIn, CancelIn, WrittenOrderIn
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)
WHOLE_ORDER = Of("order", "order_id", whole=True)  # as the API's changes to an order
MAY_DISPATCH = "dispatch"  # POST .../arrival and .../written-order
MAY_CANCEL = "approve:cancellation"  # POST .../cancel
MESSAGES = {
    "created": ("已下达调运单，库存已预留", "Order placed, stock reserved"),
    "written": ("已记录书面调令", "Written order recorded"),
    "arrived": ("已记录首批到达", "First batch's arrival recorded"),
    "cancelled": ("已取消调运单，未装车的预留已释放", "Order cancelled, its reservation released"),
}


def message(request: Request) -> tuple[str, str, Any] | None:
    """The one-time message of the last change on the order: done, or the next step."""
    return message_of(request, MESSAGES)


def _step(
    request: Request,
    order_id: int,
    fields: dict[str, str],
    model: type[M],
    done: str,
    act: Callable[[M], object],
) -> Response:
    """One step on an order from its page: the form read against the API's model, the
    service called; back to the order with what happened (a field's error or a refusal as
    the next step)."""
    to = f"/orders/{order_id}"
    if fields.get("confirm", "yes") != "yes":
        return flash(to, "refused", "unconfirmed")
    form = read(model, {k: v for k, v in fields.items() if k != "confirm"})
    if form.model is None:
        return flash(to, "refused", "incomplete")
    try:
        act(form.model)
    except DepotError as exc:
        return flash(to, "refused", getattr(exc, "reason", "") or "bad_value")
    return flash(to, done)


def local_to_aware(typed: str) -> str:
    """A datetime-local field's value read in the depots' time zone, with its offset."""
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        return typed  # the model refuses it
    if moment.tzinfo is not None:
        return typed
    return moment.replace(tzinfo=depot_time.zone()).isoformat()


@router.post("/orders/{order_id}/written-order")
def written_order(
    request: Request,
    order_id: Id,
    scope: Annotated[Scope, screen(MAY_DISPATCH, WHOLE_ORDER)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """The written order (书面调令) that follows a phone order, within 48 hours."""
    engine, now, who = engine_of(request), now_of(request), scope.user.username

    def act(body: WrittenOrderIn) -> None:
        handover.record_written_order(engine, who, order_id, body.reference, now)

    return _step(request, order_id, fields, WrittenOrderIn, "written", act)


@router.post("/orders/{order_id}/arrival")
def arrival(
    request: Request,
    order_id: Id,
    scope: Annotated[Scope, screen(MAY_DISPATCH, WHOLE_ORDER)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """The first batch reached the disaster area (art. 21: within 8 hours); now, or when the
    person says (the depots' local time)."""
    engine, now, who = engine_of(request), now_of(request), scope.user.username
    typed = {k: v for k, v in fields.items() if k != "at" or v}
    if typed.get("at"):
        typed["at"] = local_to_aware(typed["at"])

    def act(body: ArrivalIn) -> None:
        handover.record_arrival(engine, who, order_id, body.at or now, now)

    return _step(request, order_id, typed, ArrivalIn, "arrived", act)


@router.post("/orders/{order_id}/cancel")
def cancel(
    request: Request,
    order_id: Id,
    scope: Annotated[Scope, screen(MAY_CANCEL, WHOLE_ORDER)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Cancel the order with its reason, after a box is ticked: what it reserved and was not
    loaded is available again. By the bureau, not by the person who planned it."""
    engine, now, who = engine_of(request), now_of(request), scope.user.username

    def act(body: CancelIn) -> None:
        dispatch.cancel_order(engine, who, order_id, body.reason, now)

    return _step(request, order_id, {"confirm": "", **fields}, CancelIn, "cancelled", act)
