"""The gateway's book (SQLite): every read it took, and the outbox of domain events.

A read and the event it caused are committed in one transaction, before the broker is told
the read arrived and before the station gets its answer. The outbox is drained by the
forwarder; a row is marked sent only after the server's answer for its event.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.domain.quarantine import DeviceCounts
from gateway.storage import (
    asked_prints,
    encode_requests,
    print_queue,
    quarantine,
    received_labels,
    schema,
    server_copy,
)
from kernel.contract import ScanMessage
from kernel.floor_events import FloorEvent
from kernel.sqlite import open_durable

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 1.0  # seconds between checkpoints of the write-ahead log


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    event_id: str
    text: str  # the event as JSON, as it goes to the server
    attempts: int
    type: str = ""  # the event's type, or `phone_order` (gateway/upstream/forwarder.py)

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.text))


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    sent: int
    rejected: int
    oldest_pending_age: float | None


# Columns added since the first release, for books made before them.
_ADDED = {"outbox": {"settled_at": "REAL"}, "quarantine": quarantine.ADDED}
# ... and to the floor's own tables of the book (not the server's copy: no sync to redo).
_LOCAL_ADDED = {
    "phone_orders": {"withdrawn": "TEXT"},  # who withdrew it, when, why (JSON)
    "encode_requests": {"expires_at": "REAL"},  # an attempt's life, set at its first send
    "print_jobs": print_queue.ADDED,  # a job's kind: a label or a bin card
}


def _add_columns(db: sqlite3.Connection, added: dict[str, dict[str, str]]) -> bool:
    """Add the columns a book made before them lacks; whether any was added."""
    grown = False
    for table, columns in added.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                grown = True
    return grown


class GatewayStore:
    """The gateway's SQLite file: one writer connection whose transactions queue on a lock,
    a read-only one for the floor pages, and the outbox's figures. `clock` gives the time
    every write records, in seconds since the epoch (the process clock's, wired in
    gateway/entrypoints/process.py; a test's own)."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._path = path
        self._db = open_durable(path)
        # What is deleted is overwritten, whatever the SQLite build's default: sessions, and
        # the central password hashes an earlier release kept (`people`, dropped below).
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(
            schema.STORE
            + quarantine.SCHEMA
            + print_queue.SCHEMA
            + received_labels.SCHEMA
            + encode_requests.SCHEMA
            + asked_prints.SCHEMA
        )
        _add_columns(self._db, _ADDED)
        self._db.executescript(quarantine.INDEXES + schema.BOOK)
        _add_columns(self._db, _LOCAL_ADDED)
        self._db.execute("BEGIN IMMEDIATE")  # the columns and the forgotten cursor together
        if _add_columns(self._db, schema.BOOK_ADDED):
            server_copy.forget_cursor(self._db)  # the next sync fills them: the whole copy
        self._db.execute("COMMIT")
        self._db.execute("DROP INDEX IF EXISTS outbox_due")  # replaced by the partial ones
        self._lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []  # the pages' connection, once opened
        # Checkpoints (copying the write-ahead log into the database file) happen on a thread
        # of their own, not inside a commit that a read is waiting for.
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpoints = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, args=(path,), name="checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint_loop(self, path: Path) -> None:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            while not self._checkpoints.wait(CHECKPOINT_EVERY):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # busy or closing: the next round tries again
                    log.debug("checkpoint skipped: %s", exc)
        finally:
            db.close()

    def close(self) -> None:
        self._checkpoints.set()
        self._checkpointer.join(timeout=5)
        with self._read_lock:
            for reader in self._readers:
                reader.close()
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    def transaction(self) -> _Tx:
        """BEGIN IMMEDIATE ... COMMIT on the store's connection, for the book's changes."""
        return _Tx(self._db, self._lock)

    def reading(self) -> _Read:
        """A snapshot of the book for the floor pages, on a read-only connection of its own
        (SQLite `mode=ro`, `query_only`): it never takes the writers' lock, and in WAL mode it
        reads beside a writer's transaction instead of waiting for it."""
        return _Read(self._path, self._read_lock, self._readers)

    def broken_counts(self, since: float) -> dict[str, DeviceCounts]:
        with self._lock:
            return quarantine.counts(self._db, since, self.clock())

    def claim_enrolment(self, device: str, verifier: str, peer: str | None) -> bool:
        """Mark a sheet used; False if it was already."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO enrolments VALUES (?,?,?,?)",
                (device, verifier, self.clock(), peer),
            )
            return cursor.rowcount == 1

    def due(self, limit: int) -> list[OutboxRow]:
        """The oldest pending rows, in order, up to the first one whose retry is not due yet:
        nothing overtakes a row waiting to be sent again (a phone order goes before the events
        made for it: gateway/upstream/forwarder.py)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, event_id, payload, attempts, type, next_attempt FROM outbox "
                "WHERE state='pending' ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        now = self.clock()
        due: list[OutboxRow] = []
        for r in rows:
            if r[5] > now:
                break
            due.append(OutboxRow(r[0], r[1], r[2], r[3], r[4]))
        return due

    def settle(self, results: dict[str, tuple[str, str | None]]) -> None:
        """Record the server's verdict per event: accepted/duplicate -> sent, else rejected."""
        now = self.clock()
        rows = [
            ("sent" if result in ("accepted", "duplicate") else "rejected", result, reason, now, e)
            for e, (result, reason) in results.items()
        ]
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET state=?, result=?, last_error=?, attempts=attempts+1, "
                "settled_at=? WHERE event_id=? AND state='pending'",
                rows,
            )

    def defer(self, event_ids: list[str], delay: float, error: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts=attempts+1, next_attempt=?, last_error=? "
                "WHERE event_id=? AND state='pending'",
                [(self.clock() + delay, error[:500], e) for e in event_ids],
            )

    def stats(self) -> OutboxStats:
        """The outbox's figures, from its indexes only: the sent rows, which only grow, are
        never counted one by one (rows are never deleted, so all of them is the last id)."""
        with self._lock:
            pending, oldest = self._db.execute(
                "SELECT count(*), min(created_at) FROM outbox WHERE state='pending'"
            ).fetchone()
            rejected = self._db.execute(
                "SELECT count(*) FROM outbox WHERE state='rejected'"
            ).fetchone()[0]
            withdrawn = self._db.execute(
                "SELECT count(*) FROM outbox WHERE state='withdrawn'"
            ).fetchone()[0]  # orders made here and withdrawn: never sent
            total = self._db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
        return OutboxStats(
            pending=pending,
            sent=total - pending - rejected - withdrawn,
            rejected=rejected,
            oldest_pending_age=(self.clock() - oldest) if oldest else None,
        )

    def rejected_recent(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest events the server rejected (or could not read), with its reasons."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event_id, type, result, last_error, settled_at FROM outbox "
                "WHERE state='rejected' ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            {"event_id": r[0], "type": r[1], "result": r[2], "reason": (r[3] or "")[:300],
             "at": r[4]}
            for r in rows
        ]  # fmt: skip

    def recent_reads(self, since: float) -> dict[str, tuple[int, float]]:
        """Per device: reads taken since `since` and the time of the last (from the index)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT device, count(*), max(received_at) FROM reads WHERE received_at >= ? "
                "GROUP BY device",
                (since,),
            ).fetchall()
        return {device: (int(n), float(last)) for device, n, last in rows}

    def read_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM reads").fetchone()[0])


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT under the store's lock; ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()


class _Read:
    """BEGIN ... COMMIT on the read-only connection: one snapshot for a page's queries."""

    def __init__(self, path: Path, lock: threading.Lock, readers: list[sqlite3.Connection]):
        self._path = path
        self._lock = lock
        self._readers = readers

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            if not self._readers:
                db = sqlite3.connect(
                    f"{self._path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    check_same_thread=False,
                    isolation_level=None,
                )
                db.execute("PRAGMA query_only=ON")
                self._readers.append(db)
            self._readers[0].execute("BEGIN")
        except BaseException:
            self._lock.release()
            raise
        return self._readers[0]

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self._readers[0].execute("COMMIT")
        finally:
            self._lock.release()


READ = "one_read"  # the savepoint each read is decided in (Book.undo goes back to it)


def begin_read(db: sqlite3.Connection) -> None:
    db.execute(f"SAVEPOINT {READ}")


def end_read(db: sqlite3.Connection) -> None:
    db.execute(f"RELEASE {READ}")


def answered(db: sqlite3.Connection, ids: list[str]) -> dict[str, bytes]:
    """The answers already given to any of these reads."""
    found: dict[str, bytes] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT event_id, answer FROM reads WHERE event_id IN ({marks})",  # noqa: S608
            chunk,
        )
        found.update((r[0], bytes(r[1])) for r in rows)
    return found


def insert_read(
    db: sqlite3.Connection, scan: ScanMessage, payload: bytes, wire: bytes, now: float
) -> None:
    db.execute(
        "INSERT INTO reads VALUES (?,?,?,?,?,?,?,?)",
        (scan.event_id, scan.site, scan.device, scan.seq, scan.ts, now, payload, wire),
    )


def insert_events(db: sqlite3.Connection, events: Sequence[FloorEvent], now: float) -> None:
    """Floor events into the outbox, as the JSON that goes to the server (their wire form)."""
    insert_outbox(db, [(e.event_id, e.type, e.to_wire()) for e in events], now)


def insert_outbox(
    db: sqlite3.Connection, items: Sequence[tuple[str, str, dict[str, Any]]], now: float
) -> None:
    """(id, type, wire form) items into the outbox, in order."""
    db.executemany(
        "INSERT INTO outbox (event_id, type, payload, created_at) VALUES (?,?,?,?)",
        [(key, kind, json.dumps(body, ensure_ascii=False), now) for key, kind, body in items],
    )
