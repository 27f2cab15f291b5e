"""Dispatch orders (arts. 15-21): the four kinds, stock reserved nearest-first and FIFO, pick
lists for the gateways, the 8-hour and 48-hour clocks, and handover notes (annex 2).

Creating an order allocates every line (server.domain.fifo) against the stock as it stands inside
the transaction and reserves what it takes: each take posts available -> reserved at its
location and batch, with the dispatch decision as the approval, so no other order or picker
can take the same stock. What cannot be filled is recorded as the line's shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kernel.clock import aware_utc
from kernel.dispatch_clocks import written_order_due
from kernel.phone_order_numbers import PREFIX as PHONE_PREFIX
from server.domain import evidence
from server.domain.basis import Basis, Kind, on_decision
from server.domain.errors import LedgerError
from server.domain.fifo import Allocation, Chosen
from server.domain.floor import Rejection
from server.services import allocation, decisions
from server.services.allocation import Destination, check_items, plan_chosen, plan_line
from server.services.approvals import Decision, record_decision
from server.services.audit import record
from server.services.ledger import Posting, post
from server.storage import depots
from server.storage.tables import (
    dispatch_lines,
    dispatch_orders,
    emergency_reports,
    locations,
    pick_lines,
    stock,
)

KINDS = ("request", "prepositioning", "emergency", "winter_spring")  # arts. 16-20


@dataclass(frozen=True, slots=True)
class OrderLine:
    item: str
    qty: int
    chosen: tuple[Chosen, ...] | None = None  # the preview as edited; None: the rule plans


@dataclass(frozen=True, slots=True)
class OrderRequest:
    number: str
    kind: str
    basis: str
    destination: str
    lat: float
    lon: float
    lines: tuple[OrderLine, ...]
    phone_order: bool = False  # an emergency started on a phone instruction
    notified_at: datetime | None = None
    place: str | None = None  # a known place: its road distances to the depots count
    depot: str | None = None  # planned by a depot's people: from that depot's stock only
    level: str | None = None  # the requesting level (art. 17); None: the depot's, or the city's


class DispatchDecisions:
    """One dispatch decision per depot an order touches, made when first needed: the basis
    (`kind`) of the postings it makes there."""

    def __init__(
        self,
        conn: Connection,
        username: str,
        now: datetime,
        number: str,
        kind: Kind,
        payload: dict[str, Any],
    ) -> None:
        self._conn, self.username, self.now = conn, username, now
        self._number, self._kind, self._payload = number, kind, payload
        self._bases: dict[str, Basis] = {}

    def get(self, warehouse: str) -> Basis:
        if warehouse not in self._bases:
            decided = "reserved" if self._kind is Kind.RESERVATION else "cancelled"
            approval = record_decision(
                self._conn,
                Decision(
                    "dispatch",
                    warehouse,
                    self._number,
                    self.username,
                    decided,
                    self._payload,
                ),
                self.now,
            )
            self._bases[warehouse] = on_decision(self._kind, approval)
        return self._bases[warehouse]


def each_depot(conn: Connection, order_id: int) -> list[str | None]:
    """The depots an order's audit entries are about (one entry each; None: the network)."""
    return [*sorted(depots.of_order(conn, order_id) or ())] or [None]


def reserve(
    conn: Connection,
    order_id: int,
    line_id: int,
    item: str,
    qty: int,
    where: Destination,
    decided: DispatchDecisions,
    seq: int,
    chosen: tuple[Chosen, ...] | None = None,
) -> Allocation:
    """Allocate `qty` of an order line (server.services.allocation.plan_line, as the preview
    does) and reserve what is taken: available -> reserved postings on the dispatch decision,
    and a pick line each (numbered on from `seq`). What nothing could give is the allocation's
    shortfall. Read without locks: the postings lock the ledger head, then each stock row (the
    order every writer takes), and refuse to go below zero (LedgerError). With `chosen` (the
    preview as the person edited it), those stacks, each held to the rules (plan_chosen)."""
    if chosen is None:
        plan = plan_line(conn, item, qty, where, decided.now)
    else:
        plan = plan_chosen(conn, item, qty, chosen, where, decided.now)
    for take in plan.takes:
        seq += 1
        loc_id = location_id(conn, take.warehouse, take.location)
        reserve_stack(conn, order_id, line_id, take.warehouse, loc_id, take.batch_id, take.qty,
                      decided, seq)  # fmt: skip
    return plan


def reserve_stack(
    conn: Connection,
    order_id: int,
    line_id: int,
    warehouse: str,
    loc_id: int,
    batch_id: int,
    qty: int,
    decided: DispatchDecisions,
    seq: int,
) -> None:
    """Reserve `qty` at one stack for an order's line: available -> reserved on the dispatch
    decision, and the pick line the depot picks and loads it by (the `seq`th of the order)."""
    basis = decided.get(warehouse)
    post(
        conn,
        [
            Posting(warehouse, loc_id, batch_id, status, delta, decided.username, basis)
            for status, delta in (("available", -qty), ("reserved", qty))
        ],
        decided.now,
    )
    conn.execute(
        pick_lines.insert().values(
            order_id=order_id,
            line_id=line_id,
            warehouse=warehouse,
            location_id=loc_id,
            batch_id=batch_id,
            qty=qty,
            seq=seq,
        )
    )


def create_order(
    engine: Engine, username: str, request: OrderRequest, *, now: datetime, tries: int = 3
) -> int:
    """Allocate and reserve; if another order reserved the same stock meanwhile (the
    reservation's own check finds less than planned), plan again from the new stock. `now` is
    the caller's clock: the order's time, and the depots' day its allocation counts from."""
    _check_request(request, now)
    for attempt in range(tries):
        try:
            with engine.begin() as conn:
                order_id = insert_order(conn, username, request, now)
                taken = _reserve_lines(conn, order_id, username, request, now)
                record_order(conn, username, request, taken, now)
                return order_id
        except LedgerError:
            if attempt == tries - 1:
                raise Rejection(
                    "busy", "the stock changed while the order was planned; send it again"
                ) from None
    raise AssertionError("unreachable")


def _check_request(request: OrderRequest, now: datetime) -> None:
    """What an order must say before anything is looked up (arts. 16-20)."""
    if request.kind not in KINDS:
        raise Rejection("bad_kind", f"kind is one of {', '.join(KINDS)}")
    if not request.lines or any(line.qty <= 0 for line in request.lines):
        raise Rejection("bad_quantity", "an order needs lines with positive quantities")
    if request.number.startswith(f"{PHONE_PREFIX}-"):
        raise Rejection(
            "bad_number", f"{PHONE_PREFIX}- numbers are the depots' own (orders made while cut off)"
        )
    if request.phone_order and request.kind != "emergency":
        raise Rejection("bad_kind", "only an emergency dispatch may start on a phone order")
    evidence.check_not_future(request.notified_at or now, now, "the dispatch notice's time")


def insert_order(conn: Connection, username: str, request: OrderRequest, now: datetime) -> int:
    """The order's row, once its number is free and its items are known."""
    taken = select(dispatch_orders.c.id).where(dispatch_orders.c.number == request.number)
    if conn.execute(taken).first() is not None:
        raise Rejection("duplicate_number", f"order {request.number} already exists")
    check_items(conn, [line.item for line in request.lines])
    notified = aware_utc(request.notified_at or now)  # SQLite keeps no offset: store UTC
    written_due = written_order_due(notified) if request.phone_order else None
    order_id = int(
        conn.execute(
            dispatch_orders.insert()
            .values(
                number=request.number,
                kind=request.kind,
                basis=request.basis,
                destination=request.destination,
                dest_lat=request.lat,
                dest_lon=request.lon,
                notified_at=notified,
                written_order_due=written_due,
                status="open",
                created_by=username,
                created_at=now,
                warehouse=request.depot,
                requesting_level=allocation.requesting_level(conn, request.level, request.depot),
            )
            .returning(dispatch_orders.c.id)
        ).scalar_one()
    )
    if request.kind == "emergency":  # art. 14: reported at once; drafted as the centre learns
        conn.execute(emergency_reports.insert().values(order_id=order_id, drafted_at=now))
    return order_id


def _reserve_lines(
    conn: Connection, order_id: int, username: str, request: OrderRequest, now: datetime
) -> dict[str, int]:
    """Each line allocated and reserved, its shortfall recorded; the quantity reserved per
    depot."""
    decided = DispatchDecisions(
        conn,
        username,
        now,
        request.number,
        Kind.RESERVATION,
        {"order": request.number, "kind": request.kind},
    )
    seq = 0
    taken: dict[str, int] = {}
    level = allocation.requesting_level(conn, request.level, request.depot)
    where = Destination(request.lat, request.lon, request.depot, request.place, level)
    for line in request.lines:
        line_id = int(
            conn.execute(
                dispatch_lines.insert()
                .values(order_id=order_id, item_code=line.item, qty=line.qty, shortfall=0)
                .returning(dispatch_lines.c.id)
            ).scalar_one()
        )
        plan = reserve(
            conn, order_id, line_id, line.item, line.qty, where, decided, seq, line.chosen
        )
        seq += len(plan.takes)
        for take in plan.takes:
            taken[take.warehouse] = taken.get(take.warehouse, 0) + take.qty
        if plan.shortfall:
            conn.execute(
                update(dispatch_lines)
                .where(dispatch_lines.c.id == line_id)
                .values(shortfall=plan.shortfall)
            )
    return taken


def record_order(
    conn: Connection,
    username: str,
    request: OrderRequest,
    taken: dict[str, int],
    now: datetime,
    **more: Any,
) -> None:
    """One audit entry per depot the order takes from (or the depot that planned it)."""
    depots: list[str | None] = [*sorted(taken)] or [request.depot]
    for depot in depots:
        record(
            conn,
            username,
            "dispatch_order",
            request.number,
            depot=depot,
            now=now,
            kind=request.kind,
            lines=len(request.lines),
            reserved=taken.get(depot or "", 0),
            edited=any(line.chosen is not None for line in request.lines),
            **more,
        )


def location_id(conn: Connection, warehouse: str, code: str) -> int:
    found = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == warehouse) & (locations.c.code == code)
        )
    ).scalar_one()
    return int(found)


def cancel_order(engine: Engine, username: str, order_id: int, reason: str, now: datetime) -> int:
    """Cancel an order: what it reserved and was not loaded goes back to available. The
    bureau undoes its own decision, by a second person (server/domain/duties.py: cancellation)."""
    with engine.begin() as conn:
        order = conn.execute(
            select(dispatch_orders).where(dispatch_orders.c.id == order_id).with_for_update()
        ).first()
        if order is None:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        if order.status != "open":
            raise Rejection("not_open", f"order {order.number} is {order.status}")
        decisions.check_approval(conn, "cancellation", username, frozenset({order.created_by}))
        released: dict[str, int] = {}  # per depot
        decided = DispatchDecisions(
            conn,
            username,
            now,
            order.number,
            Kind.CANCELLATION,
            {"order": order.number, "reason": reason},
        )
        for pick in conn.execute(select(pick_lines).where(pick_lines.c.order_id == order_id)).all():
            held = (
                conn.execute(
                    select(stock.c.qty).where(
                        (stock.c.warehouse == pick.warehouse)
                        & (stock.c.location_id == pick.location_id)
                        & (stock.c.batch_id == pick.batch_id)
                        & (stock.c.status == "reserved")
                    )
                ).scalar_one_or_none()
                or 0
            )
            back = min(pick.qty - pick.loaded, held)
            if back <= 0:
                continue
            basis = decided.get(pick.warehouse)
            post(
                conn,
                [
                    Posting(
                        pick.warehouse,
                        pick.location_id,
                        pick.batch_id,
                        "reserved",
                        -back,
                        username,
                        basis,
                    ),
                    Posting(
                        pick.warehouse,
                        pick.location_id,
                        pick.batch_id,
                        "available",
                        back,
                        username,
                        basis,
                    ),
                ],
                now,
            )
            released[pick.warehouse] = released.get(pick.warehouse, 0) + back
        conn.execute(
            update(dispatch_orders)
            .where(dispatch_orders.c.id == order_id)
            .values(status="cancelled")
        )
        for depot in each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_cancel",
                order.number,
                depot=depot,
                now=now,
                reason=reason,
                released=released.get(depot or "", 0),
            )
    return sum(released.values())
