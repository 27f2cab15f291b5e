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

`plan` takes an event (typed, its shape checked by kernel.floor_events.parse), the master
data it refers to (already looked up) and a view of the current stock, and returns the
changes to make with the kind of basis they stand on (server.domain.basis), or raises
Rejection with a reason code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kernel.floor_events import (
    TAKES_FROM,
    FloorEvent,
    Loading,
    Picking,
    Receiving,
    Returning,
    StockTaking,
    Storing,
)
from kernel.stock_rules import LOAD_ORDER, MOVE_ORDER, status_taken
from server.domain.basis import Kind
from server.domain.bounds import MAX_STOCK
from server.domain.errors import Rejection as Rejection  # imported from here by many modules

# The field naming where an event takes stock from. Every change that lowers a quantity is at
# this location, or (a load a supervisor let replace a reserved batch) at the stack named in
# the load's instead_of, so a decision needs the stored quantities of these stacks only
# (stacks_lowered).
TAKEN_FROM = "from_location"
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


def order(refs: Refs, number: str) -> str:
    """The number of the dispatch order a picking or loading event is for: it must name one
    that exists, takes goods from this depot and is open, or the event takes nothing."""
    found = refs.orders.get(number)
    if found is None:
        raise Rejection("unknown_order", f"there is no dispatch order {number}")
    if not found.here:
        raise Rejection("unknown_order", f"order {number} takes nothing from this depot")
    if found.status != "open":
        raise Rejection("not_open", f"order {number} is {found.status}")
    return number


def pick_line(refs: Refs, number: str, where: int, batch_id: int, batch_no: str) -> PickRef:
    """The order's pick line at a stack (location, batch) of this depot."""
    found = refs.picks.get((number, where, batch_id))
    if found is None:
        raise Rejection(
            "not_on_pick_list",
            f"order {number} has no pick line for batch {batch_no} at that location",
        )
    return found


def location(refs: Refs, code: str | None, field: str) -> int:
    found = refs.locations.get(str(code))
    if found is None:
        raise Rejection("unknown_location", f"{field} {code!r} is not a location here")
    return found


def item(refs: Refs, gtin: str | None) -> str:
    found = refs.items.get(str(gtin))
    if found is None:
        raise Rejection("unknown_gtin", f"GTIN {gtin} is not in the item catalog")
    return found


def batch(refs: Refs, gtin: str | None, number: str) -> int:
    code = item(refs, gtin)
    found = refs.batches.get((code, number))
    if found is None:
        raise Rejection("unknown_batch", f"batch {number} of item {code} has never been received")
    return found


def status_to_take(
    stock: StockView, where: int, batch_id: int, qty: int, order: tuple[str, ...], asked: str | None
) -> str:
    if asked is not None:
        if asked not in order:
            raise Rejection("bad_status", f"status {asked!r} cannot be taken here {order}")
        order = (asked,)
    status = status_taken(order, lambda s: stock((where, batch_id, s)), qty)
    if status is not None:
        return status
    have = ", ".join(f"{stock((where, batch_id, s))} {s}" for s in order)
    raise Rejection("insufficient_stock", f"{qty} asked, the location holds {have}")


def receive(event: Receiving, refs: Refs, stock: StockView) -> Planned:
    where = location(refs, event.location, "location")
    batch_id = batch(refs, event.gtin, event.batch)
    return Planned([Change(where, batch_id, "pending_acceptance", event.qty)], Kind.RECEIPT)


def returning(event: Returning, refs: Refs, stock: StockView) -> Planned:
    """Reusable goods back from a disaster area (art. 24): on hold until inspected."""
    code = item(refs, event.gtin)
    if code not in refs.reusable:
        raise Rejection("not_reusable", f"item {code} is consumable; it does not come back")
    where = location(refs, event.location, "location")
    batch_id = batch(refs, event.gtin, event.batch)
    return Planned([Change(where, batch_id, "on_hold", event.qty)], Kind.RETURN)


def move(event: Storing, refs: Refs, stock: StockView) -> Planned:
    """storing and moving (kernel.floor_events.Moving is a Storing)."""
    qty = event.qty
    batch_id = batch(refs, event.gtin, event.batch)
    source = location(refs, event.from_location, TAKEN_FROM)
    target = location(refs, event.to_location, "to_location")
    if source == target:
        raise Rejection("same_location", "from_location and to_location are the same")
    status = status_to_take(stock, source, batch_id, qty, MOVE_ORDER, event.status)
    changes = [Change(source, batch_id, status, -qty), Change(target, batch_id, status, qty)]
    return Planned(changes, Kind.MOVE)


def load(event: Loading, refs: Refs, stock: StockView) -> Planned:
    """Goods onto a truck against the order's pick line at the stack they come from, or, for
    a unit a supervisor let replace a reserved one, at the stack it replaces."""
    qty = event.qty
    number = order(refs, event.order)
    batch_id = batch(refs, event.gtin, event.batch)
    source = location(refs, event.from_location, TAKEN_FROM)
    replaced = released_stack(event, refs)
    line = pick_line(refs, number, *(replaced or (source, batch_id)), event.batch)
    status = status_to_take(stock, source, batch_id, qty, LOAD_ORDER, event.status)
    changes = [Change(source, batch_id, status, -qty)]
    if replaced is not None:
        if stock((*replaced, "reserved")) < qty:
            raise Rejection("not_reserved", f"{qty} of the replaced batch are not reserved there")
        changes += [Change(*replaced, "reserved", -qty), Change(*replaced, "available", qty)]
    return Planned(changes, Kind.PICK_LINE, line)


def released_stack(event: Loading, refs: Refs) -> tuple[int, int] | None:
    """(location, batch) of the reservation a unit loaded instead of it replaces (a
    supervisor's override of FIFO): it goes back to available stock."""
    replaced = event.instead_of
    if replaced is None:
        return None
    stack = location(refs, replaced.location, "location")
    return stack, batch(refs, event.gtin, replaced.batch)


def stacks_lowered(event: FloorEvent) -> list[tuple[str | None, str]]:
    """(location code, batch no) of every stack the event may lower (see TAKEN_FROM)."""
    if not isinstance(event, TAKES_FROM):
        return []
    stacks = [(event.from_location, event.batch)]
    if isinstance(event, Loading) and event.instead_of is not None:
        stacks.append((event.instead_of.location, event.instead_of.batch))
    return stacks


def places_named(event: FloorEvent) -> list[str | None]:
    """The location codes an event names for its own batch (where it adds or takes)."""
    if isinstance(event, Storing):
        return [event.from_location, event.to_location]
    if isinstance(event, Picking | Loading):
        return [event.from_location]
    if isinstance(event, Receiving | Returning | StockTaking):
        return [event.location]
    return []


def pick(event: Picking, refs: Refs, stock: StockView) -> Planned:
    """A picker took goods off a stack for a dispatch order's pick line: recorded, no change
    to stock (the order reserved it; loading takes it off the books). A unit a supervisor
    let replace the one offered (`override`) needs a line of the order for the item here."""
    number = order(refs, event.order)
    batch_id = batch(refs, event.gtin, event.batch)
    source = location(refs, event.from_location, TAKEN_FROM)
    status_to_take(stock, source, batch_id, event.qty, LOAD_ORDER, event.status)
    if event.override is not None:
        if (number, item(refs, event.gtin)) not in refs.ordered:
            raise Rejection("not_on_pick_list", f"order {number} lists no such item here")
    else:
        pick_line(refs, number, source, batch_id, event.batch)
    return Planned([])


def _decide(event: FloorEvent, refs: Refs, stock: StockView) -> Planned:
    """The handler of the event's type."""
    if isinstance(event, Receiving):
        return receive(event, refs, stock)
    if isinstance(event, Returning):
        return returning(event, refs, stock)
    if isinstance(event, Storing):
        return move(event, refs, stock)
    if isinstance(event, Picking):
        return pick(event, refs, stock)
    if isinstance(event, Loading):
        return load(event, refs, stock)
    raise Rejection("unsupported_type", f"event type {event.type!r} is not handled")


# The types plan decides (a stock_taking event is a count: `counted`).
HANDLED = ("receiving", "picking", "storing", "moving", "loading", "returning")


@dataclass(frozen=True, slots=True)
class Counted:
    """A stock_taking event: what a counter found at one stack (no change to stock)."""

    stocktake_id: int
    location_id: int
    batch_id: int
    counted: int
    card: int | None
    round: int


def counted(event: StockTaking, warehouse: str, refs: Refs, open_takes: set[int]) -> Counted:
    if event.envelope.warehouse != warehouse:
        raise Rejection("warehouse_not_allowed", f"this gateway posts for {warehouse} only")
    operator = event.envelope.operator
    if operator not in refs.counters:
        raise Rejection(
            "unknown_operator",
            f"{operator!r} is not a person who may count at {warehouse}: a count is credited "
            "to the user name on the counter's badge",
        )
    take = event.stocktake
    if take is None or take not in open_takes:
        raise Rejection("not_counting", f"stocktake {take!r} is not open for counting here")
    return Counted(
        take,
        location(refs, event.location, "location"),
        batch(refs, event.gtin, event.batch),
        event.counted,
        event.card,
        event.round,
    )


def plan(
    event: FloorEvent,
    warehouse: str,
    refs: Refs,
    stock: StockView,
    loaded: Callable[[int], int] = lambda line_id: 0,
) -> Planned:
    """The changes an event makes, checked against the stock as it stands; `loaded` says how
    much earlier events of the same batch loaded against a pick line."""
    if event.type not in HANDLED:
        raise Rejection("unsupported_type", f"event type {event.type!r} is not handled")
    if event.envelope.warehouse != warehouse:
        raise Rejection("warehouse_not_allowed", f"this gateway posts for {warehouse} only")
    planned = _decide(event, refs, stock)
    line = planned.line
    if line is not None and isinstance(event, Loading) and event.qty > line.open - loaded(line.id):
        left = line.open - loaded(line.id)
        raise Rejection("over_pick_list", f"its pick line has {left} left to load")
    for change in planned.changes:
        after = stock(change.key) + change.delta
        if after < 0:  # a handler's checks missed something
            raise Rejection("insufficient_stock", "stock would go negative")
        if after > MAX_STOCK:
            raise Rejection("stock_limit", f"a stock line holds at most {MAX_STOCK:,}")
    return planned
