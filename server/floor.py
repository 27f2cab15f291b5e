"""What each kind of floor event does to the ledger (called inside ingest's transaction).

receiving  +qty pending acceptance at the door (art. 8: not usable until accepted)
storing    putaway: qty moves from the door to a storage location, status unchanged
moving     倒垛: qty moves between locations, status unchanged
loading    qty leaves the warehouse onto a truck: reserved (picked) or available stock only

A handler raises Rejection with a reason code; nothing it did is kept then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from server.ledger import LedgerError, Posting, post
from server.tables import batches, item_gtins, locations, stock


class Rejection(Exception):
    """An event the ledger will not take; `reason` is a short code, the message explains."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


# Which stock a move takes when the event does not say: the first status with enough.
MOVE_ORDER = ("available", "pending_acceptance", "reserved", "on_hold", "scrap_pending")
# Only accepted stock leaves on a truck (art. 8); picked stock first.
LOAD_ORDER = ("reserved", "available")


def quantity(event: dict[str, Any]) -> int:
    qty = event.get("qty")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise Rejection("bad_quantity", f"qty must be a positive integer, not {qty!r}")
    return qty


def location_id(conn: Connection, warehouse: str, code: Any, field: str = "location") -> int:
    found = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == warehouse) & (locations.c.code == str(code))
        )
    ).scalar_one_or_none()
    if found is None:
        raise Rejection("unknown_location", f"{field} {code!r} is not a location of {warehouse}")
    return int(found)


def item_code(conn: Connection, event: dict[str, Any]) -> str:
    found = conn.execute(
        select(item_gtins.c.item_code).where(item_gtins.c.gtin == str(event.get("gtin")))
    ).scalar_one_or_none()
    if found is None:
        raise Rejection("unknown_gtin", f"GTIN {event.get('gtin')} is not in the item catalog")
    return str(found)


def batch_no(event: dict[str, Any]) -> str:
    value = str(event.get("batch") or "")
    if not value:
        raise Rejection("missing_batch", f"a {event.get('type')} event needs a batch number")
    return value


def existing_batch(conn: Connection, item: str, number: str) -> int:
    found = conn.execute(
        select(batches.c.id).where((batches.c.item_code == item) & (batches.c.batch_no == number))
    ).scalar_one_or_none()
    if found is None:
        raise Rejection("unknown_batch", f"batch {number} of item {item} has never been received")
    return int(found)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _batch_for_receipt(conn: Connection, item: str, number: str, event: dict[str, Any]) -> int:
    try:
        return existing_batch(conn, item, number)
    except Rejection:
        pass
    return int(
        conn.execute(
            batches.insert()
            .values(
                item_code=item,
                batch_no=number,
                prod_date=_date(event.get("prod_date")),
                inbound_date=_date(str(event.get("occurred_at", ""))[:10]),
            )
            .returning(batches.c.id)
        ).scalar_one()
    )


def _post(conn: Connection, entries: list[Posting]) -> None:
    try:
        post(conn, entries)
    except LedgerError as exc:
        raise Rejection("insufficient_stock", str(exc)) from exc


def _status_to_take(
    conn: Connection,
    warehouse: str,
    where: int,
    batch: int,
    qty: int,
    order: tuple[str, ...],
    asked: Any,
) -> str:
    if asked is not None:
        if asked not in order:
            raise Rejection("bad_status", f"status {asked!r} cannot be taken here ({order})")
        order = (str(asked),)
    held = dict(
        conn.execute(
            select(stock.c.status, stock.c.qty).where(
                (stock.c.warehouse == warehouse)
                & (stock.c.location_id == where)
                & (stock.c.batch_id == batch)
            )
        ).all()
    )
    for status in order:
        if held.get(status, 0) >= qty:
            return status
    have = ", ".join(f"{held.get(s, 0)} {s}" for s in order)
    raise Rejection("insufficient_stock", f"{qty} asked, the location holds {have}")


def receive(conn: Connection, warehouse: str, author: str, event: dict[str, Any]) -> None:
    qty = quantity(event)
    item = item_code(conn, event)
    where = location_id(conn, warehouse, event.get("location"))
    batch = _batch_for_receipt(conn, item, batch_no(event), event)
    _post(
        conn,
        [
            Posting(
                warehouse,
                where,
                batch,
                "pending_acceptance",
                qty,
                author,
                event_id=event["event_id"],
            )
        ],
    )


def move(conn: Connection, warehouse: str, author: str, event: dict[str, Any]) -> None:
    qty = quantity(event)
    batch = existing_batch(conn, item_code(conn, event), batch_no(event))
    source = location_id(conn, warehouse, event.get("from_location"), "from_location")
    target = location_id(conn, warehouse, event.get("to_location"), "to_location")
    if source == target:
        raise Rejection("same_location", "from_location and to_location are the same")
    status = _status_to_take(conn, warehouse, source, batch, qty, MOVE_ORDER, event.get("status"))
    _post(
        conn,
        [
            Posting(warehouse, source, batch, status, -qty, author, event_id=event["event_id"]),
            Posting(warehouse, target, batch, status, qty, author, event_id=event["event_id"]),
        ],
    )


def load(conn: Connection, warehouse: str, author: str, event: dict[str, Any]) -> None:
    qty = quantity(event)
    batch = existing_batch(conn, item_code(conn, event), batch_no(event))
    source = location_id(conn, warehouse, event.get("from_location"), "from_location")
    status = _status_to_take(conn, warehouse, source, batch, qty, LOAD_ORDER, event.get("status"))
    _post(
        conn, [Posting(warehouse, source, batch, status, -qty, author, event_id=event["event_id"])]
    )


HANDLERS: dict[str, Callable[[Connection, str, str, dict[str, Any]], None]] = {
    "receiving": receive,
    "storing": move,
    "moving": move,
    "loading": load,
}
