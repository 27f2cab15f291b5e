"""The forwarder with a phone order made at the depot among its events: the order goes alone,
to its own route, after the events made before it and before those made after it; a server
that cannot take it yet holds what is behind it, one that refuses it for good does not."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.config import ServerLink
from gateway.storage.store import GatewayStore, insert_outbox
from gateway.upstream.forwarder import Forwarder
from kernel.clock import system_clock

ORDER = "TEL-LC01-20261202-001"


class Server:
    """Takes events and phone orders, in the order they come; the phone-order route answers
    from `answers` while it has any (then 200)."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.seen: list[str] = []  # event ids and order numbers, as they arrived
        self.batches: list[list[str]] = []
        self.answers = list(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        if request.url.path == "/api/v1/gateway/phone-orders":
            if self.answers:
                return self.answers.pop(0)
            self.seen.append(body["number"])
            return httpx.Response(200, json={"order": body["number"], "result": "accepted"})
        ids = [e["event_id"] for e in body["events"]]
        self.batches.append(ids)
        self.seen += ids
        return httpx.Response(200, json={"results": [
            {"event_id": i, "result": "accepted"} for i in ids]})  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> GatewayStore:
    """Events e0-e4, the phone order, events e5-e9, in the outbox in that order."""
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        insert_outbox(db, [(f"e{n}", "moving", {"event_id": f"e{n}"}) for n in range(5)], 1.0)
        insert_outbox(db, [(ORDER, "phone_order", {"number": ORDER})], 1.0)
        insert_outbox(db, [(f"e{n}", "loading", {"event_id": f"e{n}"}) for n in range(5, 10)], 1.0)
    return kept


@pytest.fixture
def link(tmp_path: Path) -> ServerLink:
    (tmp_path / "token").write_text("t")
    return ServerLink("http://central", tmp_path / "token", batch_size=64)


def drain(store: GatewayStore, link: ServerLink, server: Server, rounds: int = 50) -> None:
    """Rounds as the forwarder's loop runs them, woken at once after each (no waiting)."""
    forwarder = Forwarder("LC01", link, store, clock=system_clock)
    with httpx.Client(transport=httpx.MockTransport(server.handle), base_url=link.url) as http:
        for _ in range(rounds):
            if store.stats().pending == 0:
                return
            forwarder.once(http)


def test_the_order_goes_alone_between_what_came_before_and_after_it(
    store: GatewayStore, link: ServerLink
) -> None:
    server = Server()
    drain(store, link, server)
    assert server.seen == ["e0", "e1", "e2", "e3", "e4", ORDER, "e5", "e6", "e7", "e8", "e9"]
    assert all(ORDER not in batch for batch in server.batches)
    assert store.stats().sent == 11


def test_nothing_behind_the_order_overtakes_it_while_the_server_cannot_take_it(
    store: GatewayStore, link: ServerLink
) -> None:
    """The server is restarting (503), then busy (409 `busy`: the stock moved under it), then
    an older server without the route (404 with no reason): each time the order waits and is
    sent again, and the loads made for it wait behind it."""
    server = Server(
        httpx.Response(503, text="starting"),
        httpx.Response(409, json={"detail": {"reason": "busy", "detail": "send it again"}}),
        httpx.Response(404, json={"detail": "Not Found"}),
    )
    drain(store, link, server, rounds=3)
    assert server.seen == ["e0", "e1", "e2", "e3", "e4"]  # the order waits for its next try
    for _ in range(3):
        with store.transaction() as db:  # its next try's time has come
            db.execute("UPDATE outbox SET next_attempt = 0")
        drain(store, link, server, rounds=1)
    drain(store, link, server)
    assert server.seen == ["e0", "e1", "e2", "e3", "e4", ORDER, "e5", "e6", "e7", "e8", "e9"]


def test_an_order_the_server_refuses_for_good_is_kept_with_its_reason_and_the_rest_go_on(
    store: GatewayStore, link: ServerLink
) -> None:
    refusal = {"detail": {"reason": "unknown_user", "detail": "zhao is not one of LC01's people"}}
    server = Server(httpx.Response(404, json=refusal))
    drain(store, link, server)
    assert server.seen == ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9"]
    with store.reading() as db:
        state, reason = db.execute(
            "SELECT state, last_error FROM outbox WHERE event_id = ?", (ORDER,)
        ).fetchone()
    assert state == "rejected" and "unknown_user" in reason
