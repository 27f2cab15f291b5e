"""Phone orders recorded at the depot while it cannot reach the centre, in the book.

A phone order (gateway/domain/phone_orders.py) is kept in `phone_orders`, and its plan as pick
lines in `pick_lines` with negative ids: the server's pick lines have positive ids, and a sync
replaces only those (gateway/storage/server_copy.py), so the floor picks and loads an order
made here as it does any other, by its number on a task card.

What an order made here may take is the depot's available stock as the floor sees it (the
server's copy and the live local effects), less what the open lines of the orders made here
still have to load: two orders made offline never plan the same goods. Stock the server has
reserved for its own orders is not taken.

Every function runs inside the caller's transaction (GatewayStore.transaction): the day's
serial and the plan are decided in the same one as the order is written.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from gateway.domain.errors import Conflict
from gateway.domain.fifo import lot_of
from gateway.domain.phone_orders import (
    OUTBOX_TYPE,
    Line,
    PhoneOrder,
    Plan,
    Stack,
    plan,
    wire,
)
from gateway.storage.schema import LIVE_EFFECTS, LOADED
from gateway.storage.store import insert_outbox
from kernel.bounds import MAX_ORDER_PICKS
from kernel.phone_order_numbers import MAX_PER_DAY, number_for

# The stock each stack holds available now: the server's line plus the live effects, less
# what the open lines of the orders made here still have to load from it.
_AVAILABLE = f"""
SELECT s.location, s.item, s.batch, sum(s.qty) AS qty,
       b.inbound_date, b.prod_date, i.storage_years, b.reinspection_valid_until,
       coalesce(l.walk_order, 0)
FROM (
    SELECT location, item, batch, qty FROM stock WHERE status = 'available'
    UNION ALL
    SELECT location, item, batch, delta FROM ({LIVE_EFFECTS}) WHERE status = 'available'
    UNION ALL
    SELECT p.location, p.item, p.batch, -(p.qty - ({LOADED})) FROM pick_lines p WHERE p.id < 0
) s
LEFT JOIN batches b ON b.item = s.item AND b.batch = s.batch
LEFT JOIN items i ON i.code = s.item
LEFT JOIN locations l ON l.code = s.location
GROUP BY s.location, s.item, s.batch
HAVING sum(s.qty) > 0
"""  # noqa: S608 - fixed SQL composed once


@dataclass(frozen=True, slots=True)
class Recorded:
    number: str
    plan: Plan


def available(db: sqlite3.Connection) -> list[Stack]:
    """The stacks an order made here may take now."""
    return [
        Stack(item, batch, location, int(qty),
              lot_of(inbound, made, years, valid, int(walk), (batch, location)))
        for location, item, batch, qty, inbound, made, years, valid, walk in db.execute(_AVAILABLE)
    ]  # fmt: skip


def record(
    db: sqlite3.Connection,
    order: PhoneOrder,
    depot: str,
    called_day: date,
    today: date,
    recorded_by: str,
    now: float,
) -> Recorded:
    """Keep the order with the next number of the day of the call (`called_day`, the depot's
    date) and its plan over the stock available now (on `today`, the depot's date), as pick
    lines the floor picks and loads."""
    row = db.execute(
        "SELECT coalesce(max(serial), 0) + 1 FROM phone_orders WHERE day = ?",
        (called_day.isoformat(),),
    ).fetchone()
    serial = int(row[0])
    if serial > MAX_PER_DAY:
        raise Conflict(
            f"当天的电话调拨指令已满 {MAX_PER_DAY} 条",
            f"{MAX_PER_DAY} phone orders on that day already",
        )
    number = number_for(depot, called_day, serial)  # the order's number (kernel)
    made = plan(order.lines, available(db), today)
    if len(made.picks) > MAX_ORDER_PICKS:  # the centre's bound: one it could never take
        raise Conflict(
            f"此指令需从 {len(made.picks)} 个货位拣货，超过 {MAX_ORDER_PICKS}：请分成几张指令",
            f"the plan takes {len(made.picks)} stacks, over {MAX_ORDER_PICKS}: split the order",
        )
    db.execute(
        "INSERT INTO phone_orders (number, day, serial, called_at, caller_name, caller_unit, "
        "caller_phone, notice, destination, lines, short, recorded_by, recorded_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            number, called_day.isoformat(), serial, order.called_at.isoformat(),
            order.caller.name, order.caller.unit, order.caller.phone, order.notice,
            order.destination, _lines(order.lines), _lines(made.short), recorded_by, now,
        ),
    )  # fmt: skip
    lowest = int(db.execute("SELECT coalesce(min(id), 0) FROM pick_lines").fetchone()[0])
    start = min(lowest, 0) - 1
    # below every id in use, rising with the pick list's order (the floor's tie-break)
    first = start - len(made.picks) + 1
    db.executemany(
        "INSERT INTO pick_lines SELECT ?,?,?,?,?,?,"
        "(SELECT inbound_date FROM batches WHERE item = ? AND batch = ?),?,0",
        [
            (first + n, number, p.seq, p.location, p.item, p.batch, p.item, p.batch, p.qty)
            for n, p in enumerate(made.picks)
        ],
    )  # fmt: skip
    # Behind every event made before it and ahead of every one made for it: the centre
    # takes the order in the depot's order of things (gateway/upstream/forwarder.py).
    at = datetime.fromtimestamp(now, UTC)
    insert_outbox(db, [(number, OUTBOX_TYPE, wire(number, order, made, recorded_by, at))], now)
    return Recorded(number, made)


def item_codes(db: sqlite3.Connection) -> frozenset[str]:
    """The catalogue's items, as the last sync brought them."""
    return frozenset(r[0] for r in db.execute("SELECT code FROM items"))


def item_names(db: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Each item's Chinese name and unit, as the last sync brought them."""
    return {r[0]: (r[1], r[2]) for r in db.execute("SELECT code, name_zh, unit_zh FROM items")}


def kept(db: sqlite3.Connection, number: str) -> dict[str, Any] | None:
    """An order made here as recorded, or None."""
    row = db.execute(
        "SELECT number, called_at, caller_name, caller_unit, caller_phone, notice, "
        "destination, lines, short, recorded_by, withdrawn, o.state, o.last_error "
        "FROM phone_orders "
        "LEFT JOIN outbox o ON o.event_id = number WHERE number = ?",
        (number,),
    ).fetchone()
    if row is None:
        return None
    keys = ("number", "called_at", "caller_name", "caller_unit", "caller_phone", "notice",
            "destination", "lines", "short", "recorded_by", "withdrawn", "sent",
            "refused")  # fmt: skip
    order = dict(zip(keys, row, strict=True))
    state = order["sent"]  # the outbox row's: pending, sent, rejected
    return {
        **order,
        "lines": json.loads(order["lines"]),
        "short": json.loads(order["short"]),
        "withdrawn": json.loads(order["withdrawn"]) if order["withdrawn"] else None,
        "sent": state == "sent",
        "refused": order["refused"] if state == "rejected" else None,
    }


def _lines(lines: tuple[Line, ...]) -> str:
    return json.dumps([{"item": x.item, "qty": x.qty} for x in lines], ensure_ascii=False)


def withdraw(db: sqlite3.Connection, number: str, reason: str, by: str, now: float) -> None:
    """Withdraw an order made here: one recorded by mistake, before the centre may have it
    (its outbox row waiting, never tried: it is then never sent) and before anything was
    picked or
    loaded for it; or one the centre refused, whatever was done for it (the depot has called
    the centre, which books what left by hand). Its lines go, so what they planned is free
    again. The call stays on record."""
    found = db.execute(
        "SELECT p.withdrawn, o.state, o.attempts FROM phone_orders p LEFT JOIN outbox o "
        "ON o.event_id = p.number WHERE p.number = ?",
        (number,),
    ).fetchone()
    if found is None:
        raise Conflict(f"本库没有电话调拨指令 {number}", f"the depot made no phone order {number}")
    if found[0] is not None:
        raise Conflict(f"{number} 已撤销", f"{number} is withdrawn already")
    if found[1] == "sent" or (found[1] == "pending" and found[2]):
        # sent, or tried: an answer lost on the way may have left the centre holding it
        raise Conflict(
            f"{number} 已报送或正在报送中心：请由中心取消",
            f"{number} has gone, or may have gone, to the centre: it is cancelled there",
        )
    done = db.execute(
        "SELECT (SELECT count(*) FROM picks WHERE line_id IN (SELECT id FROM pick_lines "
        "WHERE order_no = ?)) + (SELECT count(*) FROM loads WHERE line_id IN "
        "(SELECT id FROM pick_lines WHERE order_no = ?))",
        (number, number),
    ).fetchone()[0]
    if done and found[1] != "rejected":
        raise Conflict(
            f"{number} 已有拣货或装车，不能撤销", f"{number} has been picked or loaded from"
        )
    db.execute("DELETE FROM pick_lines WHERE order_no = ? AND id < 0", (number,))
    db.execute(
        "UPDATE outbox SET state = 'withdrawn', result = 'withdrawn', last_error = ?, "
        "settled_at = ? WHERE event_id = ? AND state = 'pending'",
        (reason, now, number),
    )
    db.execute(
        "UPDATE phone_orders SET withdrawn = ? WHERE number = ?",
        (json.dumps({"by": by, "at": now, "reason": reason}, ensure_ascii=False), number),
    )
