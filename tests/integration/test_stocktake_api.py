"""A stocktake through the HTTP API: blind counts, bin cards, a recount, reasons and an
adjustment approved by a second person."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from harness.depot import ADMIN, Depot, ServerProcess
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import postings

PASSWORD = "a-long-enough-password"


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role, warehouse in (
        ("wang", "supervisor", "LC01"),
        ("zhou", "supervisor", "LC01"),
        ("zhang", "supervisor", "LC01"),
        ("li", "keeper", "LC01"),
        ("sun", "dispatcher", None),
        ("zhao", "supervisor", "LC02"),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse, now=system_clock())
    engine.dispose()


def floor(server: ServerProcess, depot: Depot, *events: dict[str, Any]) -> list[dict[str, Any]]:
    base = {
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "gtin": depot.example.items[2].gtin,
    }
    body = {"events": [{"event_id": str(uuid.uuid4()), **base, **e} for e in events]}
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json=body,
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    )
    return list(answer.json()["results"])


def synced_recounts(server: ServerProcess, depot: Depot) -> dict[int, list[str]]:
    """The open stocktakes as the depot's gateway gets them, with the locations to recount."""
    answer = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {depot.gateway_token}"}
    )
    return {t["id"]: t["recount"] for t in answer.json()["stocktakes"]}


def stocked(server: ServerProcess, depot: Depot) -> str:
    """20 cases at A-01-01 and 10 at A-01-02, received, accepted and put away."""
    item = depot.example.items[2].code
    assert {
        r["result"]
        for r in floor(
            server, depot, {"type": "receiving", "location": "D01", "batch": "ST1", "qty": 30}
        )
    } == {"accepted"}
    with server.login(ADMIN) as admin:
        accepted = admin.post(
            "/api/v1/acceptances",
            json={
                "warehouse": "LC01",
                "item": item,
                "batch": "ST1",
                "location": "D01",
                "qty": 30,
                "decision": "accepted",
                "inspection": {
                    "record_no": "YS-9",
                    "sampled": 2,
                    "result": "pass",
                    "quality_report": "ZJ-9",
                },
            },
        )
        assert accepted.status_code == 201
    moved = floor(
        server,
        depot,
        {
            "type": "storing",
            "from_location": "D01",
            "to_location": "A-01-01",
            "batch": "ST1",
            "qty": 20,
        },
        {
            "type": "storing",
            "from_location": "D01",
            "to_location": "A-01-02",
            "batch": "ST1",
            "qty": 10,
        },
    )
    assert {r["result"] for r in moved} == {"accepted"}
    return item


def test_a_stocktake_from_opening_to_adjustment(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    item = stocked(server, depot)
    with (
        server.login(("wang", PASSWORD)) as wang,
        server.login(("li", PASSWORD)) as li,
        server.login(("zhou", PASSWORD)) as zhou,
    ):
        opened = wang.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "A"})
        assert opened.status_code == 201
        take = opened.json()["id"]
        # A handheld on the floor counts the first stack; the keeper types in the second.
        counted = floor(
            server,
            depot,
            {
                "type": "stock_taking",
                "stocktake": take,
                "location": "A-01-01",
                "batch": "ST1",
                "counted": 20,
                "card": 19,
                "operator": "li",
            },
        )
        assert counted[0]["result"] == "accepted"
        assert (
            li.post(
                f"/api/v1/stocktakes/{take}/counts",
                json={
                    "counts": [
                        {
                            "location": "A-01-02",
                            "item": item,
                            "batch": "ST1",
                            "counted": 8,
                            "card": 10,
                        },
                    ]
                },
            ).status_code
            == 201
        )
        assert li.get(f"/api/v1/stocktakes/{take}").status_code == 403  # blind count
        assert synced_recounts(server, depot) == {take: []}

        first = wang.post(f"/api/v1/stocktakes/{take}/close").json()
        assert (first["status"], first["recounts"]) == ("counting", 1)  # 2 short: count again
        assert synced_recounts(server, depot) == {take: ["A-01-02"]}  # the floor counts round 2
        zhou.post(
            f"/api/v1/stocktakes/{take}/counts",
            json={
                "counts": [
                    {
                        "location": "A-01-02",
                        "item": item,
                        "batch": "ST1",
                        "counted": 8,
                        "card": 10,
                        "round": 2,
                    }
                ]
            },
        )
        second = wang.post(f"/api/v1/stocktakes/{take}/close").json()
        assert second["status"] == "closed"
        assert synced_recounts(server, depot) == {}
        assert (second["variances"], second["card_mismatches"]) == (1, 1)
        lines = wang.get(f"/api/v1/stocktakes/{take}").json()["lines"]
        assert [
            (x["location"], x["expected"], x["counted"], x["card"], x["variance"]) for x in lines
        ] == [("A-01-01", 20, 20, 19, 0), ("A-01-02", 10, 8, 10, -2)]  # card, then goods

        with server.login(("zhang", PASSWORD)) as zhang:
            refused = zhang.post(f"/api/v1/stocktakes/{take}/approve")
        assert refused.status_code == 409 and refused.json()["detail"]["reason"] == "reason_missing"
        assert (
            wang.post(
                f"/api/v1/stocktakes/{take}/reasons",
                json={
                    "location": "A-01-02",
                    "item": item,
                    "batch": "ST1",
                    "reason": "damaged",
                },
            ).status_code
            == 200
        )
        assert li.post(f"/api/v1/stocktakes/{take}/approve").status_code == 403  # a keeper
        same = zhou.post(f"/api/v1/stocktakes/{take}/approve")  # zhou counted
        assert same.status_code == 403 and same.json()["detail"]["reason"] == "same_person"
        closer = wang.post(f"/api/v1/stocktakes/{take}/approve")  # wang closed it
        assert closer.status_code == 403 and closer.json()["detail"]["reason"] == "same_person"
        with server.login(("zhang", PASSWORD)) as zhang:  # neither counted nor closed it
            approved = zhang.post(f"/api/v1/stocktakes/{take}/approve")
        assert approved.status_code == 200, approved.text
        rows = wang.get("/api/v1/stock", params={"location": "A-01-02"}).json()["rows"]
        assert [(r["status"], r["qty"]) for r in rows] == [("available", 8)]
        late = li.post(
            f"/api/v1/stocktakes/{take}/counts",
            json={"counts": [{"location": "A-01-01", "item": item, "batch": "ST1", "counted": 1}]},
        )
        assert late.status_code == 409
    assert verify_ledger(make_engine(depot.db_url)).ok


def test_stocktake_refusals(server: ServerProcess, depot: Depot, people: None) -> None:
    item = stocked(server, depot)
    with (
        server.login(("wang", PASSWORD)) as wang,
        server.login(("zhao", PASSWORD)) as zhao,
        server.login(("li", PASSWORD)) as li,
    ):
        assert li.post("/api/v1/stocktakes", json={"warehouse": "LC01"}).status_code == 403
        assert zhao.post("/api/v1/stocktakes", json={"warehouse": "LC01"}).status_code == 403
        assert (
            wang.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "Q"}).status_code
            == 404
        )
        take = wang.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "A"}).json()
        other = zhao.post(f"/api/v1/stocktakes/{take['id']}/counts", json={"counts": []})
        assert other.status_code == 404  # another depot's stocktake does not exist for zhao
        outside = li.post(
            f"/api/v1/stocktakes/{take['id']}/counts",
            json={"counts": [{"location": "D01", "item": item, "batch": "ST1", "counted": 1}]},
        )
        assert outside.status_code == 422 and outside.json()["detail"]["reason"] == "outside_zone"
        wrong = floor(
            server,
            depot,
            {
                "type": "stock_taking",
                "stocktake": take["id"] + 99,
                "location": "A-01-01",
                "batch": "ST1",
                "counted": 1,
                "operator": "li",
            },
        )
        assert wrong[0]["result"] == "rejected"
        assert wrong[0]["reason"].startswith("not_counting")
        # A count from the floor is credited to the person who counted, never to the device.
        count = {"type": "stock_taking", "stocktake": take["id"], "location": "A-01-01",
                 "batch": "ST1", "counted": 20, "device": "LC01-HH3"}  # fmt: skip
        nobody, ghost, elsewhere = floor(
            server,
            depot,
            count,
            {**count, "operator": "ghost"},  # no such person
            {**count, "operator": "zhao"},  # a person of another depot
        )
        assert nobody["result"] == "rejected" and nobody["reason"].startswith("no_operator")
        assert ghost["result"] == "rejected" and ghost["reason"].startswith("unknown_operator")
        assert elsewhere["reason"].startswith("unknown_operator")


def test_a_stocktake_does_not_close_over_a_line_nobody_counted(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    item = stocked(server, depot)
    with (
        server.login(("wang", PASSWORD)) as wang,
        server.login(("li", PASSWORD)) as li,
        server.login(("zhang", PASSWORD)) as zhang,
    ):
        take = wang.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "A"}).json()["id"]
        one = {"location": "A-01-01", "item": item, "batch": "ST1", "counted": 20}
        assert (
            li.post(f"/api/v1/stocktakes/{take}/counts", json={"counts": [one]}).status_code == 201
        )
        hidden = wang.post(f"/api/v1/stocktakes/{take}/close")
        assert hidden.status_code == 409
        detail = hidden.json()["detail"]
        assert detail["reason"] == "lines_not_counted" and "A-01-02" in detail["detail"]
        assert zhang.post(f"/api/v1/stocktakes/{take}/approve").status_code == 409  # not closed
        mark = {"location": "A-01-02", "item": item, "batch": "ST1", "reason": "nope"}
        bad = wang.post(f"/api/v1/stocktakes/{take}/not-counted", json={"lines": [mark]})
        assert bad.status_code == 422  # a reason from the list
        marked = wang.post(
            f"/api/v1/stocktakes/{take}/not-counted",
            json={"lines": [{**mark, "reason": "sealed", "note": "封存待检"}]},
        )
        assert marked.status_code == 200 and marked.json()["marked"] == 1
        closed = wang.post(f"/api/v1/stocktakes/{take}/close")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert closed.json()["not_counted"] == 1
        assert [
            (x["location"], x["batch"], x["reason"], x["note"])
            for x in closed.json()["not_counted_lines"]
        ] == [("A-01-02", "ST1", "sealed", "封存待检")]
        report = wang.get(f"/api/v1/stocktakes/{take}").json()["lines"]
        assert [(x["location"], x["state"], x["reason"], x["note"]) for x in report] == [
            ("A-01-02", "not_counted", "sealed", "封存待检")
        ]
        assert zhang.post(f"/api/v1/stocktakes/{take}/approve").status_code == 200
        rows = wang.get("/api/v1/stock", params={"location": "A-01-02"}).json()["rows"]
        assert [(r["status"], r["qty"]) for r in rows] == [("available", 10)]  # not adjusted


def test_a_loss_on_reserved_stock_releases_and_replans_the_order(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    item = stocked(server, depot)
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(("sun", PASSWORD)) as sun:
        order = sun.post(
            "/api/v1/dispatch/orders",
            json={
                "number": "盘-1",
                "kind": "request",
                "basis": "绵应急调〔2026〕41号",
                "destination": "安州区安置点",
                "lat": lc01.lat,
                "lon": lc01.lon,
                "lines": [{"item": item, "qty": 25}],
            },
        )
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
    with (
        server.login(("wang", PASSWORD)) as wang,
        server.login(("li", PASSWORD)) as li,
        server.login(("zhou", PASSWORD)) as zhou,
        server.login(("zhang", PASSWORD)) as zhang,
    ):
        assert stock(wang, "A-01-01") == {"reserved": 20}  # all of it reserved, 5 of A-01-02
        take = wang.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "A"}).json()["id"]
        counts = [
            {"location": "A-01-01", "item": item, "batch": "ST1", "counted": 17},
            {"location": "A-01-02", "item": item, "batch": "ST1", "counted": 10},
        ]
        assert (
            li.post(f"/api/v1/stocktakes/{take}/counts", json={"counts": counts}).status_code == 201
        )
        assert wang.post(f"/api/v1/stocktakes/{take}/close").json()["status"] == "counting"
        again = [{**counts[0], "round": 2}]
        assert (
            zhou.post(f"/api/v1/stocktakes/{take}/counts", json={"counts": again}).status_code
            == 201
        )
        assert wang.post(f"/api/v1/stocktakes/{take}/close").json()["status"] == "closed"
        reason = {"location": "A-01-01", "item": item, "batch": "ST1", "reason": "theft_or_loss"}
        assert wang.post(f"/api/v1/stocktakes/{take}/reasons", json=reason).status_code == 200
        approved = zhang.post(f"/api/v1/stocktakes/{take}/approve")
        assert approved.status_code == 200, approved.text
        # 3 lost at A-01-01, all reserved: the order gave them up and took 3 at A-01-02
        assert stock(wang, "A-01-01") == {"reserved": 17}
        assert stock(wang, "A-01-02") == {"reserved": 8, "available": 2}
    with server.login(("sun", PASSWORD)) as sun:
        shown = sun.get(f"/api/v1/dispatch/orders/{order_id}").json()
        picks: dict[str, int] = {}
        for p in shown["picks"]:
            picks[p["location"]] = picks.get(p["location"], 0) + p["qty"]
        assert picks == {"A-01-01": 17, "A-01-02": 8}
        assert shown["lines"][0]["shortfall"] == 0
        (told,) = sun.get("/api/v1/notifications").json()["rows"]  # the order's dispatcher
        assert told["kind"] == "reservation_lost" and told["order_id"] == order_id
        assert (told["detail"]["lost"], told["detail"]["location"]) == (3, "A-01-01")
        assert told["detail"]["replanned"] == [
            {"warehouse": "LC01", "location": "A-01-02", "batch": "ST1", "qty": 3}
        ]
    engine = make_engine(depot.db_url)
    assert verify_ledger(engine).ok
    with engine.connect() as conn:
        released = conn.execute(
            select(postings.c.status, postings.c.qty, postings.c.basis_ref).where(
                postings.c.basis_kind == "release"
            )
        ).all()
    engine.dispose()
    assert sorted(tuple(r) for r in released) == [
        ("available", 3, "盘-1"),
        ("reserved", -3, "盘-1"),
    ]


def stock(client: httpx.Client, location: str) -> dict[str, int]:
    rows = client.get("/api/v1/stock", params={"location": location}).json()["rows"]
    return {r["status"]: r["qty"] for r in rows if r["qty"]}
