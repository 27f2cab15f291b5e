"""Where a unit goes on putaway (pure, no IO).

One stack holds one batch of one item (a bin card per batch, art. 12(1)), so a unit may go
onto a storage location that is empty or already holds its batch; anything else is the wrong
location. The suggestion keeps a batch together and older batches reachable: the location
already holding the batch; otherwise the first empty location after the last one holding an
older batch of the item, so the older ones stay earlier on the picking walk; otherwise the
first empty location.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Slot:
    code: str
    walk_order: int
    kind: str  # dock | storage
    holds: frozenset[tuple[str, str]]  # (item, batch) with stock there


def fits(slot: Slot | None, item: str, batch: str) -> bool:
    return slot is not None and slot.kind == "storage" and slot.holds <= frozenset({(item, batch)})


def suggest(
    slots: Iterable[Slot], item: str, batch: str, inbound: Mapping[str, str | None]
) -> Slot | None:
    """The location to put a unit of (item, batch); `inbound` gives the inbound date of each
    batch of the item (None: not known, taken as the newest)."""
    storage = sorted((s for s in slots if s.kind == "storage"), key=lambda s: s.walk_order)
    same = [s for s in storage if (item, batch) in s.holds]
    if same:
        return same[0]
    empty = [s for s in storage if not s.holds]
    mine = inbound.get(batch) or "9999-12-31"
    older = [
        s.walk_order
        for s in storage
        for held_item, held_batch in s.holds
        if held_item == item
        and held_batch != batch
        and (inbound.get(held_batch) or "9999-12-31") <= mine
    ]
    if older:
        after = [s for s in empty if s.walk_order > max(older)]
        if after:
            return after[0]
    return empty[0] if empty else None
