"""Dispatch over HTTP: where an order's goods would come from (nearest first, then FIFO).
Dispatch orders, reservations and pick lists build on this."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from kernel import handover_paper as paper
from kernel.handover_paper import HandoverLine, HandoverNote, basis_of
from server.domain import depot_time
from server.domain.bounds import (
    Code,
    Count,
    Id,
    Line,
    Name,
    NoteNo,
    Person,
    Phone,
    Plate,
    Qty,
    Reason,
    Ref,
)
from server.domain.fifo import Chosen, why
from server.domain.floor import Rejection
from server.domain.handover import Counted, Receipt
from server.domain.scope import Named, Of, Own
from server.services import allocation, dispatch, handover
from server.services.order_view import order_view
from server.storage.orders import handover_note
from server.web.deps import engine_of, now_of
from server.web.downloads import download
from server.web.errors import PDF, answers
from server.web.guard import Scope, person

MAX_NOTE_LINES = 500  # a note's lines: an order's lines (200) at a depot, a few batches each
LEVEL = "^(central|province|city|county)$"  # server.domain.levels.LEVELS
LEVEL_TEXT = (
    "the level that asks (art. 17): its own reserve first, then others'; when not given, the "
    "level of the depot of a person bound to one, else the city's"
)
router = APIRouter(
    prefix="/api/v1/dispatch", tags=["dispatch"], responses=answers(401, 403, 404, 409, 422)
)


class Destination(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class AllocationIn(BaseModel):
    item: Code = Field(description="item code")
    qty: Qty
    destination: Destination | None = Field(None, description="or a place")
    place: Code | None = Field(None, description="a known place; its road distances count")
    requesting_level: str | None = Field(None, pattern=LEVEL, description=LEVEL_TEXT)


@router.post("/allocation")
def preview_allocation(
    body: AllocationIn,
    request: Request,
    scope: Annotated[Scope, person("dispatch", Own())],
) -> dict[str, Any]:
    """Where the goods for an order would come from, planned as the order plans them: the
    requesting level's own reserve first (art. 17), nearest warehouse first (art. 15; by road
    to a known place, where recorded), FIFO inside it, overdue stock only after a passed
    re-inspection (art. 25(4)). For a person bound to a depot: from that depot's stock only."""
    to = body.destination
    result = allocation.preview(
        engine_of(request),
        body.item,
        body.qty,
        to.lat if to else None,
        to.lon if to else None,
        body.place,
        scope.depot,
        now_of(request),
        body.requesting_level,
    )
    return {
        "item": body.item,
        "qty": body.qty,
        "allocated": result.allocated,
        "shortfall": result.shortfall,
        "takes": [
            {
                "warehouse": t.warehouse,
                "location": t.location,
                "batch": t.batch_no,
                "qty": t.qty,
                "why": why(t),
            }
            for t in result.takes
        ],
    }


class OrderLineIn(BaseModel):
    item: Code
    qty: Qty


class TakeIn(BaseModel):
    """A stack the person chose for a line (the preview as edited)."""

    line: int = Field(ge=0, lt=200, description="the line's place in `lines`, from 0")
    warehouse: Code
    location: Code
    batch: Ref
    qty: Qty


class OrderIn(BaseModel):
    number: Ref = Field(description="调拨通知编号")
    kind: str = Field(pattern="^(request|prepositioning|emergency|winter_spring)$")
    basis: Name
    destination: Name
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    place: Code | None = Field(None, description="a known place; its road distances count")
    requesting_level: str | None = Field(None, pattern=LEVEL, description=LEVEL_TEXT)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    phone_order: bool = False
    notified_at: AwareDatetime | None = Field(
        None, description="when the notice came (with its zone); not in the future"
    )
    edited: bool = Field(
        False,
        description="the takes are the plan (the preview as edited): each line reserves its "
        "takes only, each held to the rules; any take given means the same",
    )
    takes: list[TakeIn] = Field(default_factory=list, max_length=1000)

    def chosen(self) -> list[tuple[Chosen, ...] | None]:
        """Each line's chosen stacks, or None for every line when the rule plans."""
        if not (self.edited or self.takes):
            return [None] * len(self.lines)
        if any(t.line >= len(self.lines) for t in self.takes):
            raise Rejection("bad_plan", "a take names a line the order does not have")
        return [
            tuple(
                Chosen(t.warehouse, t.location, t.batch, t.qty) for t in self.takes if t.line == i
            )
            for i in range(len(self.lines))
        ]


class ArrivalIn(BaseModel):
    at: AwareDatetime | None = Field(None, description="with its zone; not in the future")


class CancelIn(BaseModel):
    reason: Reason


class WrittenOrderIn(BaseModel):
    reference: Ref


class HandoverIn(BaseModel):
    warehouse: Code
    carrier: Name
    driver: Person
    phone: Phone
    plate: Plate
    receiver: Name


class CountedIn(BaseModel):
    line: Id = Field(description="the note's line")
    received: Count = Field(description="实收数量: at most what was handed over")
    discrepancy: Line | None = Field(None, description="差异说明: why less, or what is wrong")


class ConfirmationIn(BaseModel):
    received_by: Person = Field(description="接收人")
    phone: Phone = Field(description="接收人联系电话")
    on: date | None = Field(None, description="接收时间 (the depot's date); today if not given")
    lines: list[CountedIn] = Field(min_length=1, max_length=MAX_NOTE_LINES)


@router.post("/orders", status_code=201)
def create_order(
    body: OrderIn, request: Request, scope: Annotated[Scope, person("dispatch", Own())]
) -> dict[str, Any]:
    """A dispatch order: stock reserved nearest first and FIFO, pick lists for the depots. A
    person bound to a depot plans from that depot's stock only."""
    order_id = place_order(request, body, scope)
    return order_view(engine_of(request), order_id, now_of(request), scope.depot)


def place_order(request: Request, body: OrderIn, scope: Scope) -> int:
    """The order the request (or the page's form) asks for, made by the service; for a person
    bound to a depot, from that depot's stock only."""
    with engine_of(request).connect() as conn:
        to = allocation.destination(
            conn, body.lat, body.lon, body.place, scope.depot, body.requesting_level
        )
    return dispatch.create_order(
        engine_of(request),
        scope.user.username,
        dispatch.OrderRequest(
            number=body.number,
            kind=body.kind,
            basis=body.basis,
            destination=body.destination,
            lat=to.lat,
            lon=to.lon,
            place=to.place,
            lines=tuple(
                dispatch.OrderLine(x.item, x.qty, chosen)
                for x, chosen in zip(body.lines, body.chosen(), strict=True)
            ),
            phone_order=body.phone_order,
            notified_at=body.notified_at,
            depot=scope.depot,
            level=to.level,
        ),
        now=now_of(request),
    )


@router.get("/orders/{order_id}")
def show_order(
    order_id: Id,
    request: Request,
    scope: Annotated[Scope, person("read", Of("order", "order_id"))],
) -> dict[str, Any]:
    """An order with its lines, pick lists, clocks (8 h to the first batch, 48 h to the written
    order for a phone order) and handover notes; for a person bound to a depot, that depot's
    part of it."""
    return order_view(engine_of(request), order_id, now_of(request), scope.depot)


@router.post("/orders/{order_id}/arrival")
def arrival(
    order_id: Id,
    body: ArrivalIn,
    request: Request,
    scope: Annotated[Scope, person("dispatch", Of("order", "order_id", whole=True))],
) -> dict[str, Any]:
    """The first batch reached the disaster area; the answer says if it was within 8 hours."""
    now = now_of(request)
    handover.record_arrival(engine_of(request), scope.user.username, order_id, body.at or now, now)
    return order_view(engine_of(request), order_id, now, scope.depot)


@router.post("/orders/{order_id}/cancel")
def cancel(
    order_id: Id,
    body: CancelIn,
    request: Request,
    scope: Annotated[Scope, person("approve:cancellation", Of("order", "order_id", whole=True))],
) -> dict[str, Any]:
    """Cancel an order (the bureau, not the person who planned it): what it reserved and was
    not loaded is available again."""
    engine, now = engine_of(request), now_of(request)
    released = dispatch.cancel_order(engine, scope.user.username, order_id, body.reason, now)
    return {**order_view(engine, order_id, now, scope.depot), "released": released}


@router.post("/orders/{order_id}/written-order")
def written_order(
    order_id: Id,
    body: WrittenOrderIn,
    request: Request,
    scope: Annotated[Scope, person("dispatch", Of("order", "order_id", whole=True))],
) -> dict[str, Any]:
    engine, now = engine_of(request), now_of(request)
    handover.record_written_order(engine, scope.user.username, order_id, body.reference, now)
    return order_view(engine, order_id, now, scope.depot)


@router.post("/orders/{order_id}/handovers", status_code=201)
def create_handover(
    order_id: Id,
    body: HandoverIn,
    request: Request,
    scope: Annotated[
        Scope, person("handover", Of("order", "order_id"), Named("warehouse", "body"))
    ],
) -> dict[str, str]:
    """The handover note (annex 2) when the truck leaves a depot."""
    number = handover.create_handover(
        engine_of(request),
        scope.user.username,
        order_id,
        scope.named,
        handover.Handover(body.carrier, body.driver, body.phone, body.plate, body.receiver),
        now_of(request),
    )
    return {"number": number, "pdf": f"/api/v1/dispatch/handovers/{quote(number)}.pdf"}


# `path`: a note's number holds its order's, which may hold a slash
@router.post("/handovers/{number:path}/confirmation")
def confirm_handover(
    number: NoteNo,
    body: ConfirmationIn,
    request: Request,
    scope: Annotated[Scope, person("handover", Of("handover", "number"))],
) -> dict[str, str]:
    """The receiver's confirmation (art. 21): the quantity received of every line of the note,
    none above what was handed over, a line short or wrong with its note. Once only."""
    now = now_of(request)
    state = handover.confirm_handover(
        engine_of(request),
        scope.user.username,
        number,
        receipt_of(body, now),
        now,
    )
    return {"number": number, "state": state}


def receipt_of(body: ConfirmationIn, now: datetime) -> Receipt:
    return Receipt(
        body.received_by,
        body.phone,
        body.on or depot_time.today(now),
        tuple(Counted(x.line, x.received, x.discrepancy) for x in body.lines),
    )


@router.get("/handovers/{number:path}.pdf", response_class=Response, responses=PDF)
def handover_pdf(
    number: NoteNo,
    request: Request,
    scope: Annotated[Scope, person("read", Of("handover", "number"))],
) -> Response:
    found = handover_note(engine_of(request), number)
    if found is None:
        raise Rejection("unknown_handover", f"there is no handover note {number}")
    note, order, depot, rows = found
    pdf = paper.handover_pdf(
        HandoverNote(
            number=note.number,
            shipper=depot,
            basis=basis_of(order.number, order.written_order, order.written_order_due is not None),
            destination=order.destination,
            on=depot_time.local_date(note.created_at),
            lines=tuple(
                HandoverLine(
                    r["name_zh"],
                    r["spec"],
                    r["unit_zh"],
                    int(r["loaded"]),
                    r["inbound_date"],
                    _remark(r),
                )
                for r in rows
            ),
            carrier=note.carrier,
            driver=note.driver,
            phone=note.phone,
            plate=note.plate,
            receiver=note.receiver,
            received_by=note.received_by or "",
            received_phone=note.received_phone or "",
            received_on=note.received_on,
            discrepancies=tuple(
                f"差异说明 批次 {r['batch']}：{r['discrepancy']}" for r in rows if r["discrepancy"]
            ),
        )
    )
    return download(pdf, note.number, "pdf")


def _remark(line: dict[str, Any]) -> str:
    """备注: the batch, and once confirmed, what was received of it."""
    remark = f"批次 {line['batch']}"
    return remark + (f" 实收 {line['received']}" if line["received"] is not None else "")
