"""Messages that break the MQTT contract: answered, counted per device, and some kept.

A broken message is never allowed to stop the intake or to slow another door. Each one is
acknowledged to the broker in the same group as the good reads around it; if it names its
read, the station is answered `refused` with the reason, so that it stops resending. What is
kept for someone to look at is bounded three ways:

- once: a message resent any number of times is kept once (unique digest of topic and
  payload, indexed);
- per device: each device may have FLOOD_RATE messages a second kept (bursts up to
  FLOOD_BURST); beyond that its messages are only counted. The counts, per device and
  minute, are what the gateway reports and the dashboard's doors page shows as "flooding";
- in all: the newest MAX_KEPT messages, of at most MAX_PAYLOAD bytes each.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

FLOOD_RATE = 5.0  # messages a second a device may have kept
FLOOD_BURST = 50.0
MAX_KEPT = 10_000
MAX_PAYLOAD = 2_048
FLOODING_PER_MINUTE = 60  # broken messages in a minute that make a device "flooding"
KEEP_MINUTES = 24 * 60  # per-minute counts kept for a day

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


@dataclass(frozen=True, slots=True)
class Broken:
    """A message on a scan topic that does not follow the contract."""

    topic: str
    device: str  # from the topic ("?" where even the topic is not one of ours)
    payload: bytes
    error: str
    event_id: str | None  # the read it names, if it can be answered


@dataclass(frozen=True, slots=True)
class DeviceCounts:
    broken: int  # broken messages in the period
    kept: int  # of them, kept in the quarantine
    recent: int  # broken messages in this minute and the one before

    @property
    def flooding(self) -> bool:
        return self.recent >= FLOODING_PER_MINUTE


class FloodGate:
    """Per device, a token bucket: may this broken message be kept?"""

    def __init__(self, rate: float = FLOOD_RATE, burst: float = FLOOD_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # device -> (tokens, at)

    def admit(self, device: str, now: float) -> bool:
        tokens, at = self._buckets.get(device, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        admitted = tokens >= 1.0
        self._buckets[device] = (tokens - 1.0 if admitted else tokens, now)
        if len(self._buckets) > 10_000:  # devices are few; topics made up by a bad client
            self._buckets.clear()  # are not
        return admitted


def digest(topic: str, payload: bytes) -> bytes:
    return hashlib.blake2b(topic.encode() + b"\0" + payload, digest_size=16).digest()


def set_aside(db: sqlite3.Connection, broken: Sequence[tuple[Broken, bool]], now: float) -> None:
    """Inside the caller's transaction: keep the admitted messages (once each), count every
    one per device and minute, and drop what is beyond MAX_KEPT."""
    kept = [(b, digest(b.topic, b.payload)) for b, admit in broken if admit]
    added = 0
    for b, key in kept:
        cursor = db.execute(
            "INSERT OR IGNORE INTO quarantine "
            "(topic, device, digest, size, payload, error, received_at) VALUES (?,?,?,?,?,?,?)",
            (b.topic, b.device, key, len(b.payload), b.payload[:MAX_PAYLOAD], b.error, now),
        )
        added += cursor.rowcount
    minute = int(now // 60)
    per_device: dict[str, list[int]] = {}
    for b, admit in broken:
        counts = per_device.setdefault(b.device, [0, 0])
        counts[0] += 1
        counts[1] += int(admit)
    db.executemany(
        "INSERT INTO quarantine_minutes VALUES (?,?,?,?) ON CONFLICT (device, minute) DO UPDATE "
        "SET broken = broken + excluded.broken, kept = kept + excluded.kept",
        [(device, minute, n, k) for device, (n, k) in per_device.items()],
    )
    if added:
        db.execute(
            "DELETE FROM quarantine WHERE id <= (SELECT max(id) FROM quarantine) - ?", (MAX_KEPT,)
        )
    if minute % 60 == 0:  # once an hour or so: forget old minutes
        db.execute("DELETE FROM quarantine_minutes WHERE minute < ?", (minute - KEEP_MINUTES,))


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
