"""A gateway reports on itself (its devices, its outbox, its disk), and sends the orders its
depot made on a phone order while it could not reach the centre."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, Field

from kernel.bounds import MAX_ORDER_PICKS
from server.domain import evidence
from server.domain.bounds import Code, Name, NoteNo, Person, Phone, Plate, Qty, Ref
from server.domain.scope import Own
from server.services import depot_notes, depot_orders, gateways
from server.services.dispatch import OrderLine
from server.services.handover import Handover
from server.web.deps import engine_of, now_of
from server.web.dispatch import MAX_NOTE_LINES
from server.web.errors import answers
from server.web.guard import Scope, device

router = APIRouter(prefix="/api/v1/gateway", tags=["events"], responses=answers(401, 422))


@router.post("/report")
def report(
    body: dict[str, Any],
    request: Request,
    scope: Annotated[Scope, device(Own())],
) -> dict[str, Any]:
    """The gateway's devices (state, door, last seen, reads in the last ten minutes), outbox
    depth and age, disk, its printers and what came of the print requests it took; replaces
    its previous report. A malformed printer or outcome is left out, the rest taken, and
    `left_out` says why (422 only for a report whose devices or outbox are malformed)."""
    left_out = gateways.record_report(
        engine_of(request), scope.named, scope.device.client_id, body, now=now_of(request)
    )
    return {"warehouse": scope.named, "status": "recorded", "left_out": left_out}


class CallerIn(BaseModel):
    name: Name = Field(description="来电人")
    unit: Name = Field(description="来电单位")
    phone: Phone = Field(description="来电号码")


class PhoneLineIn(BaseModel):
    item: Code
    qty: Qty


class PhonePickIn(BaseModel):
    """A stack the depot planned for the order, and loads from."""

    item: Code
    location: Code
    batch: Ref
    qty: Qty


class PhoneOrderIn(BaseModel):
    number: Ref = Field(description="TEL-<depot>-<yyyymmdd>-<nnn>, made by the depot")
    called_at: AwareDatetime = Field(description="when the call came: both clocks run from it")
    caller: CallerIn
    notice: Ref | None = Field(None, description="调拨通知编号, when the caller gave one")
    destination: Name
    lines: list[PhoneLineIn] = Field(min_length=1, max_length=200)
    picks: list[PhonePickIn] = Field(default_factory=list, max_length=MAX_ORDER_PICKS)
    recorded_by: Ref = Field(description="the supervisor who took the call")
    recorded_at: AwareDatetime

    def order(self) -> depot_orders.PhoneOrder:
        return depot_orders.PhoneOrder(
            number=self.number,
            called_at=self.called_at,
            caller=depot_orders.Caller(self.caller.name, self.caller.unit, self.caller.phone),
            notice=self.notice,
            destination=self.destination,
            lines=tuple(OrderLine(x.item, x.qty) for x in self.lines),
            picks=tuple(depot_orders.Pick(x.item, x.location, x.batch, x.qty) for x in self.picks),
            recorded_by=self.recorded_by,
            recorded_at=self.recorded_at,
        )


@router.post("/phone-orders", responses=answers(404, 409))
def phone_order(
    body: PhoneOrderIn,
    request: Request,
    scope: Annotated[Scope, device(Own())],
) -> dict[str, Any]:
    """An emergency dispatch the depot made on a phone order while it could not reach the
    centre, sent before the events done for it: taken as fact (server/services/
    depot_orders.py). The same order sent again answers `duplicate`."""
    now = now_of(request)
    evidence.check_not_future(body.called_at, now, "the call's time")
    taken = depot_orders.take(
        engine_of(request), scope.device.client_id, scope.named, body.order(), now
    )
    return {
        "order": body.number,
        "order_id": taken.order_id,
        "result": "duplicate" if taken.duplicate else "accepted",
        "replanned": list(taken.replanned),
    }


class NoteLineIn(BaseModel):
    location: Code
    item: Code
    batch: Ref
    qty: Qty


class HandoverNoteIn(BaseModel):
    number: NoteNo = Field(description="JJ-<order>-<depot>-G<n>, made by the depot's gateway")
    order: Ref
    carrier: Name
    driver: Person
    phone: Phone
    plate: Plate
    receiver: Name
    lines: list[NoteLineIn] = Field(min_length=1, max_length=MAX_NOTE_LINES)
    made_by: Ref
    made_at: AwareDatetime

    def note(self) -> depot_notes.DepotNote:
        transport = Handover(self.carrier, self.driver, self.phone, self.plate, self.receiver)
        return depot_notes.DepotNote(
            number=self.number,
            order=self.order,
            transport=transport,
            lines=tuple(
                depot_notes.NoteLine(x.location, x.item, x.batch, x.qty) for x in self.lines
            ),
            made_by=self.made_by,
            made_at=self.made_at,
        )


@router.post("/handovers", responses=answers(404, 409))
def handover_note(
    body: HandoverNoteIn,
    request: Request,
    scope: Annotated[Scope, device(Own())],
) -> dict[str, Any]:
    """A handover note (annex 2) the depot printed for an order it made while cut off, sent
    after the loads it hands over; the receiver confirms it as any note. The same note sent
    again answers `duplicate`."""
    now = now_of(request)
    evidence.check_not_future(body.made_at, now, "the note's time")
    kept = depot_notes.take_handover(engine_of(request), scope.named, body.note(), now)
    return {"number": body.number, "result": "accepted" if kept else "duplicate"}
