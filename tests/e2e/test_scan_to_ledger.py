"""One GS1-128 label, typed by a serial scanner, travels the whole way to the ledger."""

from __future__ import annotations

import time
from datetime import date

import httpx

from demo.exampledata import gs1_128_label
from harness.depot import Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess
from harness.procs import wait_until


def pending_qty(client: httpx.Client, batch: str) -> int:
    rows = client.get(
        "/api/v1/stock", params={"batch": batch, "status": "pending_acceptance"}
    ).json()["rows"]
    return sum(r["qty"] for r in rows)


def test_a_scanned_label_reaches_the_ledger(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    item = depot.example.items[0]
    scanner.scan(gs1_128_label(item.gtin, "2026E2E", date(2026, 3, 1), 20))

    with server.login() as client:
        wait_until(lambda: pending_qty(client, "2026E2E") == 20, 20, "the received quantity")
        row = client.get("/api/v1/stock", params={"batch": "2026E2E"}).json()["rows"][0]
    assert row["item"] == item.code
    assert row["location"] == "D01"
    assert row["prod_date"] == "2026-03-01"
    assert row["status"] == "pending_acceptance"
    # The station got its answer and told the scanner to beep "ok" (configured as 0x07).
    wait_until(lambda: b"\x07" in scanner.received(), 20, "the ok beep on the scanner")
    assert "已收货" in edge.proc.log()


def test_server_outage_loses_nothing_and_posts_nothing_twice(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    item = depot.example.items[1]
    label = gs1_128_label(item.gtin, "2026OUT", date(2026, 2, 1), 5)
    for _ in range(3):
        scanner.scan(label)
    with server.login() as client:
        wait_until(lambda: pending_qty(client, "2026OUT") == 15, 20, "the first three scans")

    server.stop()
    for _ in range(7):  # the floor keeps working while the central server is down
        scanner.scan(label)
        time.sleep(0.1)
    wait_until(
        lambda: gateway.proc.log().count("could not deliver") >= 1,
        20,
        "the gateway noticing the server is down",
    )

    server.start()
    with server.login() as client:
        wait_until(lambda: pending_qty(client, "2026OUT") == 50, 30, "all ten scans posted")
        # A copy of the ten that could still post twice is ahead of a read typed now (the
        # station resends nothing once every read is answered; broker and gateway keep a
        # device's order), and what the gateway made of it is delivered once its outbox is
        # empty.
        wait_until(lambda: edge.spool_depth() == 0, 30, "every read answered")
        scanner.scan(gs1_128_label(item.gtin, "2026LAST", date(2026, 2, 1), 1))
        wait_until(lambda: pending_qty(client, "2026LAST") == 1, 30, "the later read posted")
        wait_until(lambda: gateway.outbox_pending() == 0, 30, "the gateway's outbox empty")
        assert pending_qty(client, "2026OUT") == 50
        metrics = client.get("/metrics").text
    assert 'depot_events_total{status="accepted"} 11' in metrics
