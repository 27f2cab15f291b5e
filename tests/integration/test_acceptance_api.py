"""Acceptance, roles and the login throttle through the HTTP API under uvicorn."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pypdf
import pytest

from harness.depot import Depot, ServerProcess
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
CST = timezone(timedelta(hours=8))  # the depots' calendar


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role, warehouse in (
        ("wang", "supervisor", "LC01"),
        ("li", "keeper", "LC01"),
        ("zhao", "supervisor", "LC02"),
        ("chen", "auditor", None),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse, now=system_clock())
    engine.dispose()


def receive(
    server: ServerProcess, depot: Depot, qty: int, batch: str = "2026AC", **extra: str
) -> None:
    event = {
        **extra,
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "location": "D01",
        "gtin": depot.example.items[6].gtin,
        "batch": batch,
        "qty": qty,
    }
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json={"events": [event]},
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    )
    assert answer.json()["results"][0]["result"] == "accepted"


def decision(
    depot: Depot, qty: int, verdict: str = "accepted", result: str = "pass", **extra: Any
) -> dict[str, Any]:
    return {
        "warehouse": "LC01",
        "item": depot.example.items[6].code,
        "batch": "2026AC",
        "location": "D01",
        "qty": qty,
        "decision": verdict,
        "inspection": {
            "record_no": "YS-2026-118",
            "sampled": 3,
            "result": result,
            "quality_report": "ZJ-2026-0457",
            "inspectors": ["张工", "李工"],
        },
        **extra,
    }


def stock_of(client: httpx.Client, status: str) -> int:
    rows = client.get("/api/v1/stock", params={"batch": "2026AC", "status": status}).json()
    return sum(r["qty"] for r in rows["rows"])


def test_accepted_goods_become_available_and_rejected_ones_wait_to_go_back(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    receive(server, depot, 50)
    with server.login(("wang", PASSWORD)) as wang:
        first = wang.post("/api/v1/acceptances", json=decision(depot, 40))
        assert first.status_code == 201 and first.json()["status"] == "available"
        second = wang.post("/api/v1/acceptances", json=decision(depot, 10, "rejected", "fail"))
        assert second.status_code == 201 and second.json()["status"] == "rejected"
        assert (
            stock_of(wang, "available"),
            stock_of(wang, "rejected"),
            stock_of(wang, "pending_acceptance"),
        ) == (40, 10, 0)
        listed = wang.get("/api/v1/acceptances").json()["rows"]
        assert [r["decision"] for r in listed] == ["rejected", "accepted"]
        assert listed[1]["decided_by"] == "wang"
        assert listed[1]["payload"]["inspection"]["quality_report"] == "ZJ-2026-0457"
    with server.login(("chen", PASSWORD)) as auditor:
        trail = auditor.get("/api/v1/audit", params={"actor": "wang"}).json()["rows"]
        assert {"acceptance_accepted", "acceptance_rejected"} <= {r["action"] for r in trail}


def test_acceptance_refusals(server: ServerProcess, depot: Depot, people: None) -> None:
    receive(server, depot, 5)
    with server.login(("li", PASSWORD)) as keeper:
        assert keeper.post("/api/v1/acceptances", json=decision(depot, 5)).status_code == 403
    with server.login(("zhao", PASSWORD)) as other_depot:
        refused = other_depot.post("/api/v1/acceptances", json=decision(depot, 5))
        assert refused.status_code == 403
    with server.login(("chen", PASSWORD)) as auditor:
        assert auditor.post("/api/v1/acceptances", json=decision(depot, 5)).status_code == 403
    with server.login(("wang", PASSWORD)) as wang:
        too_many = wang.post("/api/v1/acceptances", json=decision(depot, 6))
        assert too_many.status_code == 409
        assert too_many.json()["detail"]["reason"] == "insufficient_stock"
        failed = wang.post("/api/v1/acceptances", json=decision(depot, 5, result="fail"))
        assert failed.status_code == 422
        assert failed.json()["detail"]["reason"] == "inspection_failed"
        unknown = wang.post("/api/v1/acceptances", json=decision(depot, 5, batch="NOPE"))
        assert unknown.status_code == 404
        assert stock_of(wang, "pending_acceptance") == 5  # nothing moved
    assert (
        httpx.post(f"{server.url}/api/v1/acceptances", json=decision(depot, 5)).status_code == 401
    )


def test_goods_are_accepted_on_a_quality_report_and_reported_within_ten_working_days(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    receive(server, depot, 20)
    unreported = decision(depot, 20)
    del unreported["inspection"]["quality_report"]
    with server.login(("wang", PASSWORD)) as wang:
        refused = wang.post("/api/v1/acceptances", json=unreported)
        assert refused.status_code == 422
        assert refused.json()["detail"]["reason"] == "report_missing"
        assert stock_of(wang, "available") == 0 and stock_of(wang, "pending_acceptance") == 20
        accepted = wang.post("/api/v1/acceptances", json=decision(depot, 20))
        assert accepted.status_code == 201, accepted.text
        acceptance = accepted.json()["approval_id"]
        (row,) = wang.get("/api/v1/acceptances").json()["rows"]
        clock = row["report"]
        due, left = datetime.now(CST).date(), 10  # ten working days (Monday to Friday) on
        while left:
            due += timedelta(days=1)
            left -= due.weekday() < 5
        assert date.fromisoformat(clock["due"]) == due
        assert (clock["working_days_left"], clock["filed"], clock["late"]) == (10, False, False)
        pdf = wang.get(f"/api/v1/acceptances/{acceptance}/form.pdf")
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "ZJ-2026-0457" in text and "合格，同意入库" in text  # the report beside the verdict
        filed = wang.post(
            f"/api/v1/acceptances/{acceptance}/report", json={"reference": "绵储报〔2026〕7号"}
        )
        assert filed.status_code == 201, filed.text
        assert filed.json()["report"]["filed"] is True
        assert filed.json()["report"]["reference"] == "绵储报〔2026〕7号"
        twice = wang.post(f"/api/v1/acceptances/{acceptance}/report", json={"reference": "X-2"})
        assert twice.status_code == 409 and twice.json()["detail"]["reason"] == "already_decided"


def test_an_auditor_reads_but_a_keeper_cannot_see_the_audit_trail(
    server: ServerProcess, people: None
) -> None:
    with server.login(("li", PASSWORD)) as keeper:
        assert keeper.get("/api/v1/stock").status_code == 200
        assert keeper.get("/api/v1/audit").status_code == 403
    with server.login(("chen", PASSWORD)) as auditor:
        assert auditor.get("/api/v1/audit").status_code == 200


def test_logins_are_throttled_after_five_failures(server: ServerProcess, people: None) -> None:
    url = f"{server.url}/api/v1/sessions"
    for _ in range(5):
        assert httpx.post(url, json={"username": "li", "password": "wrong"}).status_code == 401
    blocked = httpx.post(url, json={"username": "li", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    # Another user is not affected.
    assert httpx.post(url, json={"username": "wang", "password": PASSWORD}).status_code == 200


def test_a_dispatcher_sees_where_an_order_would_come_from(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "sun", PASSWORD, role="dispatcher", now=system_clock())
    engine.dispose()
    item = depot.example.items[6].code
    receive(server, depot, 30, batch="2026NEW")
    receive(server, depot, 20, batch="2025OLD")
    with server.login(("wang", PASSWORD)) as wang:
        for batch, qty in (("2026NEW", 30), ("2025OLD", 20)):
            body = decision(depot, qty, batch=batch)
            assert wang.post("/api/v1/acceptances", json=body).status_code == 201
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    order = {"item": item, "qty": 40, "destination": {"lat": lc01.lat, "lon": lc01.lon}}
    with server.login(("sun", PASSWORD)) as dispatcher:
        plan = dispatcher.post("/api/v1/dispatch/allocation", json=order).json()
    # Both batches came in today (the FIFO order itself is shown in tests/unit/test_fifo.py):
    # the nearest depot fills the order, from accepted stock only.
    assert plan["allocated"] == 40 and plan["shortfall"] == 0
    assert {t["warehouse"] for t in plan["takes"]} == {"LC01"}
    with server.login(("li", PASSWORD)) as keeper:
        assert keeper.post("/api/v1/dispatch/allocation", json=order).status_code == 403


def test_goods_are_decided_against_their_inbound_notice(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    item = depot.example.items[6]
    notice = {
        "number": "RK-2026-045",
        "warehouse": "LC01",
        "expected_on": "2026-11-25",
        "lines": [{"item": item.code, "qty": 30, "batch": "2026AC"}],
    }
    with server.login(("li", PASSWORD)) as keeper:
        assert (
            keeper.post("/api/v1/inbound-notices", json={**notice, "supplier": "NOPE"}).status_code
            == 404
        )
        assert keeper.post("/api/v1/inbound-notices", json=notice).status_code == 201
        assert keeper.post("/api/v1/inbound-notices", json=notice).status_code == 409
    synced = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {depot.gateway_token}"}
    ).json()
    assert [n["number"] for n in synced["inbound_notices"]] == ["RK-2026-045"]
    receive(server, depot, 35)
    with server.login(("wang", PASSWORD)) as wang:

        def decide(qty: int, verdict: str = "accepted", result: str = "pass") -> httpx.Response:
            body = decision(depot, qty, verdict, result, notice="RK-2026-045")
            return wang.post("/api/v1/acceptances", json=body)

        assert decide(10).status_code == 201
        over = decide(21)
        assert over.status_code == 422 and over.json()["detail"]["reason"] == "over_notice"
        assert decide(15).status_code == 201
        assert decide(5, "rejected", "fail").status_code == 201
        closed = wang.get("/api/v1/inbound-notices", params={"status": "closed"}).json()
        assert [
            (n["number"], n["lines"][0]["accepted"], n["lines"][0]["rejected"])
            for n in closed["rows"]
        ] == [("RK-2026-045", 25, 5)]
        late = decide(4)  # 5 more came than the notice said: the notice is done
        assert late.status_code == 409 and late.json()["detail"]["reason"] == "notice_closed"


def test_a_notice_closed_by_hand_leaves_the_doors_and_the_audit_trail_says_who(
    server: ServerProcess, depot: Depot, people: None
) -> None:
    item = depot.example.items[6]
    notice = {
        "number": "RK-2026-046",
        "warehouse": "LC01",
        "lines": [{"item": item.code, "qty": 30}],
    }
    with server.login(("li", PASSWORD)) as keeper:
        notice_id = keeper.post("/api/v1/inbound-notices", json=notice).json()["id"]
    receive(server, depot, 12, notice="RK-2026-046")  # counted against it at the door
    receive(server, depot, 4, notice="RK-2026-999")  # another notice: counts nothing here
    with server.login(("li", PASSWORD)) as keeper:
        (row,) = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [(x["qty"], x["received"], x["accepted"]) for x in row["lines"]] == [(30, 12, 0)]
    url = f"/api/v1/inbound-notices/{notice_id}/close"
    with server.login(("zhao", PASSWORD)) as other_depot, server.login(("chen", PASSWORD)) as chen:
        assert other_depot.post(url).status_code == 404  # not one of LC02's
        assert chen.post(url).status_code == 403  # auditors read only
    with server.login(("li", PASSWORD)) as keeper:
        closed = keeper.post(url)
        assert closed.status_code == 200, closed.text
        assert closed.json() == {"id": notice_id, "number": "RK-2026-046", "status": "closed"}
        again = keeper.post(url)
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "notice_closed"
        assert keeper.post("/api/v1/inbound-notices/999999/close").status_code == 404
    synced = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {depot.gateway_token}"}
    ).json()
    assert "RK-2026-046" not in [n["number"] for n in synced["inbound_notices"]]
    with server.login(("wang", PASSWORD)) as wang:
        rows = wang.get("/api/v1/audit", params={"actor": "li"}).json()["rows"]
    notices = [r for r in rows if r["action"].startswith("inbound_notice")]
    assert [(r["action"], r["target"], r["warehouse"]) for r in notices] == [
        ("inbound_notice_close", "RK-2026-046", "LC01"),
        ("inbound_notice", "RK-2026-046", "LC01"),
    ]
