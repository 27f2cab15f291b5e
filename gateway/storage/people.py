"""Who may sign on to the floor pages, their sessions, and the stations' last word.

The people come with each sync (gateway/storage/server_copy.py), with their floor PIN hashes,
never a central password's. Every function here runs on the caller's connection: the writes
inside the store's transaction, the reads on the pages' read-only connection too.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def person(db: sqlite3.Connection, username: str) -> tuple[str, str, str] | None:
    """(display name, role, floor PIN hash) of someone who may use the floor pages."""
    row = db.execute(
        "SELECT display_name, role, floor_hash FROM floor_people WHERE username=?", (username,)
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def open_session(db: sqlite3.Connection, token_hash: str, username: str, expires: float) -> None:
    db.execute("INSERT INTO floor_sessions VALUES (?,?,?)", (token_hash, username, expires))


def session(db: sqlite3.Connection, token_hash: str, now: float) -> tuple[str, str, str] | None:
    """(username, display name, role) of a live session."""
    row = db.execute(
        "SELECT s.username, p.display_name, p.role FROM floor_sessions s "
        "JOIN floor_people p ON p.username = s.username "
        "WHERE s.token_hash=? AND s.expires > ?",
        (token_hash, now),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def close_session(db: sqlite3.Connection, token_hash: str) -> None:
    db.execute("DELETE FROM floor_sessions WHERE token_hash=?", (token_hash,))


def device_status(db: sqlite3.Connection, device: str, status: dict[str, Any], now: float) -> None:
    """A station's retained status (online with its figures, or its last will)."""
    door = status.get("door")
    db.execute(
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


def devices(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute("SELECT device, state, door, status, last_seen FROM devices ORDER BY device")
    return [
        {"device": r[0], "state": r[1], "door": r[2], "status": json.loads(r[3]),
         "last_seen": r[4]}
        for r in rows
    ]  # fmt: skip
