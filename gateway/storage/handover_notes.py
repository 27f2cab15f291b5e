"""Handover notes (annex 2) made at the depot for the orders it made while it could not reach
the centre (gateway/domain/handover_notes.py), in the book: each hands over what has been
loaded of the order so far, stack by stack, and waits in the outbox behind the loads it
counts, for the centre (gateway/upstream/forwarder.py).

Every function runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from gateway.domain.errors import Conflict
from gateway.domain.handover_notes import OUTBOX_TYPE, NoteLine, Transport, wire
from gateway.storage.schema import LOADED
from gateway.storage.store import insert_outbox
from kernel.phone_order_numbers import note_number

_LOADED_BY_STACK = f"""
SELECT p.location, p.item, p.batch, sum({LOADED}) FROM pick_lines p
WHERE p.order_no = ? GROUP BY p.location, p.item, p.batch HAVING sum({LOADED}) > 0
ORDER BY min(p.seq)
"""  # noqa: S608 - fixed SQL composed once


@dataclass(frozen=True, slots=True)
class PaperLine:
    """A line of the printed note."""

    name: str  # 物资名称
    spec: str  # 规格型号
    unit: str  # 计量单位
    qty: int
    inbound: date | None  # 入库时间
    batch: str  # 备注


def make(
    db: sqlite3.Connection, order: str, depot: str, transport: Transport, made_by: str, now: float
) -> str:
    """A note for what has been loaded of `order` (an order made here) so far; its number."""
    found = db.execute("SELECT withdrawn FROM phone_orders WHERE number = ?", (order,)).fetchone()
    if found is None:
        raise Conflict(f"本库没有电话调拨指令 {order}", f"the depot made no phone order {order}")
    if found[0] is not None:
        raise Conflict(f"{order} 已撤销", f"{order} is withdrawn")
    lines = tuple(NoteLine(*row) for row in db.execute(_LOADED_BY_STACK, (order,)))
    if not lines:
        raise Conflict(f"{order} 尚未装车，无可交接", f"nothing of {order} is loaded yet")
    serial = int(
        db.execute(
            "SELECT coalesce(max(serial), 0) + 1 FROM handover_notes WHERE order_no = ?", (order,)
        ).fetchone()[0]
    )
    number = note_number(order, depot, serial)
    db.execute(
        "INSERT INTO handover_notes VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (number, order, serial, transport.carrier, transport.driver, transport.phone,
         transport.plate, transport.receiver,
         json.dumps([[x.location, x.item, x.batch, x.qty] for x in lines]), made_by, now),
    )  # fmt: skip
    at = datetime.fromtimestamp(now, UTC)
    insert_outbox(db, [(number, OUTBOX_TYPE, wire(number, order, transport, lines, made_by, at))],
                  now)  # fmt: skip
    return number


def of_order(db: sqlite3.Connection, order: str) -> list[dict[str, Any]]:
    """The notes made for an order, first first, with whether the centre has each."""
    rows = db.execute(
        "SELECT n.number, n.plate, n.made_at, o.state FROM handover_notes n "
        "LEFT JOIN outbox o ON o.event_id = n.number WHERE n.order_no = ? ORDER BY n.serial",
        (order,),
    )
    return [{"number": r[0], "plate": r[1], "made_at": r[2], "sent": r[3] == "sent"} for r in rows]


def kept(db: sqlite3.Connection, number: str) -> tuple[dict[str, Any], list[PaperLine]] | None:
    """A note as made, and its lines as printed (item names, spec, unit and inbound date from
    the book), or None."""
    row = db.execute(
        "SELECT number, order_no, carrier, driver, phone, plate, receiver, lines, made_at "
        "FROM handover_notes WHERE number = ?",
        (number,),
    ).fetchone()
    if row is None:
        return None
    keys = ("number", "order", "carrier", "driver", "phone", "plate", "receiver", "lines",
            "made_at")  # fmt: skip
    note = dict(zip(keys, row, strict=True))
    lines = []
    for _, item, batch, qty in json.loads(note.pop("lines")):
        found = db.execute(
            "SELECT i.name_zh, coalesce(i.spec, ''), i.unit_zh, b.inbound_date FROM items i "
            "LEFT JOIN batches b ON b.item = i.code AND b.batch = ? WHERE i.code = ?",
            (batch, item),
        ).fetchone()
        name, spec, unit, inbound = found or (item, "", "", None)
        when = date.fromisoformat(inbound) if inbound else None
        lines.append(PaperLine(name, spec, unit, int(qty), when, batch))
    return note, lines
