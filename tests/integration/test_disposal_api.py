"""Scrapping, rotation, returns and re-inspection through the API (arts. 24, 25)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from harness.depot import ADMIN, Depot, ServerProcess
from harness.orders import dispatch, loading
from server.acceptance import AcceptanceRequest, Inspection, decide
from server.db import make_engine
from server.events import Caller, ingest


def receive_and_accept(
    depot: Depot,
    item_index: int,
    batch: str,
    qty: int,
    when: str = "2026-03-01",
    prod: str | None = None,
) -> None:
    engine = make_engine(depot.db_url)
    item = depot.example.items[item_index]
    event = {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": f"{when}T09:00:00+08:00",
        "location": "D01",
        "gtin": item.gtin,
        "batch": batch,
        "qty": qty,
        "prod_date": prod,
    }
    assert ingest(engine, Caller("gateway-LC01", "LC01"), [event])[0].result == "accepted"
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            "LC01",
            item.code,
            batch,
            "D01",
            qty,
            "accepted",
            Inspection("YS", 1, "pass", "ZJ-2026-0457"),
        ),
    )
    engine.dispose()


def stack(depot: Depot, item_index: int, batch: str, qty: int, **extra: Any) -> dict[str, Any]:
    return {
        "warehouse": "LC01",
        "item": depot.example.items[item_index].code,
        "batch": batch,
        "location": "D01",
        "qty": qty,
        **extra,
    }


def held(client: httpx.Client, batch: str, status: str) -> int:
    rows = client.get("/api/v1/stock", params={"batch": batch, "status": status}).json()
    return sum(r["qty"] for r in rows["rows"])


EXPERTS = [
    {"name": "张工", "opinion": "霉变"},
    {"name": "李工", "opinion": "破损"},
    {"name": "王工", "opinion": "同意报废"},
]


def test_scrapping_needs_three_experts_and_an_approval_notice(
    server: ServerProcess, depot: Depot
) -> None:
    receive_and_accept(depot, 0, "SC1", 20)
    proposal = stack(depot, 0, "SC1", 5, reason="damaged", quality_report="ZJ-77")
    with server.login(ADMIN) as admin:
        two = admin.post("/api/v1/scrapping/proposals", json={**proposal, "experts": EXPERTS[:2]})
        assert two.status_code == 422 and two.json()["detail"]["reason"] == "too_few_experts"
        same = admin.post(
            "/api/v1/scrapping/proposals", json={**proposal, "experts": [EXPERTS[0]] * 3}
        )
        assert same.status_code == 422  # three times one expert is one expert
        assert (
            admin.post(
                "/api/v1/scrapping/proposals", json={**proposal, "experts": EXPERTS}
            ).status_code
            == 201
        )
        assert (held(admin, "SC1", "available"), held(admin, "SC1", "scrap_pending")) == (15, 5)
        approval = stack(
            depot,
            0,
            "SC1",
            5,
            notice="绵发改〔2026〕88号",
            disposal="拍卖",
            residual_value_cents=12000,
        )
        too_many = admin.post("/api/v1/scrapping/approvals", json={**approval, "qty": 6})
        assert too_many.status_code == 409
        assert admin.post("/api/v1/scrapping/approvals", json=approval).status_code == 201
        assert held(admin, "SC1", "scrap_pending") == 0
        assert (
            admin.post(
                "/api/v1/rotations", json={**stack(depot, 0, "SC1", 10), "plan": "LH-2026-3"}
            ).status_code
            == 201
        )
        assert held(admin, "SC1", "available") == 5


def test_reusable_goods_come_back_and_are_inspected(server: ServerProcess, depot: Depot) -> None:
    receive_and_accept(depot, 0, "RT1", 10)  # tents: reusable
    receive_and_accept(depot, 4, "RT2", 10)  # a consumable
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}

    def back(item_index: int, batch: str, qty: int) -> dict[str, Any]:
        event = {
            "event_id": str(uuid.uuid4()),
            "type": "returning",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T15:00:00+08:00",
            "location": "D01",
            "gtin": depot.example.items[item_index].gtin,
            "batch": batch,
            "qty": qty,
        }
        answer = httpx.post(f"{server.url}/api/v1/events", json={"events": [event]}, headers=auth)
        return dict(answer.json()["results"][0])

    engine = make_engine(depot.db_url)
    number, (pick,) = dispatch(engine, depot.example, depot.example.items[0].code, 4)
    tents = depot.example.items[0].gtin
    assert (
        ingest(engine, Caller("gateway-LC01", "LC01"), [loading(number, pick, tents)])[0].result
        == "accepted"
    )
    engine.dispose()
    assert back(0, "RT1", 4)["result"] == "accepted"
    refused = back(4, "RT2", 1)
    assert refused["result"] == "rejected" and refused["reason"].startswith("not_reusable")
    with server.login(ADMIN) as admin:
        assert held(admin, "RT1", "on_hold") == 4
        inspection = {**stack(depot, 0, "RT1", 3), "record_no": "HS-1", "restock": True}
        unsaid = admin.post("/api/v1/returns/inspections", json=inspection)
        assert unsaid.status_code == 422 and unsaid.json()["detail"]["reason"] == "no_basis"
        restocked = admin.post("/api/v1/returns/inspections", json={**inspection, "order": number})
        assert restocked.status_code == 201
        assert (
            admin.post(
                "/api/v1/returns/inspections",
                json={**stack(depot, 0, "RT1", 1), "record_no": "HS-2", "restock": False},
            ).status_code
            == 201
        )
        assert (held(admin, "RT1", "available"), held(admin, "RT1", "on_hold")) == (9, 1)
        assert (
            admin.post(
                "/api/v1/scrapping/proposals",
                json={
                    **stack(depot, 0, "RT1", 1),
                    "reason": "damaged",
                    "quality_report": "ZJ-9",
                    "experts": EXPERTS,
                    "source": "on_hold",
                },
            ).status_code
            == 201
        )


def test_overdue_stock_is_offered_only_after_passing_reinspection(
    server: ServerProcess, depot: Depot
) -> None:
    receive_and_accept(depot, 5, "OLD15", 10, when="2015-05-01", prod="2015-01-01")
    receive_and_accept(depot, 5, "NEW26", 10, when="2026-05-01", prod="2026-01-01")
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    order = {
        "item": depot.example.items[5].code,
        "qty": 5,
        "destination": {"lat": lc01.lat, "lon": lc01.lon},
    }
    with server.login(ADMIN) as admin:
        before = admin.post("/api/v1/dispatch/allocation", json=order).json()
        assert [t["batch"] for t in before["takes"]] == ["NEW26"]  # overdue: not offered
        assert (
            admin.post(
                "/api/v1/reinspections",
                json={
                    "warehouse": "LC01",
                    "item": depot.example.items[5].code,
                    "batch": "OLD15",
                    "quality_report": "ZJ-2026-5",
                    "passed": True,
                },
            ).status_code
            == 201
        )
        after = admin.post("/api/v1/dispatch/allocation", json=order).json()
        assert [t["batch"] for t in after["takes"]] == ["OLD15"]  # passed: goes first
