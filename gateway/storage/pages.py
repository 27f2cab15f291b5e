"""What the floor pages show, read from the gateway's book (no server needed).

Each function takes the pages' read-only connection (GatewayStore.reading: it never waits on
the intake's transactions) and returns plain data for the page (and for its live refresh as
JSON): the devices and what each is doing, the pick lists, the inbound notices, the counts,
the events the server refused, and one device's task in detail (a receiving door's: what the
truck brought against each open notice, its tagged units passed and missing).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from typing import Any

from gateway.domain.workflows import TASKS
from gateway.domain.workflows.picking import offer_text
from gateway.storage import people
from gateway.storage.book import Book
from gateway.storage.schema import LOADED


def last_answers(db: sqlite3.Connection, device: str, limit: int = 10) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT received_at, answer, payload FROM reads WHERE device=? "
        "ORDER BY received_at DESC LIMIT ?",
        (device, limit),
    )
    out = []
    for at, answer, payload in rows:
        doc = json.loads(bytes(answer))
        scan = json.loads(bytes(payload))
        data = scan.get("data") or {}
        what = (
            data.get("batch")
            or data.get("location")
            or data.get("command")
            or data.get("epc_uri")
            or data.get("badge")
            or scan.get("error")
            or ""
        )
        out.append(
            {
                "at": at,
                "result": doc["result"],
                "beep": doc["beep"],
                "text_zh": doc["text_zh"],
                "text_en": doc["text_en"],
                "what": str(what),
            }
        )
    return out


def devices(db: sqlite3.Connection, now: float) -> list[dict[str, Any]]:
    known = {d["device"]: d for d in people.devices(db)}
    tasks = {t["device"]: t for t in _tasks(db)}
    # Each device that ever read, by skipping along the (device, time) index: a few look-ups
    # per device, not a scan of every read the depot ever took.
    readers = [
        r[0]
        for r in db.execute(
            "WITH RECURSIVE d(device) AS (SELECT min(device) FROM reads UNION ALL "
            "SELECT (SELECT min(device) FROM reads WHERE device > d.device) FROM d "
            "WHERE d.device IS NOT NULL) SELECT device FROM d WHERE device IS NOT NULL"
        )
    ]
    seen = {
        device: db.execute(
            "SELECT max(received_at) FROM reads WHERE device=?", (device,)
        ).fetchone()[0]
        for device in readers
    }
    out = []
    for device in sorted(known.keys() | tasks.keys() | seen.keys()):
        status = known.get(device, {})
        task = tasks.get(device)
        kind = task["kind"] if task else ("receive" if status.get("door") else "idle")
        last = last_answers(db, device, 1)
        out.append(
            {
                "device": device,
                "state": status.get("state", "unknown"),
                "door": status.get("door"),
                "status_age": now - status["last_seen"] if status else None,
                "task": kind,
                "task_zh": TASKS.get(kind, (kind, kind))[0],
                "task_en": TASKS.get(kind, (kind, kind))[1],
                "ref": task["ref"] if task else None,
                "operator": task["operator"] if task else None,
                "last": last[0] if last else None,
                "last_read_age": now - seen[device] if device in seen else None,
            }
        )
    return out


def orders(db: sqlite3.Connection, today: date) -> list[dict[str, Any]]:
    """The open pick lists, each with what to take next on the depot's date `today`."""
    book = Book(db)
    numbers = [r[0] for r in db.execute("SELECT DISTINCT order_no FROM pick_lines")]
    out = []
    for number in sorted(numbers):
        lines = book.pick_lines(number)
        loaded = dict(
            db.execute(
                f"SELECT p.id, {LOADED} FROM pick_lines p WHERE p.order_no = ?",  # noqa: S608
                (number,),
            )
        )
        picked = dict(
            db.execute(
                "SELECT line_id, sum(qty) FROM picks WHERE line_id IN "
                "(SELECT id FROM pick_lines WHERE order_no = ?) GROUP BY line_id",
                (number,),
            )
        )
        zh, en, extra = offer_text(book, lines, today)
        out.append(
            {
                "order": number,
                "made_here": any(x.made_here for x in lines),  # a phone order taken here
                "next_zh": zh,
                "next_en": en,
                "next": extra["next"],
                "lines": [
                    {
                        "location": x.location,
                        "item": x.item,
                        "batch": x.batch,
                        "qty": x.qty,
                        "picked": picked.get(x.id, 0),
                        "loaded": loaded.get(x.id, 0),
                    }
                    for x in lines
                ],
            }
        )
    return out


def notices(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT n.number, l.item, l.batch, l.qty, coalesce(r.qty, 0) FROM notice_lines l "
        "JOIN notices n ON n.id = l.notice_id LEFT JOIN notice_received r "
        "ON r.notice_id = l.notice_id AND r.n = l.n WHERE n.status = 'open' "
        "ORDER BY n.number, l.n"
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for number, item, batch, qty, received in rows:
        out.setdefault(number, []).append(
            {
                "item": item,
                "batch": batch,
                "expected": qty,
                "received": received,
                "short": max(0, qty - received),
                "over": max(0, received - qty),
            }
        )
    flagged = db.execute(
        "SELECT flag, count(*), sum(qty) FROM flagged_receipts GROUP BY flag"
    ).fetchall()
    return [{"number": n, "lines": lines} for n, lines in out.items()] + [
        {"number": None, "flag": f, "reads": c, "qty": q} for f, c, q in flagged
    ]


MISSING_SHOWN = 50  # tagged units still missing listed by tag on a door's page; the rest counted


def brought(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """What the truck brought against what each open notice expects, for a receiving door's
    page: per line expected and received, and of the tagged units the notice lists, how many
    passed (received by tag or label) and which are still missing."""
    units: dict[str, list[tuple[Any, ...]]] = {}
    for row in db.execute(
        "SELECT n.number, u.n, u.epc, u.item, u.batch, u.qty, r.epc IS NOT NULL "
        "FROM notice_units u JOIN notices n ON n.id = u.notice_id "
        "LEFT JOIN listed_received r ON r.notice_id = u.notice_id AND r.epc = u.epc "
        "WHERE n.status = 'open' ORDER BY n.number, u.n, u.epc"
    ):
        units.setdefault(row[0], []).append(row[1:])
    out = []
    for notice in notices(db):
        number = notice["number"]
        if number is None:
            continue
        listed = units.get(number, [])
        passed = [u for u in listed if u[5]]  # received on this notice
        missing = [u for u in listed if not u[5]]
        lines = [
            {
                **line,
                "units": sum(1 for u in listed if u[0] == n),
                "passed": sum(1 for u in passed if u[0] == n),
            }
            for n, line in enumerate(notice["lines"])
        ]
        out.append(
            {
                "number": number,
                "lines": lines,
                "units": len(listed),
                "passed": len(passed),
                "missing": [
                    {"epc": u[1], "item": u[2], "batch": u[3], "qty": u[4]}
                    for u in missing[:MISSING_SHOWN]
                ],
                "missing_count": len(missing),
            }
        )
    return out


def counts(db: sqlite3.Connection) -> list[dict[str, Any]]:
    out = []
    for take, zone, tolerance in db.execute(
        "SELECT id, zone, tolerance FROM stocktakes WHERE status='counting' ORDER BY id"
    ):
        locations = [loc.code for loc in Book(db).locations(zone)] if zone else []
        done = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT location FROM counts WHERE stocktake=? AND closed=1", (take,)
            )
        }
        out.append(
            {
                "id": take,
                "zone": zone,
                "tolerance": tolerance,
                "counted": len(done),
                "locations": len(locations) if zone else None,
            }
        )
    return out


def rejected(db: sqlite3.Connection, limit: int = 50) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT event_id, type, last_error, created_at FROM outbox WHERE state='rejected' "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [{"event_id": r[0], "type": r[1], "reason": r[2], "at": r[3]} for r in rows]


def device_detail(db: sqlite3.Connection, device: str, today: date) -> dict[str, Any]:
    book = Book(db)
    task = book.task(device)
    door = db.execute("SELECT door FROM devices WHERE device=?", (device,)).fetchone()
    idle = "receive" if door and door[0] else "idle"  # a door's scanner receives by default
    kind, ref, state, operator = task or (idle, None, {}, None)
    detail: dict[str, Any] = {
        "device": device,
        "task": kind,
        "task_zh": TASKS.get(kind, (kind, kind))[0],
        "task_en": TASKS.get(kind, (kind, kind))[1],
        "ref": ref,
        "operator": operator,
        "state": {k: v for k, v in state.items() if k != "tags"},
        "answers": last_answers(db, device),
    }
    if kind == "pick" and ref:
        zh, en, extra = offer_text(book, book.pick_lines(ref), today)
        detail.update(next_zh=zh, next_en=en, next=extra["next"])
    if kind == "count":
        detail["location"] = state.get("location")
        detail["recount"] = state.get("recount", [])
    if kind == "receive":
        detail["brought"] = brought(db)
    return detail


def _tasks(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT device, kind, ref, state, operator, updated_at FROM tasks ORDER BY device"
    )
    return [
        {"device": r[0], "kind": r[1], "ref": r[2], "state": json.loads(r[3]),
         "operator": r[4], "updated_at": r[5]}
        for r in rows
    ]  # fmt: skip
