"""Which pick-list line a picker is offered next: first-in-first-out (pure, no IO).

The server reserved the stock of a dispatch order nearest warehouse first, then FIFO (design
section 4), and sent the depot its pick lines. On the floor the gateway offers, for each
item, the open line whose batch the kernel's FIFO rule puts first (kernel/fifo.py, the rule
the server reserved by): overdue batches that passed a re-inspection still valid on the
depot's date, then earliest inbound date, earliest production date, walk order, and the
line's id. A line whose batch may no longer go out (overdue, and its re-inspection pass
lapsed since the server reserved it, or never given) is not offered; `held_back` names such
lines and `why_held` says why, Chinese first, English beside.

A picker who scans another batch of that item is refused and told which batch and location
to take. Across items the next offer follows the walk through the depot.

Dates are ISO strings here, as the book keeps them (checked when a sync brings them,
gateway/storage/server_copy.py); `lot_of` reads them for the kernel's rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kernel.fifo import Lot, fifo_key, limit_of, offerable


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
    storage_years: int | None = None  # the item's; None: never overdue
    pass_valid_until: str | None = None  # the batch's re-inspection pass counts until then

    @property
    def open(self) -> int:
        return max(0, self.qty - self.done)

    @property
    def made_here(self) -> bool:
        """A line of an order the depot made itself while cut off from the centre: such
        lines have negative ids, the server's positive (gateway/storage/phone_orders.py)."""
        return self.id < 0

    @property
    def lot(self) -> Lot:
        return lot_of(
            self.inbound_date,
            self.prod_date,
            self.storage_years,
            self.pass_valid_until,
            self.walk_order,
            (self.id,),
        )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def lot_of(
    inbound: str | None,
    made: str | None,
    storage_years: int | None,
    pass_valid_until: str | None,
    walk_order: int = 0,
    tiebreak: tuple[int | str, ...] = (),
) -> Lot:
    """A batch as the kernel's FIFO rule sees it, from the book's ISO dates."""
    return Lot(
        _day(inbound), _day(made), storage_years, _day(pass_valid_until), walk_order, tiebreak
    )


def offer(lines: Iterable[PickLine], item: str, today: date) -> PickLine | None:
    """The line to take the item from now, or None when nothing of it is left that may go."""
    candidates = [
        line for line in lines if line.item == item and line.open > 0 and offerable(line.lot, today)
    ]
    return min(candidates, key=lambda line: fifo_key(line.lot, today), default=None)


def held_back(lines: Iterable[PickLine], today: date) -> list[PickLine]:
    """Open lines whose batch may not go out on `today` (overdue without a valid pass)."""
    return [line for line in lines if line.open > 0 and not offerable(line.lot, today)]


def why_held(batch: str, lot: Lot, today: date) -> tuple[str, str]:
    """Why a batch may not go out (it is overdue without a pass valid today): Chinese, English."""
    limit = limit_of(lot)
    lapsed = lot.pass_valid_until
    if lapsed is not None and lapsed < today:
        return (
            f"批次 {batch} 已超过储存年限（{limit} 到期），复检合格有效期至 {lapsed}，"
            "已失效，不能出库",
            f"Batch {batch} is past its storage limit ({limit}) and its re-inspection pass "
            f"lapsed after {lapsed}: it may not go out",
        )
    return (
        f"批次 {batch} 已超过储存年限（{limit} 到期），未经复检合格，不能出库",
        f"Batch {batch} is past its storage limit ({limit}) and has not passed a "
        "re-inspection: it may not go out",
    )


def next_pick(lines: Iterable[PickLine], today: date) -> PickLine | None:
    """The next line to walk to: each item's FIFO offer, in walking order."""
    lines = list(lines)
    offers = [o for o in (offer(lines, item, today) for item in {x.item for x in lines}) if o]
    return min(offers, key=lambda line: (line.walk_order, line.id), default=None)


def remaining(lines: Iterable[PickLine]) -> int:
    return sum(line.open for line in lines)
