"""The shape of a floor event, checked before anything reads it: pure, no database.

A gateway posts events as JSON objects. Before an event is decided, `read` makes sure it can
be stored and answered (`check`: a size, a nesting depth, text without control characters or
lone surrogates, whole numbers within 64 bits), then reads it once into its typed form
(kernel.floor_events.parse: the fields a decision reads, of the type and range it needs). An
event that fails is rejected on its own with a reason code from MALFORMED; the rest of its
batch goes on.

Malformed is not the same as refused: a malformed event can never be taken, whatever the
ledger holds (the gateway sets it aside for a person); a refused one (unknown_gtin,
insufficient_stock, ...) was well formed but does not fit the ledger as it stands.
"""

from __future__ import annotations

import json
from typing import Any

from kernel.floor_events import REASONS, FloorEvent, Malformed, is_event_id, parse
from server.domain.bounds import json_problem, shown
from server.domain.floor import Rejection

MAX_EVENT_BYTES = 16 * 1024  # one event, as JSON
MAX_DEPTH = 4  # objects and lists within the event
MAX_TEXT = 1000  # any text value
MAX_ITEMS = 100  # any list or object inside the event

# Every reason code for an event that is malformed; these answers carry "malformed": true:
# the envelope's (json_problem, the size), the parser's (kernel.floor_events.REASONS: a field
# missing or of the wrong type or range; no_order: goods leave only for an order), and a
# status that no move or load may take (server.domain.floor).
MALFORMED = REASONS | {"too_large", "bad_text", "bad_number", "bad_field", "bad_status"}


def is_malformed(reason: str | None) -> bool:
    return (reason or "").split(":", 1)[0] in MALFORMED


def event_id_of(event: Any) -> str | None:
    """The event's id if it is a UUID in its canonical 36-character form, else None."""
    value = event.get("event_id") if isinstance(event, dict) else None
    return value if is_event_id(value) else None


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
    """The event as compact JSON to store, or Rejection (a reason in MALFORMED) if it is
    not JSON the ledger can store: too deep, too large, text it cannot hold, a number out of
    range."""
    problem = json_problem(event, "event", MAX_DEPTH, MAX_TEXT, MAX_ITEMS)
    if problem is not None:
        raise Rejection(*problem)
    text = ENCODE(event)
    size = len(text.encode())
    if size > MAX_EVENT_BYTES:
        raise Rejection("too_large", f"the event has {size} bytes, at most {MAX_EVENT_BYTES}")
    return text


def read(event: dict[str, Any]) -> tuple[str, FloorEvent]:
    """The event as compact JSON to store and as the typed floor event it stands for
    (kernel.floor_events.parse: each field of the type and range a decision needs), or
    Rejection with a reason in MALFORMED."""
    text = check(event)
    try:
        return text, parse(event)
    except Malformed as exc:
        raise Rejection(exc.reason, exc.detail) from None
