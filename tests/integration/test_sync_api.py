"""GET /api/v1/sync: a gateway's offline copy, whole the first time, then incremental."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from gateway.domain.fifo import PickLine, offer
from gateway.storage.book import Book
from harness.depot import ADMIN, Depot, GatewayProcess, ServerProcess
from harness.dispatching import receive_and_accept
from harness.procs import wait_until
from kernel.clock import system_clock
from kernel.depot_time import depot_date
from server.services.accounts import create_gateway_client
from server.storage.db import make_engine


def post(server: ServerProcess, token: str, *events: dict[str, object]) -> None:
    body = {
        "events": [
            {
                "event_id": str(uuid.uuid4()),
                "warehouse": "LC01",
                "occurred_at": "2026-11-23T09:00:00+08:00",
                **e,
            }
            for e in events
        ]
    }
    results = httpx.post(
        f"{server.url}/api/v1/events", json=body, headers={"Authorization": f"Bearer {token}"}
    ).json()["results"]
    assert {r["result"] for r in results} == {"accepted"}


def test_a_gateway_keeps_its_copy_current(server: ServerProcess, depot: Depot) -> None:
    gtin, item = depot.example.items[1].gtin, depot.example.items[1].code
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    assert httpx.get(f"{server.url}/api/v1/sync").status_code == 401
    post(
        server,
        depot.gateway_token,
        {"type": "receiving", "location": "D01", "gtin": gtin, "batch": "SY1", "qty": 9},
    )
    first = httpx.get(f"{server.url}/api/v1/sync", headers=auth).json()
    assert first["full"] and first["warehouse"] == "LC01"
    assert any(g["gtin"] == gtin for g in first["gtins"])
    assert {loc["code"] for loc in first["locations"]} >= {"D01", "A-01-01"}
    assert [(s["status"], s["qty"]) for s in first["stock"]] == [("pending_acceptance", 9)]
    assert [b["batch_no"] for b in first["batches"]] == ["SY1"]

    again = httpx.get(
        f"{server.url}/api/v1/sync",
        params={"cursor": first["cursor"], "master": first["master"]},
        headers=auth,
    ).json()
    assert not again["full"] and again["stock"] == [] and again["acceptances"] == []
    # The catalogue and locations are unchanged: only their fingerprint comes back.
    assert again["master"] == first["master"] and "locations" not in again
    stale = httpx.get(
        f"{server.url}/api/v1/sync", params={"cursor": first["cursor"], "master": "x"}, headers=auth
    ).json()
    assert stale["locations"] == first["locations"] and stale["items"] == first["items"]

    with server.login(ADMIN) as admin:
        assert (
            admin.post(
                "/api/v1/acceptances",
                json={
                    "warehouse": "LC01",
                    "item": item,
                    "batch": "SY1",
                    "location": "D01",
                    "qty": 9,
                    "decision": "accepted",
                    "inspection": {
                        "record_no": "YS-S",
                        "sampled": 1,
                        "result": "pass",
                        "quality_report": "ZJ-9",
                    },
                },
            ).status_code
            == 201
        )
        stocktake = admin.post("/api/v1/stocktakes", json={"warehouse": "LC01"}).json()["id"]
    later = httpx.get(
        f"{server.url}/api/v1/sync", params={"cursor": again["cursor"]}, headers=auth
    ).json()
    lines = {(s["status"], s["qty"]) for s in later["stock"]}
    assert lines == {("pending_acceptance", 0), ("available", 9)}  # the emptied line too
    assert [a["decision"] for a in later["acceptances"]] == ["accepted"]
    assert [t["id"] for t in later["stocktakes"]] == [stocktake]


def test_another_warehouse_sees_none_of_it(server: ServerProcess, depot: Depot) -> None:
    post(
        server,
        depot.gateway_token,
        {
            "type": "receiving",
            "location": "D01",
            "gtin": depot.example.items[1].gtin,
            "batch": "SY2",
            "qty": 3,
        },
    )
    engine = make_engine(depot.db_url)
    other = create_gateway_client(engine, "gateway-LC02", "LC02", now=system_clock())
    engine.dispose()
    theirs = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {other}"}
    ).json()
    assert theirs["warehouse"] == "LC02" and theirs["stock"] == []
    assert all(loc["code"] for loc in theirs["locations"])
    # No postings there yet: its cursor still asks only for what changed.
    again = httpx.get(
        f"{server.url}/api/v1/sync",
        params={"cursor": theirs["cursor"]},
        headers={"Authorization": f"Bearer {other}"},
    ).json()
    assert theirs["full"] is True and again["full"] is False and again["stock"] == []
    bad = httpx.get(
        f"{server.url}/api/v1/sync",
        params={"cursor": "not-a-cursor"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert bad.status_code == 422


def test_the_gateways_book_against_the_central_ledger(server: ServerProcess, depot: Depot) -> None:
    item = depot.example.items[1]
    post(
        server,
        depot.gateway_token,
        {"type": "receiving", "location": "D01", "gtin": item.gtin, "batch": "DG1", "qty": 12},
    )
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    central = httpx.get(f"{server.url}/api/v1/ledger/digest", headers=auth).json()
    assert central["lines"] == 1
    line = {
        "location": "D01",
        "item": item.code,
        "batch": "DG1",
        "status": "pending_acceptance",
        "qty": 12,
    }
    same = httpx.post(
        f"{server.url}/api/v1/ledger/compare", json={"lines": [line]}, headers=auth
    ).json()
    assert same["agree"] and same["local_digest"] == central["digest"]
    off = httpx.post(
        f"{server.url}/api/v1/ledger/compare", json={"lines": [{**line, "qty": 11}]}, headers=auth
    ).json()
    assert not off["agree"]
    assert off["differences"] == [
        {**{k: v for k, v in line.items() if k != "qty"}, "central": 12, "local": 11}
    ]


def book_batches(gateway: GatewayProcess) -> dict[str, tuple[str | None, str | None]]:
    """batch -> (production date, re-inspection pass valid until) in the gateway's own book."""
    with contextlib.closing(sqlite3.connect(f"file:{gateway.database}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT batch, prod_date, reinspection_valid_until FROM batches")
        return {r[0]: (r[1], r[2]) for r in rows}


def book_pick_lines(gateway: GatewayProcess, order: str) -> list[PickLine]:
    with contextlib.closing(sqlite3.connect(f"file:{gateway.database}?mode=ro", uri=True)) as db:
        return Book(db).pick_lines(order)


def test_the_sync_brings_the_gateway_what_fifo_decides_by(
    server: ServerProcess, depot: Depot, gateway: GatewayProcess
) -> None:
    """A re-inspection's pass (which moves no stock) and the item's storage years reach the
    gateway's book, and the gateway offers the pick lines in the order the server reserved."""
    item = depot.example.items[1]
    receive_and_accept(server, depot, item, "FQ-OLD", 10, prod_date="2005-03-01")  # overdue
    receive_and_accept(server, depot, item, "FQ-NEW", 10)
    wait_until(
        lambda: book_batches(gateway).get("FQ-OLD") == ("2005-03-01", None),
        20,
        "the received batches in the gateway's book",
    )
    with server.login(ADMIN) as admin:
        passed = admin.post(
            "/api/v1/reinspections",
            json={
                "warehouse": "LC01",
                "item": item.code,
                "batch": "FQ-OLD",
                "quality_report": "ZJ-2026-FQ",
                "passed": True,
            },
        )
        assert passed.status_code == 201, passed.text
        until = (depot_date(datetime.now(UTC)) + timedelta(days=365)).isoformat()
        wait_until(
            lambda: book_batches(gateway)["FQ-OLD"] == ("2005-03-01", until),
            20,
            "the re-inspection pass in the gateway's book",
        )
        lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
        order = admin.post(
            "/api/v1/dispatch/orders",
            json={
                "number": "FQ-1", "kind": "request", "basis": "绵应急调〔2026〕13号",
                "destination": "安置点", "lat": lc01.lat, "lon": lc01.lon,
                "lines": [{"item": item.code, "qty": 15}],
            },
        )  # fmt: skip
        assert order.status_code == 201, order.text
        shown = admin.get(f"/api/v1/dispatch/orders/{order.json()['id']}").json()
    reserved = [(p["batch"], p["qty"]) for p in shown["picks"]]
    assert reserved == [("FQ-OLD", 10), ("FQ-NEW", 5)]  # overdue and passed: first
    wait_until(lambda: len(book_pick_lines(gateway, "FQ-1")) == 2, 20, "the pick lines")
    lines = book_pick_lines(gateway, "FQ-1")
    assert {(x.batch, x.storage_years, x.pass_valid_until) for x in lines} == {
        ("FQ-OLD", item.storage_years, until),
        ("FQ-NEW", item.storage_years, None),
    }
    today = depot_date(datetime.now(UTC))
    first = offer(lines, item.code, today)
    assert first is not None and first.batch == "FQ-OLD"
    taken = [replace(x, done=x.qty) if x == first else x for x in lines]
    second = offer(taken, item.code, today)
    assert second is not None and second.batch == "FQ-NEW"
