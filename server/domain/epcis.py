"""The ledger's business steps as GS1 EPCIS 2.0 events with CBV 2.0 vocabulary (pure).

Three kinds of record make events, each an ObjectEvent with class-level quantities (a batch
as an LGTIN: GS1 company prefix, indicator and item reference, lot):

- a floor event the centre accepted (receiving, putaway and moves, picking, loading, a
  count, goods returned): its own id, time and place;
- a decision's postings (acceptance, rejection, goods back to the supplier, reservation and
  its release, scrapping proposed, approved or refused, rotation, a stocktake's adjustment,
  returned goods restocked, the opening stock): one event per batch and stack it moved, its
  disposition the status the goods are left in (or, where they left, what became of them);
- a handover note (shipping): one event with a quantity per batch handed over.

Depots have no GLNs of their own: a depot and its locations are named by URNs
(`urn:depot-floor:LC01`, `urn:depot-floor:LC01:A-01-01`), as decisions, orders, notices and
notes are (`urn:depot-floor:order:<number>`). Validated in the tests against the official
EPCIS 2.0 JSON schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from biip import ParseError, parse

from kernel.floor_events import FloorEvent, Loading, Picking, Receiving, StockTaking, Storing
from server.domain import depot_time

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# The namespace of the ids of events the centre makes (decisions, notes): the same record
# always gives the same id, so a platform that receives it twice can tell.
MAX_OFFSET = timedelta(hours=14)  # the widest time zone offset EPCIS takes
NAMESPACE = uuid.UUID("5d1f8a52-6f0e-4c8e-9a57-2f3c1b0d7e41")


@dataclass(frozen=True, slots=True)
class Step:
    """A CBV business step, the disposition goods are left in, and the EPCIS action."""

    biz_step: str
    disposition: str
    action: str = "OBSERVE"


# A floor event's type -> its step
FLOOR: dict[str, Step] = {
    "receiving": Step("receiving", "in_progress"),  # awaiting acceptance (art. 8)
    "storing": Step("storing", "available"),
    "moving": Step("storing", "available"),
    "picking": Step("picking", "in_progress"),
    "loading": Step("loading", "in_transit"),
    "stock_taking": Step("stock_taking", "available"),
    "returning": Step("receiving", "returned"),
}
# A decision's basis kind (server.domain.basis) -> its step; the disposition is the one goods
# that leave the depot's stock are left in (goods that stay take their status's below).
DECISION: dict[str, Step] = {
    "acceptance": Step("accepting", "available"),
    "rejection": Step("inspecting", "non_conformant"),
    "supplier_return": Step("shipping", "returned"),
    "reservation": Step("reserving", "reserved"),
    "cancellation": Step("reserving", "available"),
    "release": Step("reserving", "available"),
    "scrap_proposal": Step("holding", "non_sellable_other"),
    "scrapping": Step("destroying", "destroyed", "DELETE"),
    "scrap_rejection": Step("holding", "available"),
    "rotation": Step("removing", "disposed"),
    # a loss leaves the books (where the goods went is unknown); a find is observed
    "adjustment": Step("stock_taking", "unknown", "DELETE"),
    "restock": Step("inspecting", "available"),
    "opening": Step("storing", "available", "ADD"),
}
SHIPPING = Step("shipping", "in_transit")
# A stock status -> the disposition of goods in it
STATUS: dict[str, str] = {
    "pending_acceptance": "in_progress",
    "available": "available",
    "reserved": "reserved",
    "on_hold": "unavailable",
    "scrap_pending": "non_sellable_other",
    "rejected": "non_conformant",
}
# What a basis's reference names (server.domain.basis.RULES' `ref`)
REFERENCE = {"release": "order", "restock": "order", "adjustment": "stocktake"}


@dataclass(frozen=True, slots=True)
class Captured:
    """One EPCIS event and what it is found by (the query interface's parameters)."""

    event_id: str
    event_time: datetime  # aware
    step: Step
    read_point: str
    epc_classes: tuple[str, ...]
    body: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting of a decision, by name: the stack's location, the batch, the status, the
    change, and the posting's hash (its identity in the depot's chain)."""

    location: str
    gtin: str
    lot: str
    status: str
    qty: int
    hash: str


@dataclass(frozen=True, slots=True)
class Decided:
    """The postings of one basis: its kind, the decision (approval id) and what it names."""

    warehouse: str
    kind: str
    decision: int | None
    ref: str | None
    legs: tuple[Leg, ...]


def lgtin(gtin: str, lot: str) -> str | None:
    """urn:epc:class:lgtin:CompanyPrefix.IndicatorItemReference.Lot, or None when the GS1
    company prefix of the GTIN cannot be told."""
    item_class = _item_class(gtin)
    return None if item_class is None else f"{item_class}.{quote(lot, safe='')}"


@lru_cache(maxsize=8192)
def _item_class(gtin: str) -> str | None:
    """The LGTIN of a GTIN without its lot (reading the GS1 prefix table is the costly part of
    an event, and a depot has a few thousand GTINs at most)."""
    try:
        result = parse(gtin)
    except ParseError:
        return None
    if result.gtin is None or result.gtin.company_prefix is None:
        return None
    gtin14 = result.gtin.as_gtin_14()
    prefix = result.gtin.company_prefix.value
    item_ref = gtin14[0] + gtin14[1 + len(prefix) : 13]
    return f"urn:epc:class:lgtin:{prefix}.{item_ref}"


def place(warehouse: str, location: str | None = None) -> str:
    """A URN naming a depot or one of its locations."""
    name = quote(warehouse, safe="")
    return f"urn:depot-floor:{name}" + (f":{quote(location, safe='')}" if location else "")


def record(kind: str, ref: str) -> str:
    """A URN naming one of the depot's records: a decision, an order, a notice, a note."""
    return f"urn:depot-floor:{kind}:{quote(ref, safe='')}"


def _stamp(moment: datetime) -> tuple[str, str]:
    offset = moment.strftime("%z")
    return moment.isoformat(), f"{offset[:3]}:{offset[3:]}"


def _event(
    event_id: str,
    moment: datetime,
    step: Step,
    warehouse: str,
    where: str | None,
    quantities: Sequence[tuple[str, int]],
    transactions: Sequence[dict[str, str]] = (),
    epcs: Sequence[str] = (),
) -> Captured:
    when, offset = _stamp(moment)
    read_point = place(warehouse, where)
    body: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": offset,
        "eventID": event_id,
        "action": step.action,
        "bizStep": step.biz_step,
        "disposition": step.disposition,
        "readPoint": {"id": read_point},
        "bizLocation": {"id": place(warehouse)},
        "quantityList": [{"epcClass": c, "quantity": q} for c, q in quantities],
    }
    if epcs:
        body["epcList"] = list(epcs)
    if transactions:
        body["bizTransactionList"] = list(transactions)
    return Captured(event_id, moment, step, read_point, tuple(c for c, _ in quantities), body)


def _floor_time(occurred_at: str | None, received: datetime) -> datetime:
    """The event's own time with its offset; when it was received for one whose time cannot
    be read or stands outside what EPCIS takes (an offset beyond 14 hours or not in whole
    minutes, a year before 1970 or after 9998)."""
    try:
        moment = datetime.fromisoformat((occurred_at or "").replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        offset = moment.utcoffset() or timedelta(0)
        usable = abs(offset) <= MAX_OFFSET and offset % timedelta(minutes=1) == timedelta(0)
        if usable and 1970 <= moment.astimezone(UTC).year <= 9998:
            return moment
    except (ValueError, OverflowError):
        pass
    return depot_time.local(received)


def _floor_where(event: FloorEvent) -> str | None:
    """The location an event is observed at: where goods arrive, or else where they left."""
    if isinstance(event, Storing):
        return event.to_location or event.from_location
    if isinstance(event, Picking | Loading):
        return event.from_location
    return event.location


def floor_event(event: FloorEvent, received: datetime) -> Captured | None:
    """An accepted floor event as EPCIS; None for one with no class-level EPC (a GTIN
    whose company prefix cannot be told)."""
    step = FLOOR.get(event.type)
    epc_class = lgtin(str(event.gtin), event.batch)
    if step is None or epc_class is None:
        return None
    qty = event.counted if isinstance(event, StockTaking) else event.qty
    transactions = []
    if isinstance(event, Receiving) and event.notice:
        transactions.append({"type": "desadv", "bizTransaction": record("notice", event.notice)})
    if isinstance(event, Picking | Loading) and event.order:
        transactions.append({"bizTransaction": record("order", event.order)})
    warehouse = str(event.envelope.warehouse)
    moment = _floor_time(event.envelope.occurred_at, received)
    where = _floor_where(event) or None
    # a notice's listed unit names its tag: the instance beside its class
    epcs = [event.epc] if isinstance(event, Receiving) and event.epc else []
    return _event(
        f"urn:uuid:{event.event_id}", moment, step, warehouse, where, [(epc_class, qty)],
        transactions, epcs,
    )  # fmt: skip


def decided_events(decided: Decided, at: datetime) -> list[Captured]:
    """A decision's postings as events, one per batch and stack in the order first posted:
    the quantity the goods that moved into a status there (or, where none did, that left),
    the disposition of that status (or the kind's, for goods gone)."""
    step = DECISION.get(decided.kind)
    if step is None:
        return []
    stacks: dict[tuple[str, str, str], list[Leg]] = {}
    for leg in decided.legs:
        stacks.setdefault((leg.location, leg.gtin, leg.lot), []).append(leg)
    transactions = []
    if decided.decision is not None:
        transactions.append({"bizTransaction": record("decision", str(decided.decision))})
    if decided.ref is not None and decided.kind in REFERENCE:
        transactions.append({"bizTransaction": record(REFERENCE[decided.kind], decided.ref)})
    moment = depot_time.local(at)
    captured = []
    for (location, gtin, lot), legs in stacks.items():
        epc_class = lgtin(gtin, lot)
        if epc_class is None:
            continue
        into = [leg for leg in legs if leg.qty > 0]
        if into:
            biggest = max(into, key=lambda leg: leg.qty)
            qty = sum(leg.qty for leg in into)
            action = "ADD" if step.action == "ADD" else "OBSERVE"  # goods there, not gone
            moved = Step(step.biz_step, STATUS.get(biggest.status, "unknown"), action)
        else:
            qty, moved = -sum(leg.qty for leg in legs), step
        event_id = f"urn:uuid:{uuid.uuid5(NAMESPACE, 'posting:' + legs[0].hash)}"
        captured.append(
            _event(event_id, moment, moved, decided.warehouse, location, [(epc_class, qty)],
                   transactions)
        )  # fmt: skip
    return captured


def handover_event(
    warehouse: str, number: str, order: str, at: datetime, lines: Iterable[tuple[str, str, int]]
) -> Captured | None:
    """A handover note (annex 2) as the goods' shipping: one quantity per batch of its
    (GTIN, lot, quantity) lines; None if no line has a class-level EPC."""
    quantities: dict[str, int] = {}
    for gtin, lot, qty in lines:
        epc_class = lgtin(gtin, lot)
        if epc_class is not None:
            quantities[epc_class] = quantities.get(epc_class, 0) + qty
    if not quantities:
        return None
    event_id = f"urn:uuid:{uuid.uuid5(NAMESPACE, 'handover:' + number)}"
    transactions = [
        {"type": "bol", "bizTransaction": record("handover", number)},
        {"bizTransaction": record("order", order)},
    ]
    moment = depot_time.local(at)
    return _event(
        event_id, moment, SHIPPING, warehouse, None, list(quantities.items()), transactions
    )


def document(events: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """An EPCISDocument of events (as EPCIS capture takes them)."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now.isoformat(),
        "epcisBody": {"eventList": list(events)},
    }


def query_document(events: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, Any]:
    """An EPCISQueryDocument of events (as the query interface answers)."""
    return {
        "@context": [CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": now.isoformat(),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": list(events)},
            }
        },
    }
