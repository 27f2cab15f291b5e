"""POST /api/v1/gateway/report: a gateway says how its floor is; only gateways may, each for
its own depot, and a malformed report is refused without touching the last good one."""

from __future__ import annotations

import httpx

from harness.depot import Depot, ServerProcess
from harness.forms import submit
from server.services.gateways import statuses
from server.storage.db import make_engine


def test_a_gateway_reports_its_devices(server: ServerProcess, depot: Depot) -> None:
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    report = {
        "devices": [{"device": "LC01-D01-FIX1", "state": "online", "door": "D01",
                     "reads_10min": 12}],
        "outbox": {"pending": 3, "rejected": 0, "oldest_pending_age": 4.5},
        "disk": {"free_mb": 9000, "alarm": False},
    }  # fmt: skip
    url = f"{server.url}/api/v1/gateway/report"
    assert httpx.post(url, json=report).status_code == 401  # only gateways
    with server.login() as person:  # nor people, with their own session
        assert person.post("/api/v1/gateway/report", json=report).status_code == 401
    assert httpx.post(url, json=report, headers=auth).json()["warehouse"] == "LC01"
    bad = httpx.post(url, json={"devices": [{"no": "id"}]}, headers=auth)
    assert bad.status_code == 422 and "device" in bad.text
    assert httpx.get(f"{server.url}/api/v1/sync", headers=auth).status_code == 200
    engine = make_engine(depot.db_url)
    status = statuses(engine, "LC01")["LC01"]
    engine.dispose()
    assert status["report"]["outbox"]["pending"] == 3  # the last good report stays
    assert status["reported_at"] is not None and status["last_sync_at"] is not None


def test_reports_of_the_wrong_shape_and_odd_page_input_get_clear_answers(
    server: ServerProcess, depot: Depot
) -> None:
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    url = f"{server.url}/api/v1/gateway/report"
    for device in (
        {"device": "D", "last_seen": 1732421465.5},  # epoch seconds, not ISO 8601
        {"device": "D", "reads_10min": "many"},
        {"device": "D", "door": 3},
    ):
        refused = httpx.post(url, json={"devices": [device]}, headers=auth)
        assert refused.status_code == 422, device
    odd = httpx.post(url, json={"outbox": {"pending": "lots"}}, headers=auth)
    assert odd.status_code == 422
    with httpx.Client(base_url=server.url) as browser:
        signed_in = submit(
            browser,
            "/login",
            "/login",
            {"username": "admin", "password": "admin-password-for-tests"},
        )
        assert signed_in.status_code == 303
        for month in ("9999-12", "2026-1", "2026-13", "nonsense"):
            page = browser.get("/reports", params={"month": month})
            assert page.status_code == 200 and 'id="report-error"' in page.text, month
        unknown = browser.get("/reports", params={"depot": "NOPE"})
        assert unknown.status_code == 200 and "no depot NOPE" in unknown.text
        assert browser.get("/ledger", params={"status": "bogus"}).status_code == 200
        assert browser.get("/doors").status_code == 200


def test_events_the_centre_rejected_show_on_the_doors_page_with_their_reason(
    server: ServerProcess, depot: Depot
) -> None:
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    rejected = {"event_id": "0193a2b4-0000-7000-8000-000000000001", "type": "loading",
                "result": "malformed", "reason": "malformed: 422: qty must be at most 1000000",
                "at": "2026-11-24T01:00:00+00:00"}  # fmt: skip
    report = {"outbox": {"pending": 0, "rejected": 1, "rejected_recent": [rejected]}}
    url = f"{server.url}/api/v1/gateway/report"
    assert httpx.post(url, json=report, headers=auth).status_code == 200
    for bad in ({**rejected, "reason": "x" * 301}, {**rejected, "type": 5}):
        odd = {"outbox": {"rejected_recent": [bad]}}
        assert httpx.post(url, json=odd, headers=auth).status_code == 422
    with server.login() as client:
        page = client.get("/doors").text
    assert rejected["event_id"] in page and "qty must be at most 1000000" in page
    assert "无法读取" in page
