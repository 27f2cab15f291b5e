"""Which line of an inbound notice a unit received at the door counts against (pure).

The gateway counts each read at a receiving door against the first open notice line for its
item (and batch, where the line names one) with room for it, else the first still short,
else the first of its item (gateway/domain/workflows/receiving.py `match`), and names the
notice in the receiving event. The server counts the accepted events against the same
notice's lines by the same rule (`count`), so that what the notice's page shows received is
what the door counted. A unit the notice lists counts against its own line: the door names
its tag in the event (`epc`) and the server finds its line from it (`Receipt.line`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    item: str
    batch: str | None
    qty: int


@dataclass(frozen=True, slots=True)
class Receipt:
    item: str
    batch: str
    qty: int
    line: int | None = None  # a listed unit's own line (its place in the notice, from 0)


def count(
    lines: Sequence[Line], receipts: Sequence[Receipt], start: Sequence[int] = ()
) -> list[int]:
    """What each line has received after `receipts`, in order, from `start` (0 each)."""
    got = list(start) if start else [0] * len(lines)
    for r in receipts:
        if r.line is not None and 0 <= r.line < len(lines):
            got[r.line] += r.qty
            continue
        named = [i for i, x in enumerate(lines) if x.item == r.item and x.batch in (None, r.batch)]
        if not named:
            continue
        room = [i for i in named if got[i] + r.qty <= lines[i].qty]
        short = [i for i in named if got[i] < lines[i].qty]
        got[(room or short or named)[0]] += r.qty
    return got
