"""An SQLite file a part keeps its own state in (a station's spool, a gateway's book).

Opened one way everywhere: owner-only before SQLite first touches it (kernel.private),
autocommit mode so that each part writes its own `BEGIN IMMEDIATE ... COMMIT`, write-ahead
logging, and `synchronous=FULL`: a commit is on the disk before the read it records is
acknowledged.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kernel.private import private_database


def open_durable(path: Path) -> sqlite3.Connection:
    """The connection, usable from several threads under the caller's own lock."""
    private_database(path)  # owner-only, and so its -wal and -shm files
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db
