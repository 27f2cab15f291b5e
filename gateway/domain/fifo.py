"""Which pick-list line a picker is offered next: first-in-first-out (pure, no IO).

The server reserved the stock of a dispatch order nearest warehouse first, then FIFO (design
section 4), and sent the depot its pick lines. On the floor the gateway offers, for each
item, the open line whose batch FIFO puts first:

1. overdue batches that passed a re-inspection (art. 25(4));
2. earliest inbound date (art. 15);
3. earliest production date;
4. location walk order;
5. the line's id.

A picker who scans another batch of that item is refused and told which batch and location
to take. Across items the next offer follows the walk through the depot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LATEST = "9999-12-31"


@dataclass(frozen=True, slots=True)
class PickLine:
    id: int
    order: str
    item: str
    batch: str
    location: str
    walk_order: int
    qty: int
    done: int  # picked (or loaded) so far
    inbound_date: str | None = None
    prod_date: str | None = None
    reinspected: bool = False

    @property
    def open(self) -> int:
        return max(0, self.qty - self.done)


def fifo_key(line: PickLine) -> tuple[int, str, str, int, int]:
    return (
        0 if line.reinspected else 1,
        line.inbound_date or LATEST,
        line.prod_date or LATEST,
        line.walk_order,
        line.id,
    )


def offer(lines: Iterable[PickLine], item: str) -> PickLine | None:
    """The line to take the item from now, or None when nothing of it is left to pick."""
    candidates = [line for line in lines if line.item == item and line.open > 0]
    return min(candidates, key=fifo_key, default=None)


def next_pick(lines: Iterable[PickLine]) -> PickLine | None:
    """The next line to walk to: each item's FIFO offer, in walking order."""
    lines = list(lines)
    offers = [o for o in (offer(lines, item) for item in {x.item for x in lines}) if o]
    return min(offers, key=lambda line: (line.walk_order, line.id), default=None)


def remaining(lines: Iterable[PickLine]) -> int:
    return sum(line.open for line in lines)
