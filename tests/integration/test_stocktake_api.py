"""A stocktake through the HTTP API: blind counts, bin cards, a recount, reasons and an
adjustment approved by a second person."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.depot import ADMIN, Depot, ServerProcess
from server.accounts import create_user
from server.db import make_engine
from server.verify import verify_ledger

PASSWORD = "a-long-enough-password"


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role, warehouse in (
        ("wang", "supervisor", "LC01"),
        ("zhou", "supervisor", "LC01"),
        ("li", "keeper", "LC01"),
        ("zhao", "supervisor", "LC02"),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse)
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

        first = wang.post(f"/api/v1/stocktakes/{take}/close").json()
        assert (first["status"], first["recounts"]) == ("counting", 1)  # 2 short: count again
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
        assert (second["variances"], second["card_mismatches"]) == (1, 1)
        lines = wang.get(f"/api/v1/stocktakes/{take}").json()["lines"]
        assert [
            (x["location"], x["expected"], x["counted"], x["card"], x["variance"]) for x in lines
        ] == [("A-01-01", 20, 20, 19, 0), ("A-01-02", 10, 8, 10, -2)]  # card, then goods

        refused = wang.post(f"/api/v1/stocktakes/{take}/approve")
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
        approved = wang.post(f"/api/v1/stocktakes/{take}/approve")
        assert approved.status_code == 200
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
            },
        )
        assert wrong[0]["result"] == "rejected"
        assert wrong[0]["reason"].startswith("not_counting")
