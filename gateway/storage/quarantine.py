"""The quarantine's tables: broken messages kept once, and the counts per device and minute
(the rules that decide what is kept and answered: gateway/domain/quarantine.py).

Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping, Sequence

from gateway.domain import quarantine as rules
from gateway.domain.quarantine import Broken, DeviceCounts

SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    payload     BLOB NOT NULL,
    error       TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine_minutes (
    device  TEXT NOT NULL,
    minute  INTEGER NOT NULL,
    broken  INTEGER NOT NULL,
    kept    INTEGER NOT NULL,
    PRIMARY KEY (device, minute)
);
"""
# Columns added to the first release's table; the index needs them.
ADDED = {"device": "TEXT", "digest": "BLOB", "size": "INTEGER"}
INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS quarantine_digest ON quarantine (digest);
CREATE INDEX IF NOT EXISTS quarantine_minutes_at ON quarantine_minutes (minute);
"""


def digest(topic: str, payload: bytes) -> bytes:
    return hashlib.blake2b(topic.encode() + b"\0" + payload, digest_size=16).digest()


def set_aside(
    db: sqlite3.Connection,
    kept: Sequence[Broken],
    counts: Mapping[str, tuple[int, int]],
    now: float,
) -> None:
    """Inside the caller's transaction: keep these messages (once each), add the counts per
    device (broken, kept) to this minute's, and drop what is beyond rules.MAX_KEPT."""
    added = 0
    for b in kept:
        cursor = db.execute(
            "INSERT OR IGNORE INTO quarantine "
            "(topic, device, digest, size, payload, error, received_at) VALUES (?,?,?,?,?,?,?)",
            (b.topic, b.device, digest(b.topic, b.payload), len(b.payload),
             b.payload[:rules.MAX_PAYLOAD], b.error, now),
        )  # fmt: skip
        added += cursor.rowcount
    minute = int(now // 60)
    db.executemany(
        "INSERT INTO quarantine_minutes VALUES (?,?,?,?) ON CONFLICT (device, minute) DO UPDATE "
        "SET broken = broken + excluded.broken, kept = kept + excluded.kept",
        [(device, minute, n, k) for device, (n, k) in counts.items()],
    )
    if added:
        db.execute(
            "DELETE FROM quarantine WHERE id <= (SELECT max(id) FROM quarantine) - ?",
            (rules.MAX_KEPT,),
        )
    if counts and minute % 60 == 0:  # once an hour or so: forget old minutes
        db.execute(
            "DELETE FROM quarantine_minutes WHERE minute < ?", (minute - rules.KEEP_MINUTES,)
        )


def counts(db: sqlite3.Connection, since: float, now: float) -> dict[str, DeviceCounts]:
    """Per device: broken messages since `since`, how many were kept, and how many in this
    minute and the one before."""
    minute = int(now // 60)
    rows = db.execute(
        "SELECT device, sum(broken), sum(kept), "
        "sum(CASE WHEN minute >= ? THEN broken ELSE 0 END) "
        "FROM quarantine_minutes WHERE minute >= ? GROUP BY device",
        (minute - 1, int(since // 60)),
    )
    return {r[0]: DeviceCounts(int(r[1]), int(r[2]), int(r[3])) for r in rows}
