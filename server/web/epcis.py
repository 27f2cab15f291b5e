"""Floor events as a GS1 EPCIS 2.0 JSON-LD document (CBV 2.0 business steps).

Each accepted floor event becomes an ObjectEvent with a class-level quantity (the batch as an
LGTIN: GS1 company prefix, indicator and item reference, lot), its CBV business step and
disposition, the location as read point and the warehouse as business location. Validated
in the tests against the official EPCIS 2.0 JSON schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from biip import ParseError, parse

from kernel.floor_events import FloorEvent, Loading, Malformed, Picking, StockTaking, Storing
from kernel.floor_events import parse as parse_event

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Our event type -> (CBV bizStep, CBV disposition)
CBV: dict[str, tuple[str, str]] = {
    "receiving": ("receiving", "in_progress"),  # awaiting acceptance (art. 8)
    "storing": ("storing", "available"),
    "moving": ("storing", "available"),
    "picking": ("picking", "in_progress"),
    "loading": ("loading", "in_transit"),
    "stock_taking": ("stock_taking", "available"),
    "returning": ("receiving", "returned"),
}
_OFFSET = re.compile(r"([+-]\d{2}:\d{2}|Z)$")


def lgtin(gtin: str, lot: str) -> str | None:
    """urn:epc:class:lgtin:CompanyPrefix.IndicatorItemReference.Lot, or None when the GS1
    company prefix of the GTIN cannot be told."""
    try:
        result = parse(gtin)
    except ParseError:
        return None
    if result.gtin is None or result.gtin.company_prefix is None:
        return None
    gtin14 = result.gtin.as_gtin_14()
    prefix = result.gtin.company_prefix.value
    item_ref = gtin14[0] + gtin14[1 + len(prefix) : 13]
    return f"urn:epc:class:lgtin:{prefix}.{item_ref}.{quote(lot, safe='')}"


def place(warehouse: str, location: str | None = None) -> str:
    """A URN naming a depot or one of its locations (the depots have no GLNs of their own)."""
    name = quote(warehouse, safe="")
    return f"urn:depot-floor:{name}" + (f":{quote(location, safe='')}" if location else "")


def _time(occurred_at: str, now: datetime) -> tuple[str, str]:
    """The event's own time and its offset; `now` for one whose time cannot be read."""
    try:
        moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        moment = now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    offset = moment.strftime("%z")
    return moment.isoformat(), f"{offset[:3]}:{offset[3:]}"


def _where(event: FloorEvent) -> str | None:
    """The location an event is observed at: where goods arrive, or else where they left."""
    if isinstance(event, Storing):
        return event.to_location or event.from_location
    if isinstance(event, Picking | Loading):
        return event.from_location
    return event.location


def object_event(event: FloorEvent, now: datetime) -> dict[str, Any] | None:
    step = CBV.get(event.type)
    epc_class = lgtin(str(event.gtin), event.batch)
    if step is None or epc_class is None:
        return None
    qty = event.counted if isinstance(event, StockTaking) else event.qty
    where = _where(event)
    when, offset = _time(event.envelope.occurred_at or "", now)
    warehouse = str(event.envelope.warehouse)
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": offset,
        "eventID": f"urn:uuid:{event.event_id}",
        "action": "OBSERVE",
        "bizStep": step[0],
        "disposition": step[1],
        "readPoint": {"id": place(warehouse, where or None)},
        "bizLocation": {"id": place(warehouse)},
        "quantityList": [{"epcClass": epc_class, "quantity": qty}],
    }


def document(rows: Iterable[tuple[str, str]], now: datetime) -> dict[str, Any]:
    """An EPCISDocument of the given (type, payload JSON) rows of accepted events, each read
    as the floor event it is (kernel.floor_events); one that cannot be is left out, as one
    with no class-level EPC is."""
    events = []
    for _, payload in rows:
        try:
            converted = object_event(parse_event(json.loads(payload)), now)
        except Malformed:
            continue
        if converted is not None:
            events.append(converted)
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now.isoformat(),
        "epcisBody": {"eventList": events},
    }
