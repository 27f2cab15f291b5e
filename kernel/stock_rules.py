"""Which stock a floor event takes: one rule for the gateway (deciding at the scan) and the
server (posting to the ledger), so the two never disagree about a stack.

A stack holds one batch at one location in several statuses (design.md §3: pending
acceptance, available, reserved, on hold, scrap pending; and rejected after a failed
acceptance). An event that lowers a stack names a quantity, not a status; the status it
takes is the first in its order of which the stack holds at least that quantity.

    MOVE_ORDER  a move (倒垛) or putaway carries goods between locations and leaves their
                status as it was, so any status may move: usable stock first, then stock
                still awaiting acceptance (art. 8), picked stock, stock on hold (returns
                awaiting inspection, art. 24), stock awaiting scrapping (art. 25) and
                refused stock last.
    LOAD_ORDER  a load puts goods on a truck. Only accepted stock leaves the depot (art. 8),
                and only for an order (art. 29): stock the order reserved (picked) first,
                then available stock. Pending, held, scrap-pending and rejected stock never
                goes onto a truck.
    MADE_HERE_LOAD_ORDER
                a load for an order a depot made itself while cut off from the centre (a
                phone order, art. 19(4)): nothing was reserved for it, its plan took available
                stock, so available stock goes first; stock reserved for another order only
                when the stack holds no more available.

Pure: no IO, standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

MOVE_ORDER: tuple[str, ...] = (
    "available",
    "pending_acceptance",
    "reserved",
    "on_hold",
    "scrap_pending",
    "rejected",
)
LOAD_ORDER: tuple[str, ...] = ("reserved", "available")
MADE_HERE_LOAD_ORDER: tuple[str, ...] = ("available", "reserved")


def status_taken(order: tuple[str, ...], held: Callable[[str], int], qty: int) -> str | None:
    """The first status in `order` of which the stack holds at least `qty` (`held` gives the
    stack's quantity in a status), or None when no single status holds enough."""
    return next((status for status in order if held(status) >= qty), None)
