"""An emergency dispatch a depot made on a phone order while it was cut off from the centre
(art. 19(4), art. 21), taken by the centre when the depot's gateway can send it.

The depot's supervisor recorded the call and the gateway planned it over the depot's own
stock (gateway/domain/phone_orders.py); the doors may have loaded it before the centre knew.
Its gateway sends the order before the picking and loading done for it
(gateway/upstream/forwarder.py), and the centre takes what the depot planned as fact: goods on
a truck are not un-shipped.

- The order is kept as an emergency dispatch on a phone order, from the depot's stock, with
  both clocks from the call (the 8 hours to the first batch, the 48 hours to the written
  order), the caller and the supervisor who took the call (`depot_phone_orders`).
- Each stack the depot planned is reserved for it, as any order's is (available ->
  reserved on a dispatch decision), so that the loads behind it count against its pick lines.
- Where the centre had meanwhile reserved that stock for another order, that reservation
  gives way (reserved -> available on a dispatch decision `released` naming the phone
  order), the other order is planned again nearest depot first, and its planner is told
  (server/services/replan.py).
- What the depot could not give is the line's shortfall, for the centre to make up.

The same order sent again is answered as a duplicate; another order under a number already
taken is refused.

A handover note the depot printed for such an order is server/services/depot_notes.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, exists, or_, select, update

from kernel.phone_order_numbers import made_by
from server.domain.basis import Kind
from server.domain.errors import LedgerError
from server.domain.floor import Rejection
from server.services.allocation import check_items
from server.services.approvals import Decision, record_decision
from server.services.dispatch import (
    DispatchDecisions,
    OrderLine,
    OrderRequest,
    insert_order,
    record_order,
    reserve_stack,
)
from server.services.replan import Loss, Released, release, replan
from server.storage.tables import (
    batches,
    depot_phone_orders,
    dispatch_lines,
    dispatch_orders,
    floor_grants,
    locations,
    places,
    stock,
    users,
    warehouses,
)


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    unit: str
    phone: str


@dataclass(frozen=True, slots=True)
class Pick:
    item: str
    location: str
    batch: str
    qty: int


@dataclass(frozen=True, slots=True)
class PhoneOrder:
    """The order as the depot's gateway sends it."""

    number: str
    called_at: datetime
    caller: Caller
    notice: str | None
    destination: str
    lines: tuple[OrderLine, ...]
    picks: tuple[Pick, ...]
    recorded_by: str
    recorded_at: datetime

    def fingerprint(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Taken:
    order_id: int
    duplicate: bool  # sent before, and taken then
    replanned: tuple[str, ...]  # the orders whose reservations gave way


def take(
    engine: Engine, gateway: str, depot: str, order: PhoneOrder, now: datetime, tries: int = 3
) -> Taken:
    """Keep the order the depot made, reserve what it planned, and plan again what it took
    from other orders; retried when the stock changed under it (LedgerError)."""
    check(order, depot)
    for attempt in range(tries):
        try:
            with engine.begin() as conn:
                return _take(conn, gateway, depot, order, now)
        except LedgerError:
            if attempt == tries - 1:
                raise Rejection(
                    "busy", "the stock changed while the order was taken; send it again"
                ) from None
    raise AssertionError("unreachable")


def check(order: PhoneOrder, depot: str) -> None:
    """What the order must say, before anything is looked up: a number of this depot's,
    lines of distinct items, and picks of those items within each line's quantity."""
    if not made_by(order.number, depot):
        raise Rejection("bad_number", f"{order.number} is not a number depot {depot} makes")
    asked = {line.item: line.qty for line in order.lines}
    if len(asked) != len(order.lines):
        raise Rejection("bad_lines", "each item is on one line of the order")
    taken: dict[str, int] = {}
    for pick in order.picks:
        taken[pick.item] = taken.get(pick.item, 0) + pick.qty
    if over := [item for item, qty in taken.items() if qty > asked.get(item, 0)]:
        raise Rejection("bad_picks", f"the plan takes more than the order asks of {over}")
    stacks = {(p.item, p.location, p.batch) for p in order.picks}
    if len(stacks) != len(order.picks):
        raise Rejection("bad_picks", "each stack is on the plan once")


def _take(conn: Connection, gateway: str, depot: str, order: PhoneOrder, now: datetime) -> Taken:
    kept = conn.execute(
        select(dispatch_orders.c.id, depot_phone_orders.c.fingerprint)
        .select_from(dispatch_orders)
        .outerjoin(depot_phone_orders, depot_phone_orders.c.order_id == dispatch_orders.c.id)
        .where(dispatch_orders.c.number == order.number)
    ).first()
    if kept is not None:
        if kept.fingerprint == order.fingerprint():
            return Taken(int(kept.id), True, ())
        raise Rejection("duplicate_number", f"order {order.number} already exists")
    check_items(conn, [line.item for line in order.lines])
    planner = depot_person(conn, depot, order.recorded_by)
    stacks = [stack_of(conn, depot, pick) for pick in order.picks]
    request = _request(conn, depot, order)
    order_id = insert_order(conn, planner, request, now)
    gave_way = _make_room(conn, depot, order, planner, stacks, now)
    decided = DispatchDecisions(
        conn, planner, now, order.number, Kind.RESERVATION,
        {"order": order.number, "kind": "emergency", "made_at": depot, "gateway": gateway},
    )  # fmt: skip
    reserved = _reserve(conn, order_id, depot, order, stacks, decided)
    replanned = replan(conn, planner, gave_way, now)
    conn.execute(
        depot_phone_orders.insert().values(
            order_id=order_id,
            warehouse=depot,
            gateway=gateway,
            caller_name=order.caller.name,
            caller_unit=order.caller.unit,
            caller_phone=order.caller.phone,
            notice=order.notice,
            recorded_by=order.recorded_by,
            recorded_at=order.recorded_at.astimezone(UTC),
            received_at=now,
            fingerprint=order.fingerprint(),
        )
    )
    record_order(
        conn, planner, request, {depot: reserved}, now,
        made_at_depot=True, caller=order.caller.name, replanned=sorted(set(replanned)),
    )  # fmt: skip
    return Taken(order_id, False, tuple(sorted(set(replanned))))


def depot_person(conn: Connection, depot: str, recorded_by: str) -> str:
    """Who an order or note is by: the person of the depot who took the call or made the
    note. The gateway let only a supervisor of its floor do so; the centre may have changed
    their role or PIN since, but a name that was never one of the depot's people is refused."""
    granted = exists().where(
        (floor_grants.c.username == users.c.username) & (floor_grants.c.warehouse == depot)
    )
    found = conn.execute(
        select(users.c.username).where(
            (users.c.username == recorded_by)
            & ((users.c.warehouse == depot) | (users.c.warehouse.is_(None) & granted))
        )
    ).first()
    if found is None:
        raise Rejection("unknown_user", f"{recorded_by} is not one of depot {depot}'s people")
    return recorded_by


def stack_of(conn: Connection, depot: str, pick: Pick) -> tuple[int, int]:
    """(location id, batch id) of a stack the depot planned."""
    where = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == depot) & (locations.c.code == pick.location)
        )
    ).scalar_one_or_none()
    if where is None:
        raise Rejection("unknown_location", f"{pick.location} is not a location of {depot}")
    batch = conn.execute(
        select(batches.c.id).where(
            (batches.c.item_code == pick.item) & (batches.c.batch_no == pick.batch)
        )
    ).scalar_one_or_none()
    if batch is None:
        raise Rejection("unknown_batch", f"batch {pick.batch} of item {pick.item} is not known")
    return int(where), int(batch)


def _request(conn: Connection, depot: str, order: PhoneOrder) -> OrderRequest:
    """The order as the centre's orders are kept: an emergency on a phone order, from the
    depot's stock, its clocks from the call. The destination is a known place where the
    caller named one (its code or name), else the depot itself."""
    place = conn.execute(
        select(places.c.code, places.c.lat, places.c.lon).where(
            or_(places.c.code == order.destination, places.c.name == order.destination)
        )
    ).first()
    if place is None:
        here = conn.execute(
            select(warehouses.c.lat, warehouses.c.lon).where(warehouses.c.code == depot)
        ).one()
        lat, lon, code = here.lat or 0.0, here.lon or 0.0, None
    else:
        lat, lon, code = place.lat, place.lon, place.code
    call = f"电话调令 phone order: {order.caller.name}, {order.caller.unit}, {order.caller.phone}"
    return OrderRequest(
        number=order.number,
        kind="emergency",
        basis=(order.notice or call)[:200],
        destination=order.destination,
        lat=lat,
        lon=lon,
        lines=order.lines,
        phone_order=True,
        notified_at=order.called_at,
        place=code,
        depot=depot,
    )


def _available(conn: Connection, depot: str, where: int, batch: int) -> int:
    found = conn.execute(
        select(stock.c.qty).where(
            (stock.c.warehouse == depot)
            & (stock.c.location_id == where)
            & (stock.c.batch_id == batch)
            & (stock.c.status == "available")
        )
    ).scalar_one_or_none()
    return int(found or 0)


def _make_room(
    conn: Connection,
    depot: str,
    order: PhoneOrder,
    planner: str,
    stacks: list[tuple[int, int]],
    now: datetime,
) -> list[Released]:
    """Where a stack the depot planned is no longer available in full (the centre reserved it
    for another order meanwhile), those reservations give way, newest first, on one dispatch
    decision `released` naming the phone order."""
    approval: int | None = None
    gave_way: list[Released] = []
    for pick, (where, batch) in zip(order.picks, stacks, strict=True):
        short = pick.qty - _available(conn, depot, where, batch)
        if short <= 0:
            continue
        if approval is None:
            approval = record_decision(
                conn,
                Decision("dispatch", depot, order.number, planner, "released",
                         {"order": order.number, "why": "shipped by the depot on a phone order"}),
                now,
            )  # fmt: skip
        loss = Loss(depot, where, batch, short, f"phone order {order.number}", "reservation_taken")
        gave_way += release(conn, planner, loss, approval, now)
    return gave_way


def _reserve(
    conn: Connection,
    order_id: int,
    depot: str,
    order: PhoneOrder,
    stacks: list[tuple[int, int]],
    decided: DispatchDecisions,
) -> int:
    """Each line's picks reserved as the depot planned them (no more than the stack holds
    available: what it does not is the line's shortfall, as is what the depot could not
    plan); the quantity reserved."""
    reserved, seq = 0, 0
    for line in order.lines:
        line_id = int(
            conn.execute(
                dispatch_lines.insert()
                .values(order_id=order_id, item_code=line.item, qty=line.qty, shortfall=0)
                .returning(dispatch_lines.c.id)
            ).scalar_one()
        )
        got = 0
        for pick, (where, batch) in zip(order.picks, stacks, strict=True):
            if pick.item != line.item:
                continue
            qty = min(pick.qty, _available(conn, depot, where, batch))
            if qty <= 0:
                continue
            seq += 1
            reserve_stack(conn, order_id, line_id, depot, where, batch, qty, decided, seq)
            got += qty
        if got < line.qty:
            conn.execute(
                update(dispatch_lines)
                .where(dispatch_lines.c.id == line_id)
                .values(shortfall=line.qty - got)
            )
        reserved += got
    return reserved
