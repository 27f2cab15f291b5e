"""The station's on-disk queue of reads (SQLite).

A read is written here before anything else happens to it and leaves only when the
gateway's answer naming its event_id arrives. The per-device sequence number is kept in the
same file, so it keeps rising across restarts. So are the outcomes of the device's encode
requests (edge/station/encoding.py), for KEEP_ENCODED_DAYS or the last KEEP_ENCODED of
them: a request sent again after a restart gets its outcome, not a second tag written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kernel.sqlite import open_durable

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
    event_id   TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    payload    BLOB NOT NULL,
    created_at REAL NOT NULL,
    sent_at    REAL,
    attempts   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS pending_seq ON pending (seq);
CREATE TABLE IF NOT EXISTS encoded (
    request_id TEXT PRIMARY KEY,
    payload    BLOB,
    at         REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS encoded_at ON encoded (at);
"""
KEEP_ENCODED_DAYS = 30
KEEP_ENCODED = 10_000


@dataclass(frozen=True, slots=True)
class PendingRead:
    event_id: str
    seq: int
    payload: bytes
    attempts: int


class Spool:
    """Reads waiting for their answer. Safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self._db = open_durable(path)
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record(self, build: Callable[[int], tuple[str, bytes]]) -> PendingRead:
        """Take the next sequence number, build the message with it, and store it durably."""
        with self._transaction():
            row = self._db.execute("SELECT value FROM meta WHERE key='seq'").fetchone()
            seq = (row[0] if row else 0) + 1
            event_id, payload = build(seq)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('seq', ?)", (seq,))
            self._db.execute(
                "INSERT INTO pending (event_id, seq, payload, created_at) VALUES (?,?,?,?)",
                (event_id, seq, payload, time.time()),
            )
        return PendingRead(event_id, seq, payload, 0)

    def due(self, resend_after: float, limit: int = 100) -> list[PendingRead]:
        """Reads never sent, or sent longer ago than resend_after without an answer."""
        cutoff = time.time() - resend_after
        with self._lock:
            rows = self._db.execute(
                "SELECT event_id, seq, payload, attempts FROM pending "
                "WHERE sent_at IS NULL OR sent_at < ? ORDER BY seq LIMIT ?",
                (cutoff, limit),
            ).fetchall()
        return [PendingRead(r[0], r[1], bytes(r[2]), r[3]) for r in rows]

    def mark_sent(self, event_id: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE pending SET sent_at=?, attempts=attempts+1 WHERE event_id=?",
                (time.time(), event_id),
            )

    def forget_sent(self) -> None:
        """After a reconnect, everything unanswered is due again at once."""
        with self._lock:
            self._db.execute("UPDATE pending SET sent_at=NULL")

    def acknowledge(self, event_id: str) -> bool:
        """The gateway answered this read: it may leave the queue. True if it was here."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM pending WHERE event_id=?", (event_id,))
        return cursor.rowcount > 0

    def depth(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM pending").fetchone()[0])

    def last_seq(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='seq'").fetchone()
        return int(row[0]) if row else 0

    def encoded(self, request_id: str) -> bytes | None:
        """The outcome kept for this encode request, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT payload FROM encoded WHERE request_id=?", (request_id,)
            ).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def keep_encoded(self, request_id: str, payload: bytes) -> None:
        """Keep an encode request's outcome; the oldest go past the age or count kept."""
        now = time.time()
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO encoded (request_id, payload, at) VALUES (?,?,?)",
                (request_id, payload, now),
            )
            self._db.execute(
                "DELETE FROM encoded WHERE at < ? OR request_id IN (SELECT request_id "
                "FROM encoded ORDER BY at DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (now - KEEP_ENCODED_DAYS * 86400, KEEP_ENCODED),
            )
