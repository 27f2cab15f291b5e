"""What happens to a dispatch order after it is planned (arts. 19, 21, annex 2): the first
batch's arrival against the 8-hour clock, the written order that follows a phone order, and
each depot's handover note for what it loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, update

from server.domain import depot_time, evidence
from server.domain.errors import Rejection
from server.domain.handover import ISSUED, Receipt, check_receipt
from server.services.audit import record
from server.services.dispatch import each_depot
from server.services.ledger import lock
from server.storage import epcis_capture
from server.storage.tables import dispatch_orders, handover_lines, handovers, pick_lines


@dataclass(frozen=True, slots=True)
class Handover:
    carrier: str
    driver: str
    phone: str
    plate: str
    receiver: str


def record_arrival(
    engine: Engine, username: str, order_id: int, at: datetime, now: datetime
) -> None:
    """The first batch reached the disaster area (art. 21: within 8 hours of the notice)."""
    evidence.check_not_future(at, now, "the first batch's arrival")
    with engine.begin() as conn:
        done = conn.execute(
            update(dispatch_orders)
            .where(
                (dispatch_orders.c.id == order_id) & dispatch_orders.c.first_arrival_at.is_(None)
            )
            .values(first_arrival_at=at.astimezone(UTC))
        ).rowcount
        if not done:
            exists = conn.execute(
                select(dispatch_orders.c.id).where(dispatch_orders.c.id == order_id)
            ).first()
            if exists is None:
                raise Rejection("unknown_order", f"order {order_id} does not exist")
            raise Rejection("already_arrived", "the first batch's arrival is already recorded")
        for depot in each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_arrival",
                f"order {order_id}",
                depot=depot,
                at=at.isoformat(),
                now=now,
            )


def record_written_order(
    engine: Engine, username: str, order_id: int, reference: str, now: datetime
) -> None:
    """The written order that follows a phone order (art. 19(4): within 48 hours)."""
    with engine.begin() as conn:
        done = conn.execute(
            update(dispatch_orders)
            .where(dispatch_orders.c.id == order_id)
            .values(written_order=reference)
        ).rowcount
        if not done:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        for depot in each_depot(conn, order_id):
            record(
                conn,
                username,
                "dispatch_written_order",
                f"order {order_id}",
                depot=depot,
                reference=reference,
                now=now,
            )


def create_handover(
    engine: Engine, username: str, order_id: int, warehouse: str, note: Handover, now: datetime
) -> str:
    """A depot's handover note for what it loaded of an order (annex 2): its number,
    JJ-<order>-<depot>-<n>."""
    with engine.begin() as conn:
        order = conn.execute(
            select(dispatch_orders).where(dispatch_orders.c.id == order_id)
        ).first()
        if order is None:
            raise Rejection("unknown_order", f"order {order_id} does not exist")
        loaded = conn.execute(  # what it hands over: each line loaded at the depot so far
            select(pick_lines.c.id, pick_lines.c.loaded)
            .where(
                (pick_lines.c.order_id == order_id)
                & (pick_lines.c.warehouse == warehouse)
                & (pick_lines.c.loaded > 0)
            )
            .order_by(pick_lines.c.seq)
        ).all()
        if not loaded:
            raise Rejection(
                "nothing_to_hand_over",
                f"nothing of order {order.number} has been loaded at {warehouse}",
            )
        prefix = f"JJ-{order.number}-{warehouse}-"
        made = conn.execute(  # the depot's notes for the order: JJ-<order>-<depot>-<n>, and
            select(handovers.c.number).where(  # those its gateway printed (-G<n>) apart
                (handovers.c.order_id == order_id) & (handovers.c.warehouse == warehouse)
            )
        ).scalars()
        count = sum(1 for n in made if n.removeprefix(prefix).isdigit())
        number = f"{prefix}{count + 1}"
        add_handover(conn, username, order_id, warehouse, number, note, list(loaded), now)
    return number


def add_handover(
    conn: Connection,
    username: str,
    order_id: int,
    warehouse: str,
    number: str,
    note: Handover,
    lines: list[tuple[int, int]],
    at: datetime,
    recorded: datetime | None = None,
) -> None:
    """Keep note `number` handing over (pick line id, quantity) `lines`, made `at` (and
    recorded by the centre `recorded`, if later: a note a depot made while cut off)."""
    lock(conn, warehouse)  # the depot's EPCIS events are appended in its order
    note_id = conn.execute(
        handovers.insert()
        .values(
            number=number,
            order_id=order_id,
            warehouse=warehouse,
            carrier=note.carrier,
            driver=note.driver,
            phone=note.phone,
            plate=note.plate,
            receiver=note.receiver,
            created_by=username,
            created_at=at.astimezone(UTC),
        )
        .returning(handovers.c.id)
    ).scalar_one()
    conn.execute(
        handover_lines.insert(),
        [{"handover_id": note_id, "pick_line_id": i, "qty": q} for i, q in lines],
    )
    epcis_capture.handover(conn, warehouse, number, order_id, lines, at, recorded or at)
    record(conn, username, "handover", number, depot=warehouse, plate=note.plate, now=at)


def confirm_handover(
    engine: Engine, username: str, number: str, receipt: Receipt, now: datetime
) -> str:
    """The receiver's confirmation of a note (art. 21): what was received of each line and any
    discrepancy with its note. Once only: a second confirmation is refused. Answers the
    note's state (confirmed, or discrepancy)."""
    with engine.begin() as conn:
        note = conn.execute(
            select(handovers.c.id, handovers.c.warehouse, handovers.c.state).where(
                handovers.c.number == number
            )
        ).first()
        if note is None:
            raise Rejection("unknown_handover", f"there is no handover note {number}")
        if note.state != ISSUED:
            raise Rejection("already_confirmed", f"handover note {number} is confirmed already")
        handed = dict(
            conn.execute(
                select(handover_lines.c.id, handover_lines.c.qty).where(
                    handover_lines.c.handover_id == note.id
                )
            ).all()
        )
        state = check_receipt(handed, receipt, depot_time.today(now))
        done = conn.execute(  # only from issued: of two confirmations at once, one is kept
            update(handovers)
            .where((handovers.c.id == note.id) & (handovers.c.state == ISSUED))
            .values(
                state=state,
                received_by=receipt.received_by,
                received_phone=receipt.phone,
                received_on=receipt.on,
                confirmed_by=username,
                confirmed_at=now,
            )
        ).rowcount
        if not done:
            raise Rejection("already_confirmed", f"handover note {number} is confirmed already")
        for c in receipt.lines:
            conn.execute(
                update(handover_lines)
                .where(handover_lines.c.id == c.line)
                .values(received=c.received, discrepancy=(c.discrepancy or "").strip() or None)
            )
        record(
            conn,
            username,
            "handover_confirmed",
            number,
            depot=note.warehouse,
            state=state,
            received_by=receipt.received_by,
            received={str(c.line): c.received for c in receipt.lines},
            now=now,
        )
    return str(state)
