"""Databases are owner-only files: the server's SQLite ledger, the gateway's book and a
station's spool, with their -wal and -shm files, whatever the umask, and also when the file
was made readable to others before."""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from edge.station.spool import Spool
from gateway.storage.store import GatewayStore
from server.storage.db import make_engine, migrate


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The usual umask, which would make new files 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(database: Path) -> dict[str, int]:
    """The permission bits of the database and of each companion SQLite made beside it."""
    found = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            found[suffix or "db"] = stat.S_IMODE(path.stat().st_mode)
    return found


def test_the_server_database_is_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "server.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, actor, action) VALUES ('2026', 'a', 'b')"))
    with engine.connect() as conn:  # held open: the -wal and -shm files are there
        conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        found = modes(database)
        assert {"db", "-wal", "-shm"} <= set(found)
        assert set(found.values()) == {0o600}, found
    engine.dispose()


def test_a_gateway_book_made_readable_before_is_owner_only_again(tmp_path: Path) -> None:
    database = tmp_path / "state" / "gateway" / "LC01.sqlite"
    store = GatewayStore(database, time.time)
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700  # made here: 0700
    store.close()
    for path in (database, database.with_name(database.name + "-wal")):
        path.touch()
        path.chmod(0o644)  # as an earlier release left it
    store = GatewayStore(database, time.time)
    try:
        with store.transaction() as db:
            db.execute("INSERT INTO sync_state VALUES ('cursor', 'x')")
        found = modes(database)
        assert {"db", "-wal", "-shm"} <= set(found)
        assert set(found.values()) == {0o600}, found
    finally:
        store.close()


def test_a_station_spool_is_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "spool" / "LC01-D01-FIX1.sqlite"
    spool = Spool(database)
    try:
        spool.record(lambda seq: ("e1", json.dumps({"seq": seq}).encode()))
        found = modes(database)
        assert {"db", "-wal", "-shm"} <= set(found)
        assert set(found.values()) == {0o600}, found
    finally:
        spool.close()


def test_central_password_hashes_an_earlier_gateway_kept_leave_no_trace_in_its_book(
    tmp_path: Path,
) -> None:
    """Books made by an earlier release held people's central password hashes (`people`):
    opening one drops the table and leaves nothing of the hashes in the file."""
    import sqlite3

    book = tmp_path / "gateway.sqlite"
    secret = "$scrypt$n=16384,r=8,p=1$c2FsdHNhbHQ$" + "Q" * 43
    with sqlite3.connect(book) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE people (username TEXT PRIMARY KEY, password_hash TEXT)")
        db.executemany(
            "INSERT INTO people VALUES (?, ?)", [(f"user{n}", secret) for n in range(200)]
        )
    GatewayStore(book, time.time).close()
    with sqlite3.connect(book) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "people" not in tables
    for path in tmp_path.iterdir():  # the book, and any -wal or -shm beside it
        assert secret.encode() not in path.read_bytes(), path
