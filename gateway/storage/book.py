"""The book on SQLite: the floor view (gateway/domain/floor.py) inside a read's transaction.

The server's copy (catalogue, locations, batches, stock lines, open pick lists, stocktakes,
inbound notices) is stored as the server last said it (gateway/storage/server_copy.py). What
the floor did since is kept beside it: the stock effects of every local event, until a sync
that began after the server accepted the event has them included; the picks claimed on each
pick line; the quantities received against each notice line (and the units flagged as over
or wrong); the counts of each stocktake round; the tags on units. The stock the floor sees is
the server's line plus the effects it does not show yet.

Every method runs inside the caller's transaction (GatewayStore.transaction); `undo` goes back
to the savepoint of the read being decided.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from gateway.domain.fifo import PickLine
from gateway.domain.floor import (
    BatchInfo,
    Count,
    CountKey,
    Effect,
    FlaggedReceipt,
    Item,
    LabelNote,
    LabelWanted,
    Line,
    ListedUnit,
    Load,
    Location,
    NoticeLine,
    Pick,
    Stocktake,
    TaggedUnit,
    Task,
)
from gateway.storage import received_labels
from gateway.storage.schema import LIVE_EFFECTS, LOADED

_ITEM = "SELECT code, name_zh, name_en, unit_zh, unit_en, reusable FROM items"
_PICK_LINES = f"""
SELECT p.id, p.order_no, p.item, p.batch, p.location, coalesce(l.walk_order, 0), p.qty,
       max(coalesce((SELECT sum(k.qty) FROM picks k WHERE k.line_id = p.id), 0),
           {LOADED}),
       coalesce(p.inbound_date, b.inbound_date), b.prod_date, i.storage_years,
       b.reinspection_valid_until
FROM pick_lines p
LEFT JOIN locations l ON l.code = p.location
LEFT JOIN batches b ON b.item = p.item AND b.batch = p.batch
LEFT JOIN items i ON i.code = p.item
WHERE p.order_no = ?
ORDER BY p.seq
"""  # noqa: S608 - fixed SQL
_LEFT_TO_LOAD = f"SELECT p.id, p.qty - ({LOADED}) FROM pick_lines p WHERE p.order_no = ?"  # noqa: S608
_LISTED = (
    "SELECT u.epc, u.notice_id, n.number, u.n, u.item, u.batch, u.qty, u.sscc, u.gtin, "
    "u.serial, u.prod_date, u.expiry FROM notice_units u JOIN notices n ON n.id = u.notice_id"
)
_COUNT_KEY = "stocktake=? AND location=? AND item=? AND batch=? AND round=?"


def _item(row: Any) -> Item:
    return Item(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


class Book:
    """The floor view on one SQLite connection, inside a transaction."""

    def __init__(
        self,
        db: sqlite3.Connection,
        savepoint: str | None = None,
        labels: received_labels.ReceivingLabels | None = None,
    ) -> None:
        self.db = db
        self.savepoint = savepoint  # where undo() goes back to: the read being decided
        self.labels = labels  # the doors' printers that label what is received (None: none)
        self.labels_queued = False  # whether a read queued a label (the printer to be woken)
        # Master data changes only with a sync, never inside a group of reads; tasks change
        # only through this book while it is in use (kept as text: every caller gets a copy).
        self._items: dict[str, Item | None] = {}
        self._synced: bool | None = None
        self._tasks: dict[str, tuple[str, str | None, str, str | None] | None] = {}

    def undo(self) -> None:
        if self.savepoint is None:
            raise RuntimeError("a read is decided inside take_reads (gateway/services/reads.py)")
        self.db.execute(f"ROLLBACK TO {self.savepoint}")
        self._tasks.clear()

    # --- catalogue ---------------------------------------------------------------------

    def item_of_gtin(self, gtin: str) -> Item | None:
        if gtin not in self._items:
            row = self.db.execute(
                f"{_ITEM} WHERE code = (SELECT item FROM gtins WHERE gtin = ?)",  # noqa: S608
                (gtin,),
            ).fetchone()
            self._items[gtin] = _item(row) if row else None
        return self._items[gtin]

    def item(self, code: str) -> Item | None:
        row = self.db.execute(f"{_ITEM} WHERE code=?", (code,)).fetchone()
        return _item(row) if row else None

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
            "SELECT b.item, b.batch, b.prod_date, b.inbound_date, b.reinspected_on, "
            "i.storage_years, b.reinspection_valid_until FROM batches b "
            "LEFT JOIN items i ON i.code = b.item WHERE b.item=?",
            (item,),
        )
        return {r[1]: BatchInfo(*r) for r in rows}

    def synced(self) -> bool:
        if self._synced is None:
            self._synced = self.db.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None
        return self._synced

    # --- stock -------------------------------------------------------------------------

    def lines(
        self, location: str | None = None, item: str | None = None, batch: str | None = None
    ) -> list[Line]:
        where, args = [], []
        for column, value in (("location", location), ("item", item), ("batch", batch)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        condition = (" WHERE " + " AND ".join(where)) if where else ""
        # Fixed column names only; every value is bound.
        query = (
            "SELECT location, item, batch, status, sum(qty) FROM ("  # noqa: S608
            f"SELECT location, item, batch, status, qty FROM stock{condition} "
            "UNION ALL "
            f"SELECT location, item, batch, status, delta FROM ({LIVE_EFFECTS}){condition}"
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

    def task(self, device: str) -> Task | None:
        if device not in self._tasks:
            self._tasks[device] = self.db.execute(
                "SELECT kind, ref, state, operator FROM tasks WHERE device=?", (device,)
            ).fetchone()
        row = self._tasks[device]
        return Task(row[0], row[1], json.loads(row[2]), row[3]) if row else None

    def set_task(self, device: str, task: Task, now: float) -> None:
        text = json.dumps(task.state, ensure_ascii=False)
        self.db.execute(
            "INSERT INTO tasks VALUES (?,?,?,?,?,?) ON CONFLICT (device) DO UPDATE SET "
            "kind=excluded.kind, ref=excluded.ref, state=excluded.state, "
            "operator=excluded.operator, updated_at=excluded.updated_at",
            (device, task.kind, task.ref, text, task.operator, now),
        )
        self._tasks[device] = (task.kind, task.ref, text, task.operator)

    # --- inbound notices -------------------------------------------------------------------

    def open_notice_lines(self, notice_id: int | None = None) -> list[NoticeLine]:
        rows = self.db.execute(
            "SELECT l.notice_id, n.number, l.n, l.item, l.batch, l.qty, coalesce(r.qty, 0) "
            "FROM notice_lines l JOIN notices n ON n.id = l.notice_id "
            "LEFT JOIN notice_received r ON r.notice_id = l.notice_id AND r.n = l.n "
            "WHERE n.status = 'open' AND (? IS NULL OR l.notice_id = ?) ORDER BY l.notice_id, l.n",
            (notice_id, notice_id),
        )
        return [NoticeLine(*r) for r in rows]

    def count_received(self, line: NoticeLine, qty: int) -> None:
        self.db.execute(
            "INSERT INTO notice_received VALUES (?,?,?) ON CONFLICT (notice_id, n) "
            "DO UPDATE SET qty = qty + excluded.qty",
            (line.notice_id, line.n, qty),
        )

    def flag_receipt(self, receipt: FlaggedReceipt) -> None:
        r = receipt
        self.db.execute(
            "INSERT INTO flagged_receipts VALUES (?,?,?,?,?,?,?,?)",
            (r.read_id, r.notice_id, r.item, r.batch, r.qty, r.door, r.flag, r.at),
        )

    def listed_unit(self, epc: str) -> ListedUnit | None:
        return self._listed("u.epc = ?", (epc,))

    def listed_unit_of_label(
        self, sscc: str | None, gtin: str | None, serial: str | None
    ) -> ListedUnit | None:
        found = self._listed("u.sscc = ?", (sscc,)) if sscc else None
        if found is None and gtin and serial:
            found = self._listed("u.gtin = ? AND u.serial = ?", (gtin, serial))
        return found

    def _listed(self, where: str, args: tuple[str, ...]) -> ListedUnit | None:
        row = self.db.execute(
            f"{_LISTED} WHERE n.status = 'open' AND {where} ORDER BY u.notice_id, u.epc LIMIT 1",
            args,
        ).fetchone()
        return ListedUnit(*row) if row else None

    def listed_received(self, notice_id: int, epc: str) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM listed_received WHERE notice_id = ? AND epc = ?", (notice_id, epc)
            ).fetchone()
            is not None
        )

    def note_listed_received(self, notice_id: int, epc: str, at: float) -> None:
        self.db.execute("INSERT INTO listed_received VALUES (?,?,?)", (notice_id, epc, at))

    def item_received(self, gtin: str, serial: str) -> bool:
        found = self.db.execute(
            "SELECT 1 FROM received_items WHERE gtin = ? AND serial = ?", (gtin, serial)
        )
        return found.fetchone() is not None

    def note_item_received(self, gtin: str, serial: str, at: float) -> None:
        self.db.execute("INSERT INTO received_items VALUES (?,?,?)", (gtin, serial, at))

    def note_item_left(self, gtin: str, serial: str) -> None:
        self.db.execute("DELETE FROM received_items WHERE gtin = ? AND serial = ?", (gtin, serial))

    # --- pick lists and loading -------------------------------------------------------------

    def pick_lines(self, order: str) -> list[PickLine]:
        return [PickLine(*r) for r in self.db.execute(_PICK_LINES, (order,))]

    def claim_pick(self, pick: Pick) -> None:
        p = pick
        override = json.dumps(p.override) if p.override is not None else None
        self.db.execute(
            "INSERT INTO picks VALUES (?,?,?,?,?,?,?)",
            (p.read_id, p.line_id, p.qty, p.device, p.operator, override, p.at),
        )

    def left_to_load(self, order: str) -> dict[int, int]:
        return {r[0]: r[1] for r in self.db.execute(_LEFT_TO_LOAD, (order,))}

    def granted_picks(self, order: str) -> list[Pick]:
        rows = self.db.execute(
            "SELECT read_id, line_id, qty, device, operator, override, at FROM picks "
            "WHERE override IS NOT NULL AND line_id IN "
            "(SELECT id FROM pick_lines WHERE order_no = ?) ORDER BY rowid",
            (order,),
        )
        return [Pick(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def loaded_instead(self, order: str, batch: str) -> int:
        row = self.db.execute(
            "SELECT coalesce(sum(d.qty), 0) FROM loads d JOIN pick_lines p ON p.id = d.line_id "
            "WHERE p.order_no = ? AND d.batch = ? AND p.batch <> ?",
            (order, batch, batch),
        ).fetchone()
        return int(row[0])

    def record_load(self, load: Load) -> None:
        d = load
        self.db.execute(
            "INSERT INTO loads VALUES (?,?,?,?,?,?)",
            (d.event_id, d.line_id, d.qty, d.device, d.at, d.batch),
        )

    # --- stocktakes ---------------------------------------------------------------------------

    def stocktake(self, take: int) -> Stocktake | None:
        row = self.db.execute(
            "SELECT zone, tolerance FROM stocktakes WHERE id=? AND status='counting'", (take,)
        ).fetchone()
        if row is None:
            return None
        asked = self.db.execute(
            "SELECT location FROM stocktake_recounts WHERE stocktake=?", (take,)
        ).fetchall()
        return Stocktake(take, row[0], int(row[1]), frozenset(r[0] for r in asked))

    def add_count(self, key: CountKey, qty: int, device: str) -> int:
        k = (key.stocktake, key.location, key.item, key.batch, key.round)
        self.db.execute(
            "INSERT INTO counts (stocktake, location, item, batch, round, counted, device) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (stocktake, location, item, batch, round) "
            "DO UPDATE SET counted = counted + excluded.counted, closed = 0",
            (*k, qty, device),
        )
        row = self.db.execute(f"SELECT counted FROM counts WHERE {_COUNT_KEY}", k).fetchone()  # noqa: S608
        return int(row[0])

    def set_card(self, key: CountKey, card: int) -> None:
        self.db.execute(
            f"UPDATE counts SET card=? WHERE {_COUNT_KEY}",  # noqa: S608
            (card, key.stocktake, key.location, key.item, key.batch, key.round),
        )

    def counts(self, take: int, location: str, round: int) -> dict[tuple[str, str], Count]:
        rows = self.db.execute(
            "SELECT item, batch, counted, card FROM counts WHERE stocktake=? AND location=? "
            "AND round=?",
            (take, location, round),
        )
        return {(r[0], r[1]): Count(r[2], r[3]) for r in rows}

    def close_counts(self, take: int, location: str, round: int) -> None:
        self.db.execute(
            "UPDATE counts SET closed=1 WHERE stocktake=? AND location=? AND round=?",
            (take, location, round),
        )

    # --- labels -----------------------------------------------------------------------------

    def queue_label(self, wanted: LabelWanted, at: float) -> LabelNote | None:
        if self.labels is None:
            return None
        note = received_labels.queue(self.db, self.labels, wanted, at)
        self.labels_queued |= note is not None and note.sscc is not None
        return note

    # --- RFID tags ----------------------------------------------------------------------------

    def tagged(self, epc: str) -> TaggedUnit | None:
        row = self.db.execute(
            "SELECT epc, item, gtin, batch, qty, state, order_no FROM units WHERE epc=?", (epc,)
        ).fetchone()
        return TaggedUnit(*row) if row else None

    def register_tag(self, unit: TaggedUnit, at: float) -> None:
        u = unit
        self.db.execute(
            "INSERT INTO units VALUES (?,?,?,?,?,?,?,?)",
            (u.epc, u.item, u.gtin, u.batch, u.qty, u.state, u.order, at),
        )

    def tag_loaded(self, epc: str, order: str, at: float) -> None:
        self.db.execute(
            "UPDATE units SET state='loaded', order_no=?, at=? WHERE epc=?", (order, at, epc)
        )

    def tag_received(self, unit: TaggedUnit, at: float) -> None:
        u = unit
        self.db.execute(
            "INSERT INTO units VALUES (?,?,?,?,?,'received',NULL,?) ON CONFLICT (epc) DO UPDATE "
            "SET item=excluded.item, gtin=excluded.gtin, batch=excluded.batch, qty=excluded.qty, "
            "state='received', order_no=NULL, at=excluded.at",
            (u.epc, u.item, u.gtin, u.batch, u.qty, at),
        )
