"""Dispatch orders (arts. 15-21): the four kinds, stock reserved nearest-first and FIFO, pick
lists for the gateways, the 8-hour and 48-hour clocks, and handover notes (annex 2).

Creating an order allocates every line (server.fifo) against the stock as it stands inside
the transaction and reserves what it takes: each take posts available -> reserved at its
location and batch, with the dispatch decision as the approval, so no other order or picker
can take the same stock. What cannot be filled is recorded as the line's shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from server import decisions, depot_time, evidence
from server.approvals import Decision, record_decision
from server.audit import record
from server.basis import Basis, Kind, on_decision
from server.fifo import Allocation, Candidate, Site, allocate
from server.floor import Rejection
from server.ledger import LedgerError, Posting, post
from server.tables import (
    batches,
    dispatch_lines,
    dispatch_orders,
    handovers,
    items,
    locations,
    pick_lines,
    places,
    road_distances,
    stock,
    warehouses,
)

KINDS = ("request", "prepositioning", "emergency", "winter_spring")  # arts. 16-20
FIRST_BATCH_HOURS = 8  # art. 21
WRITTEN_ORDER_HOURS = 48  # art. 19(4)


@dataclass(frozen=True, slots=True)
class OrderLine:
    item: str
    qty: int


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


@dataclass(frozen=True, slots=True)
class Handover:
    carrier: str
    driver: str
    phone: str
    plate: str
    receiver: str


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
                    self.now,
                ),
            )
            self._bases[warehouse] = on_decision(self._kind, approval)
        return self._bases[warehouse]


def candidates(
    conn: Connection, item: str, depot: str | None = None, lock: bool = False
) -> tuple[list[Site], list[Candidate]]:
    """The depots with coordinates, and the item's available stock in them (locked for
    update when the caller is about to reserve it); one depot's only, when `depot` is given."""
    depots = select(warehouses.c.code, warehouses.c.lat, warehouses.c.lon).where(
        warehouses.c.lat.is_not(None) & warehouses.c.lon.is_not(None)
    )
    if depot is not None:
        depots = depots.where(warehouses.c.code == depot)
    sites = [Site(r.code, r.lat, r.lon) for r in conn.execute(depots)]
    query = (
        select(
            stock.c.warehouse,
            locations.c.code,
            locations.c.walk_order,
            batches.c.id,
            batches.c.batch_no,
            batches.c.inbound_date,
            batches.c.prod_date,
            stock.c.qty,
            items.c.storage_years,
            batches.c.reinspection_valid_until,
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where((stock.c.status == "available") & (stock.c.qty > 0) & (batches.c.item_code == item))
    )
    if depot is not None:
        query = query.where(stock.c.warehouse == depot)
    rows = conn.execute(query.with_for_update(of=stock) if lock else query)
    today = depot_time.today()
    found = [
        Candidate(
            r.warehouse,
            r.code,
            r.walk_order,
            r.id,
            r.batch_no,
            r.inbound_date or date.min,
            r.prod_date,
            r.qty,
            r.storage_years,
            reinspected_pass=r.reinspection_valid_until is not None
            and r.reinspection_valid_until >= today,
        )
        for r in rows
    ]
    return sites, found


def depots_of_order(conn: Connection, order_id: int) -> frozenset[str] | None:
    """The depots an order concerns: the one it was planned from, if any, and every depot it
    takes from. None: there is no such order."""
    order = conn.execute(
        select(dispatch_orders.c.warehouse).where(dispatch_orders.c.id == order_id)
    ).first()
    if order is None:
        return None
    takes_from = conn.execute(
        select(pick_lines.c.warehouse).distinct().where(pick_lines.c.order_id == order_id)
    ).scalars()
    return frozenset({*takes_from, *([order.warehouse] if order.warehouse else [])})


def _each_depot(conn: Connection, order_id: int) -> list[str | None]:
    """The depots an order's audit entries are about (one entry each; None: the network)."""
    return [*sorted(depots_of_order(conn, order_id) or ())] or [None]


def roads_to(conn: Connection, place: str | None) -> dict[str, float]:
    """Road distances (km) from each depot to a known place, where recorded."""
    if place is None:
        return {}
    rows = conn.execute(
        select(road_distances.c.warehouse, road_distances.c.km).where(
            road_distances.c.place == place
        )
    )
    return {r.warehouse: float(r.km) for r in rows}


def place_of(conn: Connection, code: str) -> tuple[str, float, float]:
    row = conn.execute(select(places).where(places.c.code == code)).first()
    if row is None:
        raise Rejection("unknown_place", f"place {code} is not known")
    return row.name, row.lat, row.lon


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an order's goods go, and whose stock it may take (a depot's own order: that
    depot's only)."""

    lat: float
    lon: float
    depot: str | None = None
    place: str | None = None  # a known place: road distances to it count


def reserve(
    conn: Connection,
    order_id: int,
    line_id: int,
    item: str,
    qty: int,
    where: Destination,
    decided: DispatchDecisions,
    seq: int,
) -> Allocation:
    """Allocate `qty` of an order line nearest first and FIFO (server.fifo) and reserve what
    is taken: available -> reserved postings on the dispatch decision, and a pick line each
    (numbered on from `seq`). What nothing could give is the allocation's shortfall. Read
    without locks: the postings lock the ledger head, then each stock row (the order every
    writer takes), and refuse to go below zero (LedgerError)."""
    sites, found = candidates(conn, item, where.depot)
    plan = allocate(
        qty,
        (where.lat, where.lon),
        sites,
        found,
        depot_time.today(decided.now),
        roads_to(conn, where.place),
    )
    for take in plan.takes:
        basis = decided.get(take.warehouse)
        loc_id = _location_id(conn, take.warehouse, take.location)
        post(
            conn,
            [
                Posting(
                    take.warehouse, loc_id, take.batch_id, status, delta, decided.username, basis
                )
                for status, delta in (("available", -take.qty), ("reserved", take.qty))
            ],
        )
        seq += 1
        conn.execute(
            pick_lines.insert().values(
                order_id=order_id,
                line_id=line_id,
                warehouse=take.warehouse,
                location_id=loc_id,
                batch_id=take.batch_id,
                qty=take.qty,
                seq=seq,
            )
        )
    return plan


def create_order(engine: Engine, username: str, request: OrderRequest, tries: int = 3) -> int:
    """Allocate and reserve; if another order reserved the same stock meanwhile (the
    reservation's own check finds less than planned), plan again from the new stock."""
    for attempt in range(tries):
        try:
            return _create_order(engine, username, request)
        except LedgerError:
            if attempt == tries - 1:
                raise Rejection(
                    "busy", "the stock changed while the order was planned; send it again"
                ) from None
    raise AssertionError("unreachable")


def _create_order(engine: Engine, username: str, request: OrderRequest) -> int:
    if request.kind not in KINDS:
        raise Rejection("bad_kind", f"kind is one of {', '.join(KINDS)}")
    if not request.lines or any(line.qty <= 0 for line in request.lines):
        raise Rejection("bad_quantity", "an order needs lines with positive quantities")
    if request.phone_order and request.kind != "emergency":
        raise Rejection("bad_kind", "only an emergency dispatch may start on a phone order")
    now = datetime.now(UTC)
    notified = request.notified_at or now
    evidence.check_not_future(notified, now, "the dispatch notice's time")
    with engine.begin() as conn:
        if (
            conn.execute(
                select(dispatch_orders.c.id).where(dispatch_orders.c.number == request.number)
            ).first()
            is not None
        ):
            raise Rejection("duplicate_number", f"order {request.number} already exists")
        known = set(
            conn.execute(
                select(items.c.code).where(items.c.code.in_([line.item for line in request.lines]))
            ).scalars()
        )
        if missing := [line.item for line in request.lines if line.item not in known]:
            raise Rejection("unknown_item", f"no such items: {', '.join(missing)}")
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
                    written_order_due=notified + timedelta(hours=WRITTEN_ORDER_HOURS)
                    if request.phone_order
                    else None,
                    status="open",
                    created_by=username,
                    created_at=now,
                    warehouse=request.depot,
                )
                .returning(dispatch_orders.c.id)
            ).scalar_one()
        )
        decided = DispatchDecisions(
            conn,
            username,
            now,
            request.number,
            Kind.RESERVATION,
            {"order": request.number, "kind": request.kind},
        )
        seq = 0
        taken: dict[str, int] = {}  # per depot: quantity reserved
        where = Destination(request.lat, request.lon, request.depot, request.place)
        for line in request.lines:
            line_id = int(
                conn.execute(
                    dispatch_lines.insert()
                    .values(order_id=order_id, item_code=line.item, qty=line.qty, shortfall=0)
                    .returning(dispatch_lines.c.id)
                ).scalar_one()
            )
            plan = reserve(conn, order_id, line_id, line.item, line.qty, where, decided, seq)
            seq += len(plan.takes)
            for take in plan.takes:
                taken[take.warehouse] = taken.get(take.warehouse, 0) + take.qty
            if plan.shortfall:
                conn.execute(
                    update(dispatch_lines)
                    .where(dispatch_lines.c.id == line_id)
                    .values(shortfall=plan.shortfall)
                )
        depots: list[str | None] = [*sorted(taken)] or [request.depot]
        for depot in depots:
            record(
                conn,
                username,
                "dispatch_order",
                request.number,
                depot=depot,
                kind=request.kind,
                lines=len(request.lines),
                reserved=taken.get(depot or "", 0),
            )
    return order_id


def _location_id(conn: Connection, warehouse: str, code: str) -> int:
    found = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == warehouse) & (locations.c.code == code)
        )
    ).scalar_one()
    return int(found)


def cancel_order(engine: Engine, username: str, order_id: int, reason: str) -> int:
    """Cancel an order: what it reserved and was not loaded goes back to available. The
    bureau undoes its own decision, by a second person (server/duties.py: cancellation)."""
    now = datetime.now(UTC)
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
            )
            released[pick.warehouse] = released.get(pick.warehouse, 0) + back
        conn.execute(
            update(dispatch_orders)
            .where(dispatch_orders.c.id == order_id)
            .values(status="cancelled")
        )
        for depot in _each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_cancel",
                order.number,
                depot=depot,
                reason=reason,
                released=released.get(depot or "", 0),
            )
    return sum(released.values())


def record_arrival(engine: Engine, username: str, order_id: int, at: datetime) -> None:
    """The first batch reached the disaster area (art. 21: within 8 hours of the notice)."""
    evidence.check_not_future(at, datetime.now(UTC), "the first batch's arrival")
    with engine.begin() as conn:
        done = conn.execute(
            update(dispatch_orders)
            .where(
                (dispatch_orders.c.id == order_id) & dispatch_orders.c.first_arrival_at.is_(None)
            )
            .values(first_arrival_at=at)
        ).rowcount
        if not done:
            exists = conn.execute(
                select(dispatch_orders.c.id).where(dispatch_orders.c.id == order_id)
            ).first()
            if exists is None:
                raise Rejection("unknown_order", f"order {order_id} does not exist")
            raise Rejection("already_arrived", "the first batch's arrival is already recorded")
        for depot in _each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_arrival",
                f"order {order_id}",
                depot=depot,
                at=at.isoformat(),
            )


def record_written_order(engine: Engine, username: str, order_id: int, reference: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(dispatch_orders)
            .where(dispatch_orders.c.id == order_id)
            .values(written_order=reference)
        ).rowcount
        if not done:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        for depot in _each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_written_order",
                f"order {order_id}",
                depot=depot,
                reference=reference,
            )


def create_handover(
    engine: Engine, username: str, order_id: int, warehouse: str, note: Handover
) -> str:
    with engine.begin() as conn:
        order = conn.execute(
            select(dispatch_orders).where(dispatch_orders.c.id == order_id)
        ).first()
        if order is None:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        loaded = conn.execute(
            select(func.coalesce(func.sum(pick_lines.c.loaded), 0)).where(
                (pick_lines.c.order_id == order_id) & (pick_lines.c.warehouse == warehouse)
            )
        ).scalar_one()
        if not loaded:
            raise Rejection(
                "nothing_to_hand_over",
                f"nothing of order {order.number} has been loaded at {warehouse}",
            )
        count = len(  # the depot's own notes for the order: JJ-<order>-<depot>-<n>
            conn.execute(
                select(handovers.c.id).where(
                    (handovers.c.order_id == order_id) & (handovers.c.warehouse == warehouse)
                )
            ).all()
        )
        number = f"JJ-{order.number}-{warehouse}-{count + 1}"
        conn.execute(
            handovers.insert().values(
                number=number,
                order_id=order_id,
                warehouse=warehouse,
                carrier=note.carrier,
                driver=note.driver,
                phone=note.phone,
                plate=note.plate,
                receiver=note.receiver,
                created_by=username,
                created_at=datetime.now(UTC),
            )
        )
        record(conn, username, "handover", number, depot=warehouse, plate=note.plate)
    return number
