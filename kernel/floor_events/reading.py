"""Reading a floor event: `parse(doc)` checks the shape and type of every field a decision
reads and gives the typed event (kernel.floor_events.kinds), or raises Malformed with a
reason code. Fields it does not know are ignored. See kernel.floor_events."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kernel.bounds import MAX_ID, MAX_QTY, MAX_STOCK
from kernel.floor_events.kinds import (
    TYPES,
    Envelope,
    EventBase,
    FloorEvent,
    Loading,
    Moving,
    Override,
    Picking,
    Receiving,
    Returning,
    Stack,
    StockTaking,
    Storing,
)

MAX_BATCH = 32  # a batch number (the ledger's column)
MAX_PLACE = 64  # a location code, as instead_of names it

# The reason codes parse gives (a malformed event is refused with the first it finds).
REASONS = frozenset(
    {
        "bad_event_id",
        "bad_field",
        "bad_quantity",
        "no_operator",
        "bad_instead_of",
        "unsupported_type",
        "no_order",
        "missing_batch",
        "bad_round",
    }
)

# Fields read as codes or numbers of record: one line of text of at most this length.
CODES = {
    "type": 32,
    "warehouse": 32,
    "location": 64,
    "from_location": 64,
    "to_location": 64,
    "gtin": 14,
    "batch": 32,
    "status": 24,
    "order": 64,
    "device": 64,
    "operator": 64,
    "occurred_at": 40,
    "prod_date": 10,
    "epc": 128,  # a tag's EPC URI, as the stations send it (kernel/contract.py)
}
# Other text fields, of any length the envelope checks allow.
TEXTS = ("read_id", "expiry", "notice")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")  # controls (C0, DEL, C1), surrogates


class Malformed(ValueError):
    """An object that is not a floor event any ledger could take: `reason` is a code of
    REASONS, `detail` says what is wrong."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def is_event_id(value: Any) -> bool:
    """A UUID in its canonical 36-character form (either case)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def whole(value: Any, name: str, low: int, high: int, reason: str = "bad_quantity") -> int:
    """A whole number from low to high (JSON true and 2.0 are not)."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Malformed(reason, f"{name} must be a whole number from {low} to {high:,}")
    return value


def parse(doc: Any) -> FloorEvent:
    """The floor event a JSON object stands for, or Malformed with the first reason found."""
    if not isinstance(doc, dict) or not is_event_id(doc.get("event_id")):
        raise Malformed("bad_event_id", "an event is an object whose event_id is a UUID")
    _check_fields(doc)
    kind = doc.get("type")
    cls = TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise Malformed("unsupported_type", f"event type {kind!r} is not handled")
    envelope = Envelope(
        doc["event_id"],
        doc.get("warehouse"),
        doc.get("occurred_at"),
        doc.get("read_id"),
        doc.get("device"),
        doc.get("operator"),
    )
    return _BODIES[cls](cls, envelope, doc)


def _check_fields(doc: dict[str, Any]) -> None:
    """What can be checked of any event before its type is known, in this order."""
    for name, limit in CODES.items():
        value = doc.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit or _UNPRINTABLE.search(value):
            raise Malformed("bad_field", f"{name} must be one line of at most {limit} characters")
    for name in TEXTS:
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise Malformed("bad_field", f"{name} must be text")
    if "qty" in doc:
        whole(doc["qty"], "qty", 1, MAX_QTY)
    for name in ("counted", "card"):
        if doc.get(name) is not None:
            whole(doc[name], name, 0, MAX_STOCK)
    if doc.get("stocktake") is not None:
        whole(doc["stocktake"], "stocktake", 1, MAX_ID, reason="bad_field")
    if doc.get("type") == "stock_taking" and not str(doc.get("operator") or "").strip():
        raise Malformed("no_operator", "a count carries the person who counted (operator)")
    replaced = doc.get("instead_of")
    if replaced is not None and not (
        isinstance(replaced, dict)
        and all(isinstance(replaced.get(k), str) and len(replaced[k]) <= MAX_PLACE for k in STACK)
    ):
        raise Malformed("bad_instead_of", "instead_of names a location and a batch")


STACK = ("location", "batch")  # what instead_of names


def _qty(doc: dict[str, Any]) -> int:
    return whole(doc.get("qty"), "qty", 1, MAX_QTY)


def _batch(value: Any, kind: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_BATCH:
        raise Malformed("missing_batch", f"a {kind} event needs a batch number")
    return value


def _order(doc: dict[str, Any], kind: str) -> str:
    number = doc.get("order")
    if number is None:
        raise Malformed("no_order", f"a {kind} event names the order it is for")
    return str(number)


def _override(value: Any) -> Override | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        value.get(k) is None or isinstance(value[k], str) for k in ("by", "reason", "instead_of")
    ):
        raise Malformed("bad_field", "override names who allowed it and why")
    return Override(value.get("by"), value.get("reason"), value.get("instead_of"))


def _goods(cls: type[EventBase], envelope: Envelope, doc: dict[str, Any]) -> FloorEvent:
    """receiving, returning, storing, moving: goods in or between locations."""
    qty, batch = _qty(doc), _batch(doc.get("batch"), cls.TYPE)
    common: dict[str, Any] = {
        "envelope": envelope,
        "gtin": doc.get("gtin"),
        "batch": batch,
        "qty": qty,
    }
    if cls is Receiving:
        return Receiving(
            **common,
            location=doc.get("location"),
            prod_date=doc.get("prod_date"),
            expiry=doc.get("expiry"),
            notice=doc.get("notice"),
            epc=doc.get("epc"),
        )
    if cls is Returning:
        return Returning(**common, location=doc.get("location"))
    made = Moving if cls is Moving else Storing
    return made(
        **common,
        from_location=doc.get("from_location"),
        to_location=doc.get("to_location"),
        status=doc.get("status"),
    )


def _for_order(cls: type[EventBase], envelope: Envelope, doc: dict[str, Any]) -> FloorEvent:
    """picking, loading: goods taken for a dispatch order."""
    qty, number = _qty(doc), _order(doc, cls.TYPE)
    batch = _batch(doc.get("batch"), cls.TYPE)
    override = _override(doc.get("override"))
    common: dict[str, Any] = {
        "envelope": envelope,
        "order": number,
        "from_location": doc.get("from_location"),
        "gtin": doc.get("gtin"),
        "batch": batch,
        "qty": qty,
        "status": doc.get("status"),
        "override": override,
    }
    if cls is Picking:
        return Picking(**common)
    replaced = doc.get("instead_of")
    stack = None
    if replaced is not None:
        stack = Stack(replaced["location"], _batch(replaced["batch"], cls.TYPE))
    return Loading(**common, instead_of=stack)


def _count(cls: type[EventBase], envelope: Envelope, doc: dict[str, Any]) -> FloorEvent:
    """stock_taking: one batch counted at one location."""
    rounds = doc.get("round", 1)
    if rounds not in (1, 2) or not isinstance(rounds, int) or isinstance(rounds, bool):
        raise Malformed("bad_round", "round is 1 (blind count) or 2 (recount)")
    batch = _batch(doc.get("batch"), cls.TYPE)
    return StockTaking(
        envelope=envelope,
        stocktake=doc.get("stocktake"),
        location=doc.get("location"),
        gtin=doc.get("gtin"),
        batch=batch,
        counted=whole(doc.get("counted"), "counted", 0, MAX_STOCK),
        card=doc.get("card"),
        round=rounds,
    )


_BODIES: dict[
    type[EventBase], Callable[[type[EventBase], Envelope, dict[str, Any]], FloorEvent]
] = {
    Receiving: _goods,
    Returning: _goods,
    Storing: _goods,
    Moving: _goods,
    Picking: _for_order,
    Loading: _for_order,
    StockTaking: _count,
}
