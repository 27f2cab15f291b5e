"""The server's copy in the book: taking a sync answer, and where the last one left off.

`GET /api/v1/sync` answers with the catalogue and locations (while changed; each item with its
storage years), batches (with their dates and the last day their re-inspection pass counts,
which FIFO decides by: gateway/domain/fifo.py), stock lines, open pick lists, stocktakes
(each with the locations its last close asked to count again: counted there as round 2),
inbound notices (with the tagged units each lists: the supplier's dispatch advice) and the
people who may use the floor pages. Events the server had accepted before the call began are
in it, so their local effects stop counting
(gateway/storage/schema.py, LIVE_EVENT), and so are the pick lines of the orders made here
that the centre has taken, which then replace the local ones. Every function here runs
inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from gateway.storage import print_queue
from kernel.sscc_serials import from_answer


def cursor(db: sqlite3.Connection) -> str | None:
    return _state(db, "cursor")


def depot_name(db: sqlite3.Connection) -> str | None:
    """The depot's name as the centre has it (Chinese), once a sync brought it."""
    return _state(db, "depot_name_zh")


def master_tag(db: sqlite3.Connection) -> str | None:
    """The fingerprint of the catalogue and locations the book holds (the server's)."""
    return _state(db, "master")


def last_sync(db: sqlite3.Connection) -> float | None:
    """When the last sync applied began."""
    found = _state(db, "at")
    return float(found) if found is not None else None


def forget_cursor(db: sqlite3.Connection) -> None:
    """The server refused the cursor (a restored server): the next sync takes the whole copy."""
    db.execute("DELETE FROM sync_state WHERE key='cursor'")


def _state(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM sync_state WHERE key=?", (key,)).fetchone()
    return str(row[0]) if row else None


def iso_date(value: Any) -> str | None:
    """A date of the answer as the book keeps it (YYYY-MM-DD), or None; anything else makes
    the answer one the book does not take (ValueError), as a batch it does not describe does."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"sync answer has a date that is not text: {value!r}")
    return date.fromisoformat(value).isoformat()


def _text(value: Any) -> str:
    """A code of the answer; anything but text makes the answer one the book does not take."""
    if not isinstance(value, str):
        raise ValueError(f"sync answer has a code that is not text: {value!r}")
    return value


def apply_sync(db: sqlite3.Connection, answer: dict[str, Any], started: float) -> None:
    """Take the server's answer; events it had accepted before the call began are in it."""
    if "items" in answer:
        _replace_master(db, answer)
    places = dict(db.execute("SELECT id, code FROM locations")) if answer["stock"] else {}
    db.executemany(
        "INSERT INTO batches (item, batch, prod_date, inbound_date, reinspected_on, "
        "reinspection_valid_until, manufacturer) VALUES (?,?,?,?,?,?,?) "
        "ON CONFLICT (item, batch) DO UPDATE SET "
        "prod_date=excluded.prod_date, inbound_date=excluded.inbound_date, "
        "reinspected_on=excluded.reinspected_on, "
        "reinspection_valid_until=excluded.reinspection_valid_until, "
        "manufacturer=excluded.manufacturer",
        [
            (
                b["item_code"],
                b["batch_no"],
                iso_date(b["prod_date"]),
                iso_date(b["inbound_date"]),
                iso_date(b.get("reinspected_on")),
                iso_date(b.get("reinspection_valid_until")),
                b.get("manufacturer"),
            )
            for b in answer["batches"]
        ],
    )
    known = {b["id"]: (b["item_code"], b["batch_no"]) for b in answer["batches"]}
    missing = {s["batch_id"] for s in answer["stock"]} - known.keys()
    if missing:
        raise ValueError(f"sync answer names batches it does not describe: {sorted(missing)}")
    if answer.get("full"):
        db.execute("DELETE FROM stock")
    db.executemany(
        "INSERT INTO stock VALUES (?,?,?,?,?) ON CONFLICT (location, item, batch, status) "
        "DO UPDATE SET qty=excluded.qty",
        [
            (places[s["location_id"]], *known[s["batch_id"]], s["status"], s["qty"])
            for s in answer["stock"]
        ],
    )
    db.execute("DELETE FROM stock WHERE qty = 0")
    _replace_lists(db, answer)
    print_queue.go_on_after(db, from_answer(answer.get("sscc_serials", [])))
    _hand_over_made_here(db, started)
    db.execute(
        "DELETE FROM effects WHERE event_id IN (SELECT e.event_id FROM effects e "
        "JOIN outbox o ON o.event_id = e.event_id "
        "WHERE o.state = 'rejected' OR (o.state = 'sent' AND o.settled_at < ?))",
        (started,),
    )
    db.executemany(
        "INSERT INTO sync_state VALUES (?,?) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
        [
            (key, value)
            for key, value in (
                ("cursor", answer["cursor"]),
                ("at", repr(started)),
                ("master", answer.get("master")),
            )
            if value is not None
        ],
    )


def _replace_master(db: sqlite3.Connection, answer: dict[str, Any]) -> None:
    db.execute("DELETE FROM items")
    db.executemany(
        "INSERT INTO items (code, name_zh, name_en, unit_zh, unit_en, reusable, storage_years, "
        "spec) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                i["code"],
                i["name_zh"],
                i["name_en"],
                i["unit_zh"],
                i["unit_en"],
                int(bool(i["reusable"])),
                int(i["storage_years"]),
                i.get("spec"),
            )
            for i in answer["items"]
        ],
    )
    for depot in answer.get("depot", []):  # its names, for the papers it prints
        db.executemany(
            "INSERT INTO sync_state VALUES (?,?) ON CONFLICT (key) DO UPDATE SET "
            "value=excluded.value",
            [
                ("depot_name_zh", _text(depot["name_zh"])),
                ("depot_name_en", _text(depot["name_en"])),
            ],
        )
    db.execute("DELETE FROM gtins")
    db.executemany(
        "INSERT INTO gtins VALUES (?,?)", [(g["gtin"], g["item_code"]) for g in answer["gtins"]]
    )
    db.execute("DELETE FROM locations")
    db.executemany(
        "INSERT INTO locations VALUES (?,?,?,?,?)",
        [(r["code"], r["zone"], r["walk_order"], r["kind"], r["id"]) for r in answer["locations"]],
    )


def _hand_over_made_here(db: sqlite3.Connection, started: float) -> None:
    """The pick lines of an order made here give way to the centre's, once the centre had
    the order before this sync began (its lines are in the answer, planned from the same
    stacks): the picks and loads done against the local lines count against the centre's
    line of the same stack from now on."""
    numbers = [
        r[0]
        for r in db.execute(
            "SELECT p.number FROM phone_orders p JOIN outbox o ON o.event_id = p.number "
            "WHERE o.state = 'sent' AND o.settled_at < ? AND EXISTS "
            "(SELECT 1 FROM pick_lines l WHERE l.order_no = p.number AND l.id < 0)",
            (started,),
        )
    ]
    for number in numbers:
        moved = db.execute(
            "SELECT c.id, m.id FROM pick_lines m JOIN pick_lines c ON c.order_no = m.order_no "
            "AND c.location = m.location AND c.item = m.item AND c.batch = m.batch AND c.id > 0 "
            "WHERE m.order_no = ? AND m.id < 0",
            (number,),
        ).fetchall()
        for table in ("picks", "loads"):
            db.executemany(f"UPDATE {table} SET line_id = ? WHERE line_id = ?", moved)  # noqa: S608
        db.execute("DELETE FROM pick_lines WHERE order_no = ? AND id < 0", (number,))


def _replace_lists(db: sqlite3.Connection, answer: dict[str, Any]) -> None:
    if "people" in answer:
        # A person gone from the list, or whose PIN changed, is signed off everywhere.
        before = dict(db.execute("SELECT username, floor_hash FROM floor_people").fetchall())
        now = {p["username"]: p["floor_hash"] for p in answer["people"]}
        db.execute("DELETE FROM floor_people")
        db.executemany(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            [
                (p["username"], p["display_name"], p["role"], p["floor_hash"])
                for p in answer["people"]
            ],
        )
        db.executemany(
            "DELETE FROM floor_sessions WHERE username=?",
            [(name,) for name, hashed in before.items() if now.get(name) != hashed],
        )
        db.execute(
            "DELETE FROM floor_sessions WHERE username NOT IN (SELECT username FROM floor_people)"
        )
    # The server's pick lists, as it sends them; the lines of orders made here while the
    # depot could not reach the centre (negative ids: gateway/storage/phone_orders.py) stay.
    db.execute("DELETE FROM pick_lines WHERE id > 0")
    db.executemany(
        "INSERT INTO pick_lines VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                p["id"],
                p["order"],
                p["seq"],
                p["location"],
                p["item"],
                p["batch"],
                iso_date(p["inbound_date"]),
                p["qty"],
                p["loaded"],
            )
            for p in answer["pick_lists"]
        ],
    )
    db.execute("DELETE FROM stocktakes")
    db.executemany(
        "INSERT INTO stocktakes VALUES (?,?,?,?)",
        [(t["id"], t["zone"], t["tolerance"], t["status"]) for t in answer["stocktakes"]],
    )
    db.execute("DELETE FROM stocktake_recounts")
    db.executemany(
        "INSERT INTO stocktake_recounts VALUES (?,?)",
        [(t["id"], _text(code)) for t in answer["stocktakes"] for code in t.get("recount", [])],
    )
    db.execute("DELETE FROM notices")
    db.execute("DELETE FROM notice_lines")
    db.execute("DELETE FROM notice_units")
    for notice in answer.get("inbound_notices", []):
        db.execute(
            "INSERT INTO notices VALUES (?,?,?,?)",
            (notice["id"], notice["number"], notice["status"], notice.get("expected_on")),
        )
        db.executemany(
            "INSERT INTO notice_lines VALUES (?,?,?,?,?)",
            [
                (notice["id"], n, line["item"], line.get("batch"), line["qty"])
                for n, line in enumerate(notice["lines"])
            ],
        )
        db.executemany(
            "INSERT INTO notice_units VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (_text(u["epc"]), notice["id"], int(u["n"]), _text(u["item"]), _text(u["batch"]),
                 int(u["qty"]), u.get("sscc"), u.get("gtin"), u.get("serial"),
                 iso_date(u.get("prod_date")), iso_date(u.get("expiry")))
                for u in notice.get("units", [])
            ],
        )  # fmt: skip
        db.executemany(  # received at a door before: kept through a rebuilt gateway
            "INSERT OR IGNORE INTO listed_received VALUES (?,?,0)",
            [(notice["id"], _text(u["epc"])) for u in notice.get("units", []) if u.get("received")],
        )
