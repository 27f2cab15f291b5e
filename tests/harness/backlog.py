"""Days of a depot's floor work done while its line to the centre was down, waiting in its
gateway's outbox: receiving at the doors, then each lot put away into the racks (checked at
the centre against the door stock it takes from). For the drain test and its benchmark."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo.exampledata import ExampleDepot
from gateway.storage.store import GatewayStore, insert_outbox

SITE = "LC01"
DOORS = ("D01", "D02", "D03")


@dataclass(frozen=True, slots=True)
class Backlog:
    events: list[dict[str, Any]]  # in the order the floor made them
    received: int  # units received at the doors
    stored: dict[str, int]  # units put away, by rack location

    @property
    def postings(self) -> int:
        """What the centre books for them: one posting a receipt, two a putaway."""
        return sum(1 if e["type"] == "receiving" else 2 for e in self.events)


def floor_work(example: ExampleDepot, count: int) -> Backlog:
    """`count` events (even): lots received at the doors, and then each put away."""
    items = example.items
    racks = [loc.code for loc in example.locations_of(SITE) if loc.code.startswith("A-")][:500]
    received: list[dict[str, Any]] = []
    for n in range(count // 2):
        received.append({
            "event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": SITE,
            "occurred_at": "2026-11-30T09:00:00+08:00", "device": f"{SITE}-D01-FIX1",
            "location": DOORS[n % len(DOORS)], "gtin": items[n % len(items)].gtin,
            "batch": f"B{n % 400}", "qty": 1 + n % 20,
        })  # fmt: skip
    stored: dict[str, int] = {}
    putaway: list[dict[str, Any]] = []
    for n, r in enumerate(received):
        rack = racks[n % len(racks)]
        stored[rack] = stored.get(rack, 0) + int(r["qty"])
        putaway.append({
            "event_id": str(uuid.uuid4()), "type": "storing", "warehouse": SITE,
            "occurred_at": "2026-11-30T11:00:00+08:00", "device": f"{SITE}-HH01",
            "from_location": r["location"], "to_location": rack, "gtin": r["gtin"],
            "batch": r["batch"], "qty": r["qty"],
        })  # fmt: skip
    return Backlog(received + putaway, sum(int(r["qty"]) for r in received), stored)


def into_outbox(database: Path, events: list[dict[str, Any]]) -> None:
    """The events into a gateway's book, waiting to be sent, as its intake leaves them."""
    store = GatewayStore(database, lambda: 0.0)
    try:
        for start in range(0, len(events), 10_000):
            with store.transaction() as db:
                chunk = events[start : start + 10_000]
                insert_outbox(db, [(e["event_id"], e["type"], e) for e in chunk], 0.0)
    finally:
        store.close()
