"""The gateway's local book: what the depot floor needs to work with the server out of reach.

The server's copy (catalogue, locations, batches, stock lines, open pick lists, stocktakes,
inbound notices) comes through `GET /api/v1/sync` and is stored as the server last said
it. What the floor did since is kept beside it: the stock effects of every local event, until
a sync that began after the server accepted the event has them included; the picks claimed on
each pick line; the quantities received against each notice line (and the units flagged as
over or wrong); the counts of each stocktake round.
The stock the floor sees is the server's line plus the effects it does not show yet.

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    unit_zh TEXT NOT NULL, unit_en TEXT NOT NULL, reusable INTEGER NOT NULL,
    storage_years INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS gtins (gtin TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (
    code TEXT PRIMARY KEY, zone TEXT NOT NULL, walk_order INTEGER NOT NULL, kind TEXT NOT NULL,
    id INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS batches (
    item TEXT NOT NULL, batch TEXT NOT NULL, prod_date TEXT, inbound_date TEXT,
    reinspected_on TEXT, PRIMARY KEY (item, batch)
);
CREATE TABLE IF NOT EXISTS stock (
    location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL, status TEXT NOT NULL,
    qty INTEGER NOT NULL, PRIMARY KEY (location, item, batch, status)
);
CREATE TABLE IF NOT EXISTS effects (
    event_id TEXT NOT NULL, location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL,
    status TEXT NOT NULL, delta INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS effects_stack ON effects (location, item, batch);
CREATE TABLE IF NOT EXISTS pick_lines (
    id INTEGER PRIMARY KEY, order_no TEXT NOT NULL, seq INTEGER NOT NULL,
    location TEXT NOT NULL, item TEXT NOT NULL, batch TEXT NOT NULL, inbound_date TEXT,
    qty INTEGER NOT NULL, loaded INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS picks (
    read_id TEXT PRIMARY KEY, line_id INTEGER NOT NULL, qty INTEGER NOT NULL,
    device TEXT NOT NULL, operator TEXT, override TEXT, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS picks_line ON picks (line_id);
CREATE TABLE IF NOT EXISTS loads (
    event_id TEXT PRIMARY KEY, line_id INTEGER NOT NULL, qty INTEGER NOT NULL,
    device TEXT NOT NULL, at REAL NOT NULL, batch TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS loads_line ON loads (line_id);
CREATE TABLE IF NOT EXISTS stocktakes (
    id INTEGER PRIMARY KEY, zone TEXT, tolerance INTEGER NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counts (
    stocktake INTEGER NOT NULL, location TEXT NOT NULL, item TEXT NOT NULL,
    batch TEXT NOT NULL, round INTEGER NOT NULL, counted INTEGER NOT NULL, card INTEGER,
    device TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (stocktake, location, item, batch, round)
);
CREATE TABLE IF NOT EXISTS notices (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL, status TEXT NOT NULL, expected_on TEXT
);
CREATE TABLE IF NOT EXISTS notice_lines (
    notice_id INTEGER NOT NULL, n INTEGER NOT NULL, item TEXT NOT NULL, batch TEXT,
    qty INTEGER NOT NULL, PRIMARY KEY (notice_id, n)
);
CREATE TABLE IF NOT EXISTS flagged_receipts (
    read_id TEXT PRIMARY KEY, notice_id INTEGER, item TEXT NOT NULL, batch TEXT NOT NULL,
    qty INTEGER NOT NULL, door TEXT NOT NULL, flag TEXT NOT NULL, at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS notice_received (
    notice_id INTEGER NOT NULL, n INTEGER NOT NULL, qty INTEGER NOT NULL,
    PRIMARY KEY (notice_id, n)
);
CREATE TABLE IF NOT EXISTS tasks (
    device TEXT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT, state TEXT NOT NULL,
    operator TEXT, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    epc TEXT PRIMARY KEY, item TEXT NOT NULL, gtin TEXT NOT NULL, batch TEXT NOT NULL,
    qty INTEGER NOT NULL, state TEXT NOT NULL, order_no TEXT, at REAL NOT NULL
);
-- Who may sign on to the floor pages, with their floor PIN hashes (never a central password's).
-- Books made before kept central password hashes in `people`: dropped.
DROP TABLE IF EXISTS people;
CREATE TABLE IF NOT EXISTS floor_people (
    username TEXT PRIMARY KEY, display_name TEXT NOT NULL, role TEXT NOT NULL,
    floor_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS floor_sessions (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires REAL NOT NULL
);
-- Sessions of no one on the list (all of them, in a book made before floor PINs) end.
DELETE FROM floor_sessions WHERE username NOT IN (SELECT username FROM floor_people);
CREATE TABLE IF NOT EXISTS devices (
    device TEXT PRIMARY KEY, state TEXT NOT NULL, door TEXT, status TEXT NOT NULL,
    last_seen REAL NOT NULL
);
"""

# An outbox event (alias o) whose effect the server's copy does not show yet: waiting, or
# accepted after the last sync began. (Deliveries and syncs never overlap: gateway.upstream.worker.)
LIVE_EVENT = (
    "(o.state = 'pending' OR (o.state = 'sent' AND o.settled_at >= "
    "coalesce((SELECT CAST(value AS REAL) FROM sync_state WHERE key = 'at'), 0)))"
)
# What has gone onto the truck from pick line p: the server's count and the live local loads.
# (These fragments are fixed SQL composed once; no value ever enters them.)
LOADED = (
    "p.loaded + coalesce((SELECT sum(d.qty) FROM loads d JOIN outbox o "  # noqa: S608
    f"ON o.event_id = d.event_id WHERE d.line_id = p.id AND {LIVE_EVENT}), 0)"
)
_LIVE = f"SELECT e.* FROM effects e JOIN outbox o ON o.event_id = e.event_id WHERE {LIVE_EVENT}"  # noqa: S608


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    reusable: bool


@dataclass(frozen=True, slots=True)
class Location:
    code: str
    zone: str
    walk_order: int
    kind: str  # dock | storage


@dataclass(frozen=True, slots=True)
class Line:
    """One stock line as the floor sees it."""

    location: str
    item: str
    batch: str
    status: str
    qty: int


@dataclass(frozen=True, slots=True)
class BatchInfo:
    item: str
    batch: str
    prod_date: str | None
    inbound_date: str | None
    reinspected_on: str | None


@dataclass(frozen=True, slots=True)
class Effect:
    location: str
    item: str
    batch: str
    status: str
    delta: int


class Book:
    """Queries and changes on the local book, on one connection inside a transaction."""

    def __init__(self, db: sqlite3.Connection, savepoint: str | None = None) -> None:
        self.db = db
        self.savepoint = savepoint  # where undo() goes back to: the read being decided
        # Master data changes only with a sync, never inside a group of reads; tasks change
        # only through this book while it is in use (kept as text: every caller gets a copy).
        self._items: dict[str, Item | None] = {}
        self._synced: bool | None = None
        self._tasks: dict[str, tuple[str, str | None, str, str | None] | None] = {}

    def undo(self) -> None:
        """Forget every change the read being decided made (a refusal)."""
        if self.savepoint is None:
            raise RuntimeError("a read is decided inside GatewayStore.take_reads")
        self.db.execute(f"ROLLBACK TO {self.savepoint}")
        self._tasks.clear()

    # --- master data -------------------------------------------------------------------

    def item_of_gtin(self, gtin: str) -> Item | None:
        if gtin not in self._items:
            self._items[gtin] = self._item_of_gtin(gtin)
        return self._items[gtin]

    def _item_of_gtin(self, gtin: str) -> Item | None:
        row = self.db.execute(
            "SELECT i.code, i.name_zh, i.name_en, i.unit_zh, i.unit_en, i.reusable "
            "FROM gtins g JOIN items i ON i.code = g.item WHERE g.gtin = ?",
            (gtin,),
        ).fetchone()
        return Item(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def item(self, code: str) -> Item | None:
        row = self.db.execute(
            "SELECT code, name_zh, name_en, unit_zh, unit_en, reusable FROM items WHERE code=?",
            (code,),
        ).fetchone()
        return Item(row[0], row[1], row[2], row[3], row[4], bool(row[5])) if row else None

    def gtin_of(self, item: str) -> str | None:
        row = self.db.execute(
            "SELECT gtin FROM gtins WHERE item=? ORDER BY gtin LIMIT 1", (item,)
        ).fetchone()
        return str(row[0]) if row else None

    def location(self, code: str) -> Location | None:
        row = self.db.execute(
            "SELECT code, zone, walk_order, kind FROM locations WHERE code=?", (code,)
        ).fetchone()
        return Location(*row) if row else None

    def locations(self, zone: str | None = None) -> list[Location]:
        query = "SELECT code, zone, walk_order, kind FROM locations"
        rows = (
            self.db.execute(query + " WHERE zone=? ORDER BY walk_order", (zone,))
            if zone
            else self.db.execute(query + " ORDER BY walk_order")
        )
        return [Location(*r) for r in rows]

    def batches(self, item: str) -> dict[str, BatchInfo]:
        rows = self.db.execute(
            "SELECT item, batch, prod_date, inbound_date, reinspected_on FROM batches WHERE item=?",
            (item,),
        )
        return {r[1]: BatchInfo(*r) for r in rows}

    def synced(self) -> bool:
        """Whether the book has ever had the server's copy."""
        if self._synced is None:
            self._synced = self.db.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None
        return self._synced

    # --- stock -------------------------------------------------------------------------

    def lines(
        self,
        location: str | None = None,
        item: str | None = None,
        batch: str | None = None,
        locations: Iterable[str] | None = None,
    ) -> list[Line]:
        """Stock lines with a quantity, the server's plus the live local effects."""
        where, args = [], []
        for column, value in (("location", location), ("item", item), ("batch", batch)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if locations is not None:
            codes = list(locations)
            where.append(f"location IN ({','.join('?' * len(codes))})")
            args += codes
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        # Fixed column names only; every value is bound.
        query = (
            "SELECT location, item, batch, status, sum(qty) FROM ("  # noqa: S608
            f"SELECT location, item, batch, status, qty FROM stock{condition} "
            "UNION ALL "
            f"SELECT location, item, batch, status, delta FROM ({_LIVE}){condition}"
            ") GROUP BY location, item, batch, status HAVING sum(qty) <> 0 "
            "ORDER BY location, item, batch, status"
        )
        return [Line(*r) for r in self.db.execute(query, args + args)]

    def record_effects(self, event_id: str, effects: Iterable[Effect]) -> None:
        self.db.executemany(
            "INSERT INTO effects VALUES (?,?,?,?,?,?)",
            [(event_id, e.location, e.item, e.batch, e.status, e.delta) for e in effects],
        )

    # --- tasks ---------------------------------------------------------------------------

    def task(self, device: str) -> tuple[str, str | None, dict[str, Any], str | None] | None:
        if device not in self._tasks:
            self._tasks[device] = self.db.execute(
                "SELECT kind, ref, state, operator FROM tasks WHERE device=?", (device,)
            ).fetchone()
        row = self._tasks[device]
        return (row[0], row[1], json.loads(row[2]), row[3]) if row else None

    def set_task(
        self,
        device: str,
        kind: str,
        ref: str | None,
        state: dict[str, Any],
        operator: str | None,
        now: float,
    ) -> None:
        text = json.dumps(state, ensure_ascii=False)
        self.db.execute(
            "INSERT INTO tasks VALUES (?,?,?,?,?,?) ON CONFLICT (device) DO UPDATE SET "
            "kind=excluded.kind, ref=excluded.ref, state=excluded.state, "
            "operator=excluded.operator, updated_at=excluded.updated_at",
            (device, kind, ref, text, operator, now),
        )
        self._tasks[device] = (kind, ref, text, operator)

    def all_tasks(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT device, kind, ref, state, operator, updated_at FROM tasks ORDER BY device"
        )
        return [
            {
                "device": r[0],
                "kind": r[1],
                "ref": r[2],
                "state": json.loads(r[3]),
                "operator": r[4],
                "updated_at": r[5],
            }
            for r in rows
        ]

    # --- devices -------------------------------------------------------------------------

    def device_status(self, device: str, status: dict[str, Any], now: float) -> None:
        """A station's retained status (online with its figures, or its last will)."""
        door = status.get("door")
        self.db.execute(
            "INSERT INTO devices VALUES (?,?,?,?,?) ON CONFLICT (device) DO UPDATE SET "
            "state=excluded.state, door=coalesce(excluded.door, devices.door), "
            "status=excluded.status, last_seen=excluded.last_seen",
            (
                device,
                str(status.get("state", "unknown"))[:16],
                str(door)[:32] if door else None,
                json.dumps(status, ensure_ascii=False),  # bounded by parse_status
                now,
            ),
        )

    def devices(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT device, state, door, status, last_seen FROM devices ORDER BY device"
        )
        return [
            {
                "device": r[0],
                "state": r[1],
                "door": r[2],
                "status": json.loads(r[3]),
                "last_seen": r[4],
            }
            for r in rows
        ]

    # --- people on the floor pages -----------------------------------------------------------

    def person(self, username: str) -> tuple[str, str, str] | None:
        """(display name, role, floor PIN hash) of someone who may use the floor pages."""
        row = self.db.execute(
            "SELECT display_name, role, floor_hash FROM floor_people WHERE username=?",
            (username,),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def open_session(self, token_hash: str, username: str, expires: float) -> None:
        self.db.execute(
            "INSERT INTO floor_sessions VALUES (?,?,?)", (token_hash, username, expires)
        )

    def session(self, token_hash: str, now: float) -> tuple[str, str, str] | None:
        """(username, display name, role) of a live session."""
        row = self.db.execute(
            "SELECT s.username, p.display_name, p.role FROM floor_sessions s "
            "JOIN floor_people p ON p.username = s.username "
            "WHERE s.token_hash=? AND s.expires > ?",
            (token_hash, now),
        ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def close_session(self, token_hash: str) -> None:
        self.db.execute("DELETE FROM floor_sessions WHERE token_hash=?", (token_hash,))

    # --- sync ----------------------------------------------------------------------------

    def cursor(self) -> str | None:
        return self._state("cursor")

    def master_tag(self) -> str | None:
        """The fingerprint of the catalogue and locations the book holds (the server's)."""
        return self._state("master")

    def _state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM sync_state WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def last_sync(self) -> float | None:
        row = self.db.execute("SELECT value FROM sync_state WHERE key='at'").fetchone()
        return float(row[0]) if row else None

    def apply_sync(self, answer: dict[str, Any], started: float) -> None:
        """Take the server's answer; events it had accepted before the call began are in it."""
        db = self.db
        if "items" in answer:
            self._replace_master(answer)
        places = dict(db.execute("SELECT id, code FROM locations")) if answer["stock"] else {}
        db.executemany(
            "INSERT INTO batches VALUES (?,?,?,?,?) ON CONFLICT (item, batch) DO UPDATE SET "
            "prod_date=excluded.prod_date, inbound_date=excluded.inbound_date, "
            "reinspected_on=excluded.reinspected_on",
            [
                (
                    b["item_code"],
                    b["batch_no"],
                    b["prod_date"],
                    b["inbound_date"],
                    b.get("reinspected_on"),
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
        self._replace_lists(answer)
        db.execute(
            "DELETE FROM effects WHERE event_id IN (SELECT e.event_id FROM effects e "
            "JOIN outbox o ON o.event_id = e.event_id "
            "WHERE o.state = 'rejected' OR (o.state = 'sent' AND o.settled_at < ?))",
            (started,),
        )
        db.executemany(
            "INSERT INTO sync_state VALUES (?,?) "
            "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
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

    def _replace_master(self, answer: dict[str, Any]) -> None:
        db = self.db
        db.execute("DELETE FROM items")
        db.executemany(
            "INSERT INTO items VALUES (?,?,?,?,?,?,?)",
            [
                (
                    i["code"],
                    i["name_zh"],
                    i["name_en"],
                    i["unit_zh"],
                    i["unit_en"],
                    int(bool(i["reusable"])),
                    int(i["storage_years"]),
                )
                for i in answer["items"]
            ],
        )
        db.execute("DELETE FROM gtins")
        db.executemany(
            "INSERT INTO gtins VALUES (?,?)", [(g["gtin"], g["item_code"]) for g in answer["gtins"]]
        )
        db.execute("DELETE FROM locations")
        db.executemany(
            "INSERT INTO locations VALUES (?,?,?,?,?)",
            [
                (r["code"], r["zone"], r["walk_order"], r["kind"], r["id"])
                for r in answer["locations"]
            ],
        )

    def _replace_lists(self, answer: dict[str, Any]) -> None:
        db = self.db
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
                "DELETE FROM floor_sessions "
                "WHERE username NOT IN (SELECT username FROM floor_people)"
            )
        db.execute("DELETE FROM pick_lines")
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
                    p["inbound_date"],
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
        db.execute("DELETE FROM notices")
        db.execute("DELETE FROM notice_lines")
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
