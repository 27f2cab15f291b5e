"""The forwarder against a server that cannot read one event of a batch: the event is found
and set aside with the server's reason, and every other event is delivered, in order."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from gateway.config import ServerLink
from gateway.domain.floor import FloorView
from gateway.domain.workflows.common import Outcome
from gateway.services.reads import take_read
from gateway.storage.store import GatewayStore
from gateway.upstream.forwarder import Forwarder
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.procs import wait_until
from kernel.clock import system_clock
from kernel.contract import Answer, ScanData, ScanMessage
from kernel.floor_events import Envelope, Receiving


def fill_outbox(store: GatewayStore, count: int, poison: set[int]) -> list[str]:
    """`count` events (the nth of batch `N<n>`), those at the positions in `poison` carrying
    what the server refuses."""
    ids: list[str] = []

    def decide(book: FloorView, read: ScanMessage, now: float) -> Outcome:
        n = len(ids)
        qty = 2**64 if n in poison else 1  # what the server cannot take
        event = Receiving(
            envelope=Envelope(str(uuid.uuid4())), location="D01", gtin=None, batch=f"N{n}", qty=qty
        )
        ids.append(event.event_id)
        return Outcome(Answer(read.event_id, "ok", "好", "ok", "ok"), [event])

    for _ in range(count):
        read = ScanMessage(str(uuid.uuid4()), "LC01", "D1", 1, "2026-11-24T09:00:00+08:00",
                           "serial", b"x", True, ScanData())  # fmt: skip
        take_read(store, read, read.to_json(), decide)
    return ids


class Server:
    """Answers like the central server, except that a batch holding an event it cannot read
    is refused whole with 422 (as a server before per-event checks, or a proxy, would)."""

    def __init__(self) -> None:
        self.delivered: list[int] = []
        self.posts = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.posts += 1
        body: dict[str, Any] = json.loads(request.content)
        if any(e.get("qty", 0) > 2**63 - 1 for e in body["events"]):
            return httpx.Response(422, json={"detail": "qty must be at most 2^63 - 1"})
        self.delivered += [int(e["batch"][1:]) for e in body["events"]]
        results = [{"event_id": e["event_id"], "result": "accepted"} for e in body["events"]]
        return httpx.Response(200, json={"results": results})


def test_a_malformed_event_is_set_aside_and_the_rest_go_on(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    (tmp_path / "token").write_text("t")
    link = ServerLink("http://central", tmp_path / "token", batch_size=64)
    ids = fill_outbox(store, 300, poison={37, 38, 200})
    server = Server()
    forwarder = Forwarder("LC01", link, store, clock=system_clock)
    with httpx.Client(transport=httpx.MockTransport(server.handle), base_url=link.url) as http:
        for _ in range(200):
            if store.stats().pending == 0:
                break
            forwarder.once(http)
    stats = store.stats()
    assert (stats.pending, stats.sent, stats.rejected) == (0, 297, 3)
    assert server.delivered == [n for n in range(300) if n not in {37, 38, 200}]  # in order
    assert server.posts < 60  # found by halving, not one event at a time
    with sqlite3.connect(tmp_path / "gateway.sqlite") as db:
        kept = db.execute(
            "SELECT event_id, result, last_error FROM outbox WHERE state='rejected' ORDER BY id"
        ).fetchall()
    assert [k[0] for k in kept] == [ids[37], ids[38], ids[200]]
    assert {k[1] for k in kept} == {"malformed"}
    assert all("qty must be at most" in k[2] for k in kept)
    shown = store.rejected_recent()
    assert shown[0]["event_id"] == ids[200] and shown[0]["result"] == "malformed"
    store.close()


def test_the_real_server_says_which_events_it_cannot_read_and_the_gateway_sets_them_aside(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess
) -> None:
    """Events in a gateway's outbox that the central server cannot read (from an older
    release, or a fault): each is set aside as malformed, with the server's reason, and the
    events around it reach the ledger."""
    base = {"type": "receiving", "warehouse": "LC01", "occurred_at": "2026-11-23T09:14:03+08:00",
            "location": "D01", "gtin": depot.example.items[3].gtin, "batch": "2026FWD"}  # fmt: skip
    events = [
        {**base, "event_id": str(uuid.uuid4()), "qty": 4},
        {**base, "event_id": str(uuid.uuid4()), "qty": 2**63 - 1},
        {**base, "event_id": str(uuid.uuid4()), "qty": 5, "batch": "2026\udfffFWD"},
        {**base, "event_id": str(uuid.uuid4()), "qty": 6},
    ]
    with sqlite3.connect(gateway.database) as db:
        db.executemany(
            "INSERT INTO outbox (event_id, type, payload, created_at) VALUES (?,?,?,?)",
            [(e["event_id"], e["type"], json.dumps(e), 0.0) for e in events],
        )

    def states() -> list[tuple[str, str | None]]:
        with sqlite3.connect(gateway.database) as db:
            ids = [e["event_id"] for e in events]
            found = dict(
                (r[0], (r[1], r[2]))
                for r in db.execute("SELECT event_id, state, result FROM outbox")
                if r[0] in ids
            )
        return [found[i] for i in ids]

    wait_until(lambda: all(s[0] != "pending" for s in states()), 30, "the outbox settled")
    assert states() == [
        ("sent", "accepted"),
        ("rejected", "malformed"),
        ("rejected", "malformed"),
        ("sent", "accepted"),
    ]
    with server.login() as admin:
        rows = admin.get("/api/v1/stock", params={"batch": "2026FWD"}).json()["rows"]
    assert sum(r["qty"] for r in rows) == 10
