"""What each kind of floor event does to stock: pure functions, no database.

receiving  +qty pending acceptance at the door (art. 8: not usable until accepted)
storing    putaway: qty moves from the door to a storage location, status unchanged
moving     倒垛: qty moves between locations, status unchanged
picking    a picker took goods off a stack for an order's pick line: checked, no change
loading    qty leaves the warehouse onto a truck against a pick line of an open order:
           reserved (picked) or available stock only
returning  reusable goods come back (art. 24): +qty on hold until inspected

Goods leave only for an order (art. 29): a picking or loading event without one, or naming an
order with no pick line at that stack, is refused; a load takes at most what its line has
still to load.

`plan` takes an event, the master data it refers to (already looked up) and a view of the
current stock, and returns the changes to make with the kind of basis they stand on
(server.domain.basis), or raises Rejection with a reason code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kernel.stock_rules import LOAD_ORDER, MOVE_ORDER, status_taken
from server.domain.basis import Kind
from server.domain.bounds import MAX_QTY, MAX_STOCK
from server.domain.errors import Rejection as Rejection  # imported from here by many modules

# The field naming where an event takes stock from. Every change that lowers a quantity is at
# this location, or (a load a supervisor let replace a reserved batch) at the stack named in
# RELEASED, so a decision needs the stored quantities of these stacks only (stacks_lowered).
TAKEN_FROM = "from_location"
RELEASED = "instead_of"  # {"location": ..., "batch": ...}: the reservation a load replaces
# Which status a move or a load takes when the event does not say: kernel.stock_rules.

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
    # (order number, location id, batch id) -> the order's pick line at that stack, here
    picks: dict[tuple[str, int, int], PickRef] = field(default_factory=dict)
    ordered: frozenset[tuple[str, str]] = frozenset()  # (order number, item code) listed here


@dataclass(frozen=True, slots=True)
class OrderRef:
    """A dispatch order a picking or loading event names."""

    id: int
    status: str  # open, cancelled, closed
    here: bool  # it has pick lines at the caller's warehouse


@dataclass(frozen=True, slots=True)
class PickRef:
    """A pick line of an order at one stack of the caller's warehouse."""

    id: int
    open: int  # still to load: its quantity less what was loaded


@dataclass(frozen=True, slots=True)
class Change:
    location_id: int
    batch_id: int
    status: str
    delta: int

    @property
    def key(self) -> StockKey:
        return (self.location_id, self.batch_id, self.status)


@dataclass(frozen=True, slots=True)
class Planned:
    """What an event does: its changes, the kind of basis they stand on (None: it books
    nothing), and for a load the pick line it counts against."""

    changes: list[Change]
    kind: Kind | None = None
    line: PickRef | None = None

    @property
    def ref(self) -> str | None:
        return None if self.line is None else str(self.line.id)


def quantity(event: dict[str, Any]) -> int:
    qty = event.get("qty")
    if not isinstance(qty, int) or isinstance(qty, bool) or not 0 < qty <= MAX_QTY:
        raise Rejection("bad_quantity", f"qty must be a whole number from 1 to {MAX_QTY:,}")
    return qty


def order(refs: Refs, event: dict[str, Any]) -> str:
    """The number of the dispatch order a picking or loading event is for: it must name one
    that exists, takes goods from this depot and is open, or the event takes nothing."""
    number = event.get("order")
    if number is None:
        raise Rejection("no_order", f"a {event.get('type')} event names the order it is for")
    found = refs.orders.get(str(number))
    if found is None:
        raise Rejection("unknown_order", f"there is no dispatch order {number}")
    if not found.here:
        raise Rejection("unknown_order", f"order {number} takes nothing from this depot")
    if found.status != "open":
        raise Rejection("not_open", f"order {number} is {found.status}")
    return str(number)


def pick_line(refs: Refs, number: str, where: int, batch_id: int, event: dict[str, Any]) -> PickRef:
    """The order's pick line at a stack (location, batch) of this depot."""
    found = refs.picks.get((number, where, batch_id))
    if found is None:
        raise Rejection(
            "not_on_pick_list",
            f"order {number} has no pick line for batch {event.get('batch')} at that location",
        )
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
    status = status_taken(order, lambda s: stock((where, batch_id, s)), qty)
    if status is not None:
        return status
    have = ", ".join(f"{stock((where, batch_id, s))} {s}" for s in order)
    raise Rejection("insufficient_stock", f"{qty} asked, the location holds {have}")


def receive(event: dict[str, Any], refs: Refs, stock: StockView) -> Planned:
    qty = quantity(event)
    where, batch_id = location(refs, event, "location"), batch(refs, event)
    return Planned([Change(where, batch_id, "pending_acceptance", qty)], Kind.RECEIPT)


def returning(event: dict[str, Any], refs: Refs, stock: StockView) -> Planned:
    """Reusable goods back from a disaster area (art. 24): on hold until inspected."""
    qty = quantity(event)
    code = item(refs, event)
    if code not in refs.reusable:
        raise Rejection("not_reusable", f"item {code} is consumable; it does not come back")
    where, batch_id = location(refs, event, "location"), batch(refs, event)
    return Planned([Change(where, batch_id, "on_hold", qty)], Kind.RETURN)


def move(event: dict[str, Any], refs: Refs, stock: StockView) -> Planned:
    qty = quantity(event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    target = location(refs, event, "to_location")
    if source == target:
        raise Rejection("same_location", "from_location and to_location are the same")
    status = status_to_take(stock, source, batch_id, qty, MOVE_ORDER, event.get("status"))
    changes = [Change(source, batch_id, status, -qty), Change(target, batch_id, status, qty)]
    return Planned(changes, Kind.MOVE)


def load(event: dict[str, Any], refs: Refs, stock: StockView) -> Planned:
    """Goods onto a truck against the order's pick line at the stack they come from, or, for
    a unit a supervisor let replace a reserved one, at the stack it replaces."""
    qty = quantity(event)
    number = order(refs, event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    replaced = released_stack(event, refs)
    line = pick_line(refs, number, *(replaced or (source, batch_id)), event)
    status = status_to_take(stock, source, batch_id, qty, LOAD_ORDER, event.get("status"))
    changes = [Change(source, batch_id, status, -qty)]
    if replaced is not None:
        if stock((*replaced, "reserved")) < qty:
            raise Rejection("not_reserved", f"{qty} of the replaced batch are not reserved there")
        changes += [Change(*replaced, "reserved", -qty), Change(*replaced, "available", qty)]
    return Planned(changes, Kind.PICK_LINE, line)


def released_stack(event: dict[str, Any], refs: Refs) -> tuple[int, int] | None:
    """(location, batch) of the reservation a unit loaded instead of it replaces (a
    supervisor's override of FIFO): it goes back to available stock."""
    replaced = event.get(RELEASED)
    if replaced is None:
        return None
    if not isinstance(replaced, dict):
        raise Rejection("bad_instead_of", "instead_of names a location and a batch")
    stack = location(refs, replaced, "location")
    held = batch(refs, {"gtin": event.get("gtin"), "batch": replaced.get("batch"), "type": "x"})
    return stack, held


def stacks_lowered(event: dict[str, Any]) -> list[tuple[Any, Any]]:
    """(location code, batch no) of every stack the event may lower (see TAKEN_FROM)."""
    stacks = [(event.get(TAKEN_FROM), event.get("batch"))]
    replaced = event.get(RELEASED)
    if isinstance(replaced, dict):
        stacks.append((replaced.get("location"), replaced.get("batch")))
    return stacks


def pick(event: dict[str, Any], refs: Refs, stock: StockView) -> Planned:
    """A picker took goods off a stack for a dispatch order's pick line: recorded, no change
    to stock (the order reserved it; loading takes it off the books). A unit a supervisor
    let replace the one offered (`override`) needs a line of the order for the item here."""
    qty = quantity(event)
    number = order(refs, event)
    batch_id = batch(refs, event)
    source = location(refs, event, TAKEN_FROM)
    status_to_take(stock, source, batch_id, qty, LOAD_ORDER, event.get("status"))
    if isinstance(event.get("override"), dict):
        if (number, item(refs, event)) not in refs.ordered:
            raise Rejection("not_on_pick_list", f"order {number} lists no such item here")
    else:
        pick_line(refs, number, source, batch_id, event)
    return Planned([])


HANDLERS: dict[str, Callable[[dict[str, Any], Refs, StockView], Planned]] = {
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


def plan(
    event: dict[str, Any],
    warehouse: str,
    refs: Refs,
    stock: StockView,
    loaded: Callable[[int], int] = lambda line_id: 0,
) -> Planned:
    """The changes an event makes, checked against the stock as it stands; `loaded` says how
    much earlier events of the same batch loaded against a pick line."""
    kind = event.get("type")
    handler = HANDLERS.get(str(kind))
    if handler is None:
        raise Rejection("unsupported_type", f"event type {kind!r} is not handled")
    if event.get("warehouse") != warehouse:
        raise Rejection("warehouse_not_allowed", f"this gateway posts for {warehouse} only")
    planned = handler(event, refs, stock)
    line = planned.line
    if line is not None and quantity(event) > line.open - loaded(line.id):
        left = line.open - loaded(line.id)
        raise Rejection("over_pick_list", f"its pick line has {left} left to load")
    for change in planned.changes:
        after = stock(change.key) + change.delta
        if after < 0:  # a handler's checks missed something
            raise Rejection("insufficient_stock", "stock would go negative")
        if after > MAX_STOCK:
            raise Rejection("stock_limit", f"a stock line holds at most {MAX_STOCK:,}")
    return planned
