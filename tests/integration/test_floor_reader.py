"""The floor pages read beside the intake, never behind it: a page renders while the intake's
writer holds its lock and an open transaction (gateway/storage/store.py, `reading`)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.entrypoints.floor_web import COOKIE, FloorContext, create_floor_app
from gateway.entrypoints.metrics import Gauges, IntakeMetrics
from gateway.services import floor_pages
from gateway.storage import people
from gateway.storage.store import GatewayStore
from kernel.clock import system_clock
from kernel.passwords import hash_password

BOUND = 10.0  # seconds a page may take on this shared machine; it waits on no lock at all


def gauges() -> Gauges:
    return Gauges(0, 0, None, None, 10 * 1024**3, False)


@pytest.fixture
def store(tmp_path: Path) -> GatewayStore:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            ("wang", "Wang Fang", "keeper", hash_password("2468-1357")),
        )
        people.device_status(db, "LC01-D01-FIX1", {"state": "online", "door": "D01"}, 1.0)
    yield store
    store.close()


def test_a_page_renders_while_the_intake_holds_its_transaction(store: GatewayStore) -> None:
    token = floor_pages.sign_on(store, "wang", "2468-1357", time.time())
    assert token is not None
    client = TestClient(
        create_floor_app(FloorContext("LC01", store, IntakeMetrics(), gauges, system_clock))
    )
    client.cookies.set(COOKIE, token)

    holding, release, released = threading.Event(), threading.Event(), threading.Event()

    def intake() -> None:  # the writer: BEGIN IMMEDIATE under the store's lock, a write, wait
        with store.transaction() as db:
            people.device_status(db, "LC01-D02-FIX1", {"state": "online", "door": "D02"}, 2.0)
            holding.set()
            release.wait(60)
        released.set()

    writer = threading.Thread(target=intake)
    writer.start()
    try:
        assert holding.wait(BOUND)
        pages: list[str] = []
        render = threading.Thread(
            target=lambda: pages.append(client.get("/floor/partials/overview").text)
        )
        render.start()
        render.join(BOUND)
        assert not render.is_alive(), "the page waited on the intake's transaction"
        assert not released.is_set()  # the writer's transaction was open all along
        (page,) = pages
        assert "LC01-D01-FIX1" in page  # what was committed
        assert "LC01-D02-FIX1" not in page  # not what the open transaction wrote
    finally:
        release.set()
        writer.join(BOUND)
    after = client.get("/floor/partials/overview").text
    assert "LC01-D02-FIX1" in after  # committed now, and seen


def test_the_pages_connection_cannot_write(store: GatewayStore) -> None:
    with store.reading() as db, pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM floor_sessions")
