"""The floor events: one definition of each event's fields, for the gateway that writes them
and the server that reads them. Standard library only, no IO.

A gateway decides a read on the floor and sends the server one event per thing the floor
did, as a JSON object (the outbox keeps that object until the server has answered):

    receiving     goods at a receiving door, pending acceptance (location, notice, dates)
    storing       putaway: from the door (from_location) to storage (to_location)
    moving        倒垛: from one location to another
    picking       a picker took goods off a stack for an order (override: a supervisor let
                  another batch than the one offered be taken)
    loading       goods onto a truck for an order (instead_of: the reserved stack a unit
                  picked on an override replaces)
    returning     reusable goods back from a disaster area
    stock_taking  what a counter found at one stack (counted, the bin card, the round)

Every event carries the envelope: its id (a UUID that follows from the read's), the depot
(warehouse), when the read was made (occurred_at), the read's id, the device, and the person
signed on to it (operator, when someone is).

`to_wire()` is the JSON object the gateway sends; `parse(doc)` reads one back, checking the
shape and the type of every field, and raises Malformed with a reason code (REASONS) for an
object no ledger could ever take. Whether the event fits the ledger (a location, GTIN, batch
or order it knows, enough stock) is the server's to decide. Fields a server does not read
are ignored, so an older or newer gateway's events are read the same way.
"""

from kernel.floor_events.kinds import (
    TAKES_FROM,
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
from kernel.floor_events.reading import REASONS, Malformed, is_event_id, parse, whole

__all__ = [
    "REASONS",
    "TAKES_FROM",
    "TYPES",
    "Envelope",
    "EventBase",
    "FloorEvent",
    "Loading",
    "Malformed",
    "Moving",
    "Override",
    "Picking",
    "Receiving",
    "Returning",
    "Stack",
    "StockTaking",
    "Storing",
    "is_event_id",
    "parse",
    "whole",
]
