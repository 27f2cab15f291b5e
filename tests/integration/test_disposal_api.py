"""Scrapping, rotation, returns and re-inspection through the API (arts. 24, 25)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from harness.depot import ADMIN, Depot, ServerProcess
from harness.orders import dispatch, loading
from kernel.clock import system_clock
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.events import Caller, ingest
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import approvals, batches, postings

PASSWORD = "a-long-enough-password"
CST = timezone(timedelta(hours=8))  # the depots' calendar


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
    assert (
        ingest(engine, Caller("gateway-LC01", "LC01"), [event], now=system_clock())[0].result
        == "accepted"
    )
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
        now=system_clock(),
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


@pytest.fixture
def people(depot: Depot) -> None:
    """wang heads depot LC01 (supervisor); fgw acts for the commission (admin)."""
    engine = make_engine(depot.db_url)
    create_user(engine, "wang", PASSWORD, role="supervisor", warehouse="LC01", now=system_clock())
    create_user(engine, "fgw", PASSWORD, role="admin", now=system_clock())
    engine.dispose()


def test_scrapping_needs_its_evidence_and_a_second_person_of_the_commission(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    receive_and_accept(depot, 5, "SC1", 20, when="2025-05-01", prod="2025-01-01")
    receive_and_accept(depot, 5, "OLD15", 10, when="2015-05-01", prod="2015-01-01")
    proposal = stack(depot, 5, "SC1", 5, reason="damaged", quality_report="ZJ-77")
    url = "/api/v1/scrapping/proposals"
    with server.login(("wang", PASSWORD)) as wang, server.login(("fgw", PASSWORD)) as fgw:
        two = wang.post(url, json={**proposal, "experts": EXPERTS[:2]})
        assert two.status_code == 422 and two.json()["detail"]["reason"] == "too_few_experts"
        same = wang.post(url, json={**proposal, "experts": [EXPERTS[0]] * 3})
        assert same.status_code == 422  # three times one expert is one expert
        silent = [{"name": e["name"]} for e in EXPERTS]  # three names, no opinions
        unsaid = wang.post(url, json={**proposal, "experts": silent})
        assert unsaid.status_code == 422 and unsaid.json()["detail"]["reason"] == "opinion_missing"
        blank = wang.post(url, json={**proposal, "quality_report": " ", "experts": EXPERTS})
        assert blank.status_code == 422 and blank.json()["detail"]["reason"] == "report_missing"
        early = wang.post(url, json={**proposal, "reason": "overdue", "experts": EXPERTS})
        assert early.status_code == 422 and early.json()["detail"]["reason"] == "not_overdue"
        assert held(wang, "SC1", "scrap_pending") == 0  # nothing refused moved anything

        proposed = wang.post(url, json={**proposal, "experts": EXPERTS})
        assert proposed.status_code == 201, proposed.text
        assert (held(wang, "SC1", "available"), held(wang, "SC1", "scrap_pending")) == (15, 5)
        approval = {
            "warehouse": "LC01",
            "proposal": proposed.json()["approval_id"],
            "notice": "绵发改〔2026〕88号",
            "disposal": "拍卖",
            "residual_value_cents": 12000,
        }
        own = wang.post("/api/v1/scrapping/approvals", json=approval)
        assert own.status_code == 403  # the depot head proposes; the commission approves
        approved = fgw.post("/api/v1/scrapping/approvals", json=approval)
        assert approved.status_code == 201, approved.text
        again = fgw.post("/api/v1/scrapping/approvals", json=approval)
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "already_decided"
        assert held(wang, "SC1", "scrap_pending") == 0

        # The commission's own proposal (overdue: made 2015) needs another of its people.
        overdue = stack(depot, 5, "OLD15", 4, reason="overdue", quality_report="ZJ-78")
        mine = fgw.post(url, json={**overdue, "experts": EXPERTS})
        assert mine.status_code == 201, mine.text
        self_approved = fgw.post(
            "/api/v1/scrapping/approvals",
            json={**approval, "proposal": mine.json()["approval_id"], "notice": "绵发改-89"},
        )
        assert self_approved.status_code == 403
        assert self_approved.json()["detail"]["reason"] == "same_person"
        assert held(wang, "OLD15", "scrap_pending") == 4

        # A rotation: proposed by the depot head, approved by the commission, then it leaves.
        rotation = wang.post(
            "/api/v1/rotations", json={**stack(depot, 5, "SC1", 10), "plan": "LH-3"}
        )
        assert rotation.status_code == 201 and held(wang, "SC1", "available") == 15
        decided = {"warehouse": "LC01", "proposal": rotation.json()["approval_id"]}
        assert wang.post("/api/v1/rotations/approvals", json=decided).status_code == 403
        assert fgw.post("/api/v1/rotations/approvals", json=decided).status_code == 201
        assert held(wang, "SC1", "available") == 5
    engine = make_engine(depot.db_url)
    assert verify_ledger(engine).ok
    with engine.connect() as conn:
        evidence = conn.execute(
            select(approvals.c.payload).where(approvals.c.kind == "scrap_proposal")
        ).scalars()
        experts = [json.loads(p)["experts"] for p in evidence]
    engine.dispose()
    assert experts[0] == [[e["name"], e["opinion"]] for e in EXPERTS]  # each one's opinion kept


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
        ingest(
            engine,
            Caller("gateway-LC01", "LC01"),
            [loading(number, pick, tents)],
            now=system_clock(),
        )[0].result
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


def test_goods_rejected_at_acceptance_go_back_to_the_supplier_never_into_stock(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    """40 cotton quilts (consumables) and 6 tents rejected at acceptance: no return
    inspection makes them available; they leave the books back to the supplier, on the
    rejection, approved by another person than the one who rejected them."""
    engine = make_engine(depot.db_url)
    caller = Caller("gateway-LC01", "LC01")
    for index, batch, qty in ((5, "RJ1", 40), (0, "RJ2", 6)):
        event = {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "location": "D01",
            "gtin": depot.example.items[index].gtin,
            "batch": batch,
            "qty": qty,
        }
        assert ingest(engine, caller, [event], now=system_clock())[0].result == "accepted"
    engine.dispose()

    def rejected(client: httpx.Client, index: int, batch: str, qty: int) -> int:
        answer = client.post(
            "/api/v1/acceptances",
            json={
                **stack(depot, index, batch, qty),
                "decision": "rejected",
                "supplier": "SUP-1",
                "inspection": {"record_no": f"YS-{batch}", "sampled": 2, "result": "fail",
                               "quality_report": "ZJ-2026-0999"},
            },
        )  # fmt: skip
        assert answer.status_code == 201 and answer.json()["status"] == "rejected", answer.text
        return int(answer.json()["approval_id"])

    with server.login(("wang", PASSWORD)) as wang, server.login(("fgw", PASSWORD)) as fgw:
        quilts = rejected(wang, 5, "RJ1", 40)
        tents = rejected(wang, 0, "RJ2", 6)
        assert (held(wang, "RJ1", "rejected"), held(wang, "RJ1", "available")) == (40, 0)
        url = "/api/v1/returns/inspections"
        for client in (wang, fgw):
            coats = client.post(url, json={**stack(depot, 5, "RJ1", 40), "record_no": "HS-7",
                                           "restock": True})  # fmt: skip
            assert coats.status_code == 422 and coats.json()["detail"]["reason"] == "not_reusable"
            tent = client.post(url, json={**stack(depot, 0, "RJ2", 6), "record_no": "HS-8",
                                          "restock": True})  # fmt: skip
            assert tent.status_code == 409 and tent.json()["detail"]["reason"] == "not_returned"
        assert (held(wang, "RJ1", "available"), held(wang, "RJ2", "available")) == (0, 0)

        back = {"warehouse": "LC01", "acceptance": quilts, "qty": 40, "note": "TH-2026-3"}
        own = wang.post("/api/v1/returns/supplier", json=back)  # wang rejected them
        assert own.status_code == 403 and own.json()["detail"]["reason"] == "same_person"
        too_many = fgw.post("/api/v1/returns/supplier", json={**back, "qty": 41})
        assert (
            too_many.status_code == 409 and too_many.json()["detail"]["reason"] == "over_rejected"
        )
        sent = fgw.post("/api/v1/returns/supplier", json=back)
        assert sent.status_code == 201, sent.text
        assert held(wang, "RJ1", "rejected") == 0
        again = fgw.post("/api/v1/returns/supplier", json={**back, "qty": 1})
        assert again.status_code == 409
        assert held(wang, "RJ2", "rejected") == 6  # the tents wait for their own return note
        assert tents != quilts
    engine = make_engine(depot.db_url)
    assert verify_ledger(engine).ok
    with engine.connect() as conn:
        outflow = conn.execute(
            select(postings.c.qty, postings.c.basis_kind, postings.c.author, approvals.c.reference)
            .join(approvals, approvals.c.id == postings.c.approval_id)
            .where(postings.c.basis_kind == "supplier_return")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in outflow] == [(-40, "supplier_return", "fgw", "TH-2026-3")]


def test_a_reinspection_is_for_stock_at_its_limit_and_lasts_the_configured_period(
    depot: Depot, tmp_path: Path
) -> None:
    receive_and_accept(depot, 5, "OLD15", 10, when="2015-05-01", prod="2015-01-01")
    receive_and_accept(depot, 5, "NEW26", 10, when="2026-05-01", prod="2026-01-01")
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    order = {
        "item": depot.example.items[5].code,
        "qty": 5,
        "destination": {"lat": lc01.lat, "lon": lc01.lon},
    }
    check = {"warehouse": "LC01", "item": depot.example.items[5].code, "passed": True}
    server = ServerProcess(depot.db_url, tmp_path, args=("--reinspection-valid-days", "30"))
    server.start()
    try:
        with server.login(ADMIN) as admin:
            before = admin.post("/api/v1/dispatch/allocation", json=order).json()
            assert [t["batch"] for t in before["takes"]] == ["NEW26"]  # overdue: not offered
            young = admin.post(
                "/api/v1/reinspections",
                json={**check, "batch": "NEW26", "quality_report": "ZJ-2026-4"},
            )  # made 2026, five storage years: nowhere near its limit
            assert young.status_code == 422 and young.json()["detail"]["reason"] == "not_due"
            passed = admin.post(
                "/api/v1/reinspections",
                json={**check, "batch": "OLD15", "quality_report": "ZJ-2026-5"},
            )
            assert passed.status_code == 201, passed.text
            after = admin.post("/api/v1/dispatch/allocation", json=order).json()
            assert [t["batch"] for t in after["takes"]] == ["OLD15"]  # passed: goes first
            engine = make_engine(depot.db_url)
            with engine.begin() as conn:
                until = conn.execute(
                    select(batches.c.reinspection_valid_until).where(batches.c.batch_no == "OLD15")
                ).scalar_one()
                assert until == datetime.now(CST).date() + timedelta(days=30)
                # thirty-one days on, as the books stand then: the check has run out
                conn.execute(
                    update(batches)
                    .where(batches.c.batch_no == "OLD15")
                    .values(reinspection_valid_until=datetime.now(CST).date() - timedelta(days=1))
                )
            engine.dispose()
            expired = admin.post("/api/v1/dispatch/allocation", json=order).json()
            assert [t["batch"] for t in expired["takes"]] == ["NEW26"]
    finally:
        server.stop()
