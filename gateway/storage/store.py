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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from gateway.domain.quarantine import Broken, DeviceCounts
from gateway.storage import quarantine
from gateway.storage.book import SCHEMA as BOOK_SCHEMA
from gateway.storage.book import Book
from kernel.contract import Answer, ScanMessage, parse_answer
from kernel.sqlite import open_durable

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 1.0  # seconds between checkpoints of the write-ahead log

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reads (
    event_id    TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    device      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          TEXT NOT NULL,
    received_at REAL NOT NULL,
    payload     BLOB NOT NULL,
    answer      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reads_device ON reads (device, received_at);
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   REAL NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error   TEXT,
    result       TEXT,
    settled_at   REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS outbox_rejected ON outbox (id) WHERE state = 'rejected';
-- Each enrolment sheet (its code's verifier) is used once.
CREATE TABLE IF NOT EXISTS enrolments (
    device      TEXT NOT NULL,
    verifier    TEXT NOT NULL,
    enrolled_at REAL NOT NULL,
    peer        TEXT,
    PRIMARY KEY (device, verifier)
);
"""


@dataclass(frozen=True, slots=True)
class Intake:
    answer: Answer
    duplicate: bool
    wire: bytes  # the answer as it goes to the station (and as it is kept)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    event_id: str
    text: str  # the event as JSON, as it goes to the server
    attempts: int

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.text))


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    sent: int
    rejected: int
    oldest_pending_age: float | None


class Decision(Protocol):
    answer: Answer
    events: list[dict[str, Any]]


Decide = Callable[[Book, ScanMessage, float], Decision]

# Columns added since the first release, for books made before them.
_ADDED = {"outbox": {"settled_at": "REAL"}, "quarantine": quarantine.ADDED}


def failed_answer(event_id: str, error: Exception) -> Answer:
    """The answer to a read the gateway could not handle (a fault, not a rule)."""
    kind = type(error).__name__
    return Answer(
        event_id,
        "refused",
        f"网关无法处理此次扫描（{kind}），请重新扫描或通知管理员",
        f"The gateway could not handle this read ({kind}); scan again or tell the administrator",
        "error",
    )


class GatewayStore:
    def __init__(self, path: Path) -> None:
        self._db = open_durable(path)
        # What is deleted is overwritten, whatever the SQLite build's default: sessions, and
        # the central password hashes an earlier release kept (`people`, dropped below).
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(_SCHEMA + quarantine.SCHEMA)
        for table, columns in _ADDED.items():
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        self._db.executescript(quarantine.INDEXES + BOOK_SCHEMA)
        self._db.execute("DROP INDEX IF EXISTS outbox_due")  # replaced by the partial ones
        self._lock = threading.Lock()
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
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    def _transaction(self) -> _Tx:
        return _Tx(self._db, self._lock)

    def transaction(self) -> _Tx:
        """BEGIN IMMEDIATE ... COMMIT on the store's connection, for the book's changes."""
        return _Tx(self._db, self._lock)

    def take_read(self, scan: ScanMessage, payload: bytes, decide: Decide) -> Intake:
        """Record a read and what it caused, once. A read seen before gets its first answer."""
        (result,) = self.take_reads([(scan, payload)], decide)
        return result

    def take_reads(
        self,
        reads: Sequence[tuple[ScanMessage, bytes]],
        decide: Decide,
        kept: Sequence[Broken] = (),
        counts: Mapping[str, tuple[int, int]] | None = None,
    ) -> list[Intake]:
        """Record several reads in one transaction (one sync to disk for all: group commit),
        each in order and each on its own savepoint: a read whose handling fails for any
        reason is rolled back alone and answered `refused`, its neighbours unaffected. The
        broken messages to keep, and the counts of broken messages per device, are written in
        the same transaction (gateway/storage/quarantine.py). Raises only if the transaction itself
        fails."""
        results: list[Intake] = []
        now = time.time()
        with self._transaction() as db:
            if kept or counts:
                quarantine.set_aside(db, kept, counts or {}, now)
            book = Book(db, savepoint="one_read")
            answered = self._answered(db, [scan.event_id for scan, _ in reads])
            for scan, payload in reads:
                wire = answered.get(scan.event_id)
                if wire is not None:  # seen before (or earlier in this group)
                    results.append(Intake(parse_answer(wire), duplicate=True, wire=wire))
                    continue
                db.execute("SAVEPOINT one_read")
                try:
                    taken = self._take(db, book, scan, payload, decide)
                except Exception as exc:
                    book.undo()
                    log.error("read %s from %s failed: %r", scan.event_id, scan.device, exc,
                              exc_info=exc)  # fmt: skip
                    taken = self._refuse(db, book, scan, payload, exc)
                answered[scan.event_id] = taken.wire
                results.append(taken)
                db.execute("RELEASE one_read")
        return results

    def _refuse(
        self,
        db: sqlite3.Connection,
        book: Book,
        scan: ScanMessage,
        payload: bytes,
        error: Exception,
    ) -> Intake:
        """A read the gateway could not handle: refused, and the refusal kept like any answer
        (a resend gets it again). If even that cannot be written, refused all the same."""
        answer = failed_answer(scan.event_id, error)
        wire = answer.to_json()
        try:
            self._insert_read(db, scan, payload, wire, time.time())
        except Exception:
            book.undo()
            log.exception("could not keep the refusal of read %s", scan.event_id)
        return Intake(answer, duplicate=False, wire=wire)

    @staticmethod
    def _answered(db: sqlite3.Connection, ids: list[str]) -> dict[str, bytes]:
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

    @staticmethod
    def _take(
        db: sqlite3.Connection, book: Book, scan: ScanMessage, payload: bytes, decide: Decide
    ) -> Intake:
        now = time.time()
        decision = decide(book, scan, now)
        answer = decision.answer
        wire = answer.to_json()
        GatewayStore._insert_read(db, scan, payload, wire, now)
        db.executemany(
            "INSERT INTO outbox (event_id, type, payload, created_at) VALUES (?,?,?,?)",
            [
                (e["event_id"], e["type"], json.dumps(e, ensure_ascii=False), now)
                for e in decision.events
            ],
        )
        return Intake(answer, duplicate=False, wire=wire)

    @staticmethod
    def _insert_read(
        db: sqlite3.Connection, scan: ScanMessage, payload: bytes, wire: bytes, now: float
    ) -> None:
        db.execute(
            "INSERT INTO reads VALUES (?,?,?,?,?,?,?,?)",
            (scan.event_id, scan.site, scan.device, scan.seq, scan.ts, now, payload, wire),
        )

    def device_statuses(self, statuses: Sequence[tuple[str, dict[str, Any]]]) -> None:
        now = time.time()
        with self._transaction() as db:
            book = Book(db)
            for device, status in statuses:
                book.device_status(device, status, now)

    def broken_counts(self, since: float) -> dict[str, DeviceCounts]:
        with self._lock:
            return quarantine.counts(self._db, since, time.time())

    def claim_enrolment(self, device: str, verifier: str, peer: str | None) -> bool:
        """Mark a sheet used; False if it was already."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO enrolments VALUES (?,?,?,?)",
                (device, verifier, time.time(), peer),
            )
            return cursor.rowcount == 1

    def due(self, limit: int) -> list[OutboxRow]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, event_id, payload, attempts FROM outbox "
                "WHERE state='pending' AND next_attempt<=? ORDER BY id LIMIT ?",
                (time.time(), limit),
            ).fetchall()
        return [OutboxRow(r[0], r[1], r[2], r[3]) for r in rows]

    def settle(self, results: dict[str, tuple[str, str | None]]) -> None:
        """Record the server's verdict per event: accepted/duplicate -> sent, else rejected."""
        now = time.time()
        rows = [
            ("sent" if result in ("accepted", "duplicate") else "rejected", result, reason, now, e)
            for e, (result, reason) in results.items()
        ]
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET state=?, result=?, last_error=?, attempts=attempts+1, "
                "settled_at=? WHERE event_id=? AND state='pending'",
                rows,
            )

    def defer(self, event_ids: list[str], delay: float, error: str) -> None:
        with self._transaction() as db:
            db.executemany(
                "UPDATE outbox SET attempts=attempts+1, next_attempt=?, last_error=? "
                "WHERE event_id=? AND state='pending'",
                [(time.time() + delay, error[:500], e) for e in event_ids],
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
            total = self._db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()[0]
        return OutboxStats(
            pending=pending,
            sent=total - pending - rejected,
            rejected=rejected,
            oldest_pending_age=(time.time() - oldest) if oldest else None,
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
