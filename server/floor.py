"""What each kind of floor event does to stock: pure functions, no database.

receiving  +qty pending acceptance at the door (art. 8: not usable until accepted)
storing    putaway: qty moves from the door to a storage location, status unchanged
moving     倒垛: qty moves between locations, status unchanged
picking    a picker took goods off a stack for an order: checked against the stack, no change
loading    qty leaves the warehouse onto a truck: reserved (picked) or available stock only
returning  reusable goods come back (art. 24): +qty on hold until inspected

`plan` takes an event, the master data it refers to (already looked up) and a view of the
current stock, and returns the changes to make, or raises Rejection with a reason code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.bounds import MAX_QTY, MAX_STOCK


class Rejection(Exception):
    """An event the ledger will not take; `reason` is a short code, the message explains."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# The field naming where an event takes stock from. Every change that lowers a quantity is at
# this location, or (a load a supervisor let replace a reserved batch) at the stack named in
# RELEASED, so a decision needs the stored quantities of these stacks only (stacks_lowered).
TAKEN_FROM = "from_location"
RELEASED = "instead_of"  # {"location": ..., "batch": ...}: the reservation a load replaces
# Which stock a move takes when the event does not say: the first status with enough.
MOVE_ORDER = (
    "available",
    "pending_acceptance",
    "reserved",
    "on_hold",
    "scrap_pending",
    "rejected",
)
# Only accepted stock leaves on a truck (art. 8); picked stock first.
LOAD_ORDER = ("reserved", "available")

StockKey = tuple[int, int, str]  # location_id, batch_id, status
StockView = Callable[[StockKey], int]


@dataclass(frozen=True, slots=True)
class Refs:
    """Master data an event may name, looked up beforehand for a whole batch."""

    items: dict[str, str]  # GTIN -> item code
    locations: dict[str, int]  # location code -> id (of the caller's warehouse)
    batches: dict[tuple[str, str], int]  # (item code, batch no) -> id
    reusable: frozenset[str] = frozenset()  # item codes of reusable goods (art. 24)
    orders: dict[str, OrderRef] = field(default_factory=dict)  # number -> order picked for
    counters: frozenset[str] = frozenset()  # operators named who may count here (users)


@dataclass(frozen=True, slots=True)
class OrderRef:
    """A dispatch order a picking or loading event names."""

    id: int
    status: str  # open, cancelled, closed
    here: bool  # it has pick lines at the caller's warehouse


@dataclass(frozen=True, slots=True)
class Change:
    location_id: int
    batch_id: int
    status: str
    delta: int

    @property
    def key(self) -> StockKey:
        return (self.location_id, self.batch_id, self.status)


def quantity(event: dict[str, Any]) -> int:
    qty = event.get("qty")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= MAX_QTY:
        raise Rejection("bad_quantity", f"qty must be a whole number from 1 to {MAX_QTY:,}")
    return qty


def order(refs: Refs, event: dict[str, Any]) -> OrderRef | None:
    """The dispatch order a picking or loading event names, if it names one: it must exist,
    take goods from this depot and be open, or the event takes nothing."""
    number = event.get("order")
    if number is None:
        return None
    found = refs.orders.get(str(number))
    if found is None:
        raise Rejection("unknown_order", f"there is no dispatch order {number}")
    if not found.here:
        raise Rejection("unknown_order", f"order {number} takes nothing from this depot")
    if found.status != "open":
        raise Rejection("not_open", f"order {number} is {found.status}")
    return found


def location(refs: Refs, event: dict[str, Any], field: str) -> int:
    code = event.get(field)
    found = refs.locations.get(str(code))
    if found is None:
        raise Rejection("unknown_location", f"{field} {code!r} is not a location here")
    return found


def item(refs: Refs, event: dict[str, Any]) -> str:
    found = refs.items.get(str(event.get("gtin")))
    if found is None:
        raise Rejection("unknown_gtin", f"GTIN {event.get('gtin')} is not in the item catalog")
    return found


def batch_no(event: dict[str, Any]) -> str:
    value = event.get("batch")
    if not isinstance(value, str) or not value.strip() or len(value) > 32:
        raise Rejection("missing_batch", f"a {event.get('type')} event needs a batch number")
    return value


def batch(refs: Refs, event: dict[str, Any]) -> int:
    code, number = item(refs, event), batch_no(event)
    found = refs.batches.get((code, number))
    if found is None:
        raise Rejection("unknown_batch", f"batch {number} of item {code} has never been received")
    return found


def status_to_take(
    stock: StockView, where: int, batch_id: int, qty: int, order: tuple[str, ...], asked: Any
) -> str:
    if asked is not None:
        if asked not in order:
            raise Rejection("bad_status", f"status {asked!r} cannot be taken here {order}")
        order = (str(asked),)
    for status in order:
        if stock((where, batch_id, status)) >= qty:
            return status
    have = ", ".join(f"{stock((where, batch_id, s))} {s}" for s in order)
    raise Rejection("insufficient_stock", f"{qty} asked, the location holds {have}")


def receive(event: dict[str, Any], refs: Refs, stock: StockView) -> list[Change]:
    qty = quantity(event)
    return [
        Change(location(refs, event, "location"), batch(refs, event), "pending_acceptance", qty)
    ]


def returning(event: dict[str, Any], refs: Refs, stock: StockView) -> list[Change]:
    """Reusable goods back from a disaster area (art. 24): on hold until inspected."""
    qty = quantity(event)
    code = item(refs, event)
    if code not in refs.reusable:
        raise Rejection("not_reusable", f"item {code} is consumable; it does not come back")
    return [Change(location(refs, event, "location"), batch(refs, event), "on_hold", qty)]


def move(event: dict[str, Any], refs: Refs, stock: StockView) -> list[Change]:
    qty = quantity(event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    target = location(refs, event, "to_location")
    if source == target:
        raise Rejection("same_location", "from_location and to_location are the same")
    status = status_to_take(stock, source, batch_id, qty, MOVE_ORDER, event.get("status"))
    return [Change(source, batch_id, status, -qty), Change(target, batch_id, status, qty)]


def load(event: dict[str, Any], refs: Refs, stock: StockView) -> list[Change]:
    qty = quantity(event)
    order(refs, event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    status = status_to_take(stock, source, batch_id, qty, LOAD_ORDER, event.get("status"))
    return [Change(source, batch_id, status, -qty), *release(event, refs, stock, qty)]


def release(event: dict[str, Any], refs: Refs, stock: StockView, qty: int) -> list[Change]:
    """A unit loaded instead of a reserved one (a supervisor's override of FIFO): that
    reservation goes back to available stock."""
    replaced = event.get(RELEASED)
    if replaced is None:
        return []
    if not isinstance(replaced, dict):
        raise Rejection("bad_instead_of", "instead_of names a location and a batch")
    stack = location(refs, replaced, "location")
    held = batch(refs, {"gtin": event.get("gtin"), "batch": replaced.get("batch"), "type": "x"})
    if stock((stack, held, "reserved")) < qty:
        raise Rejection("not_reserved", f"{qty} of the replaced batch are not reserved there")
    return [Change(stack, held, "reserved", -qty), Change(stack, held, "available", qty)]


def stacks_lowered(event: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(location code, batch no) of every stack the event may lower (see TAKEN_FROM)."""
    stacks = [(event.get(TAKEN_FROM), event.get("batch"))]
    replaced = event.get(RELEASED)
    if isinstance(replaced, dict):
        stacks.append((replaced.get("location"), replaced.get("batch")))
    return stacks


def pick(event: dict[str, Any], refs: Refs, stock: StockView) -> list[Change]:
    """A picker took goods off a stack for a dispatch order: recorded, no change to stock
    (the order reserved it; loading takes it off the books)."""
    qty = quantity(event)
    order(refs, event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    status_to_take(stock, source, batch_id, qty, LOAD_ORDER, event.get("status"))
    return []


HANDLERS: dict[str, Callable[[dict[str, Any], Refs, StockView], list[Change]]] = {
    "receiving": receive,
    "picking": pick,
    "storing": move,
    "moving": move,
    "loading": load,
    "returning": returning,
}


@dataclass(frozen=True, slots=True)
class Counted:
    """A stock_taking event: what a counter found at one stack (no change to stock)."""

    stocktake_id: int
    location_id: int
    batch_id: int
    counted: int
    card: int | None
    round: int


def _whole(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_STOCK:
        raise Rejection("bad_quantity", f"{name} must be a whole number from 0 to {MAX_STOCK:,}")
    return value


def counted(event: dict[str, Any], warehouse: str, refs: Refs, open_takes: set[int]) -> Counted:
    if event.get("warehouse") != warehouse:
        raise Rejection("warehouse_not_allowed", f"this gateway posts for {warehouse} only")
    operator = event.get("operator")
    if operator not in refs.counters:
        raise Rejection(
            "unknown_operator",
            f"{operator!r} is not a person who may count at {warehouse}: a count is credited "
            "to the user name on the counter's badge",
        )
    take = event.get("stocktake")
    if not isinstance(take, int) or take not in open_takes:
        raise Rejection("not_counting", f"stocktake {take!r} is not open for counting here")
    card = event.get("card")
    rounds = event.get("round", 1)
    if rounds not in (1, 2):
        raise Rejection("bad_round", "round is 1 (blind count) or 2 (recount)")
    return Counted(
        take,
        location(refs, event, "location"),
        batch(refs, event),
        _whole(event.get("counted"), "counted"),
        None if card is None else _whole(card, "card"),
        int(rounds),
    )


def plan(event: dict[str, Any], warehouse: str, refs: Refs, stock: StockView) -> list[Change]:
    """The changes an event makes, checked against the stock as it stands."""
    kind = event.get("type")
    handler = HANDLERS.get(str(kind))
    if handler is None:
        raise Rejection("unsupported_type", f"event type {kind!r} is not handled")
    if event.get("warehouse") != warehouse:
        raise Rejection("warehouse_not_allowed", f"this gateway posts for {warehouse} only")
    changes = handler(event, refs, stock)
    for change in changes:
        after = stock(change.key) + change.delta
        if after < 0:  # a handler's checks missed something
            raise Rejection("insufficient_stock", "stock would go negative")
        if after > MAX_STOCK:
            raise Rejection("stock_limit", f"a stock line holds at most {MAX_STOCK:,}")
    return changes
