"""The shape of a floor event, checked before anything reads it: pure, no database.

A gateway posts events as JSON objects. Before an event is decided, `check` makes sure it
can be stored and answered and that every number in it is in range: a size, a nesting depth,
text without control characters or lone surrogates, whole numbers within 64 bits, and the
fields a decision reads of the type and range it needs. An event that fails is rejected on
its own with a reason code from MALFORMED; the rest of its batch goes on.

Malformed is not the same as refused: a malformed event can never be taken, whatever the
ledger holds (the gateway sets it aside for a person); a refused one (unknown_gtin,
insufficient_stock, ...) was well formed but does not fit the ledger as it stands.
"""

from __future__ import annotations

import json
import re
from typing import Any

from server.domain.bounds import MAX_ID, MAX_QTY, MAX_STOCK, json_problem, shown, unprintable
from server.domain.floor import Rejection

MAX_EVENT_BYTES = 16 * 1024  # one event, as JSON
MAX_DEPTH = 4  # objects and lists within the event
MAX_TEXT = 1000  # any text value
MAX_ITEMS = 100  # any list or object inside the event

# Every reason code for an event that is malformed; these answers carry "malformed": true.
MALFORMED = frozenset(
    {
        "bad_event_id",
        "too_large",
        "bad_text",
        "bad_number",
        "bad_field",
        "bad_quantity",
        "unsupported_type",
        "missing_batch",
        "bad_status",
        "bad_round",
        "bad_instead_of",
        "no_operator",
        "no_order",  # goods leave only for an order (server.domain.floor)
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
}
STACK = ("location", "batch")  # what instead_of names
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_malformed(reason: str | None) -> bool:
    return (reason or "").split(":", 1)[0] in MALFORMED


def event_id_of(event: Any) -> str | None:
    """The event's id if it is a UUID in its canonical 36-character form, else None."""
    value = event.get("event_id") if isinstance(event, dict) else None
    return value if isinstance(value, str) and _UUID.fullmatch(value) else None


def stored(event: Any) -> str:
    """The event as JSON text that any database takes (surrogates and control characters
    escaped), cut to a marker if it is larger than an event may be."""
    text = json.dumps(event, ensure_ascii=True, separators=(",", ":"), default=repr)
    if len(text) > MAX_EVENT_BYTES:
        return json.dumps({"event_id": shown(event.get("event_id"), 64), "bytes": len(text)})
    return text


# Compact JSON, as an event is stored (no cycles to look for in decoded JSON).
ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def check(event: dict[str, Any]) -> str:
    """The event as compact JSON to store, or Rejection (a reason in MALFORMED) if it is not
    one the ledger can read."""
    problem = json_problem(event, "event", MAX_DEPTH, MAX_TEXT, MAX_ITEMS)
    if problem is not None:
        raise Rejection(*problem)
    text = ENCODE(event)
    size = len(text.encode())
    if size > MAX_EVENT_BYTES:
        raise Rejection("too_large", f"the event has {size} bytes, at most {MAX_EVENT_BYTES}")
    for field, limit in CODES.items():
        value = event.get(field)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit or unprintable(value):
            raise Rejection("bad_field", f"{field} must be one line of at most {limit} characters")
    if "qty" in event:
        whole(event["qty"], "qty", 1, MAX_QTY)
    for field in ("counted", "card"):
        if event.get(field) is not None:
            whole(event[field], field, 0, MAX_STOCK)
    if event.get("stocktake") is not None:
        whole(event["stocktake"], "stocktake", 1, MAX_ID, reason="bad_field")
    if event.get("type") == "stock_taking" and not str(event.get("operator") or "").strip():
        raise Rejection("no_operator", "a count carries the person who counted (operator)")
    replaced = event.get("instead_of")
    if replaced is not None and not (
        isinstance(replaced, dict)
        and all(isinstance(replaced.get(k), str) and len(replaced[k]) <= 64 for k in STACK)
    ):
        raise Rejection("bad_instead_of", "instead_of names a location and a batch")
    return text


def whole(value: Any, name: str, low: int, high: int, reason: str = "bad_quantity") -> int:
    """A whole number from low to high (JSON true and 2.0 are not)."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Rejection(reason, f"{name} must be a whole number from {low} to {high:,}")
    return value
