"""The server's HTTP interface under uvicorn, as gateways and people use it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from harness.depot import ADMIN, Depot, ServerProcess
from harness.forms import submit
from kernel.clock import system_clock
from server.services.accounts import create_gateway_client, create_user
from server.storage.db import make_engine


def receiving(depot: Depot, **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:14:03+08:00",
        "location": "D01",
        "gtin": depot.example.items[3].gtin,
        "batch": "2026API",
        "qty": 8,
        **overrides,
    }


def gateway_headers(depot: Depot) -> dict[str, str]:
    return {"Authorization": f"Bearer {depot.gateway_token}"}


def test_health_metrics_and_openapi(server: ServerProcess) -> None:
    assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
    assert "depot_events_total" in httpx.get(f"{server.url}/metrics").text
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert {"/api/v1/events", "/api/v1/stock", "/api/v1/sessions"} <= set(paths)


def test_events_need_a_gateway_token(server: ServerProcess, depot: Depot) -> None:
    body = {"events": [receiving(depot)]}
    assert httpx.post(f"{server.url}/api/v1/events", json=body).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert httpx.post(f"{server.url}/api/v1/events", json=body, headers=bad).status_code == 401
    with server.login() as person:  # a person's session is not a gateway's token
        assert person.post("/api/v1/events", json=body).status_code == 401


def test_events_are_answered_one_by_one(server: ServerProcess, depot: Depot) -> None:
    good, unknown = receiving(depot), receiving(depot, gtin="06999999999994")
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json={"events": [good, unknown, good]},
        headers=gateway_headers(depot),
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["result"] for r in results] == ["accepted", "rejected", "duplicate"]
    assert [r["status"] for r in results] == [201, 404, 200]  # 4xx for the bad one
    assert results[1]["reason"].startswith("unknown_gtin")


def test_a_gateway_posts_for_its_own_warehouse_only(server: ServerProcess, depot: Depot) -> None:
    event = receiving(depot, warehouse="LC02", location="D01")
    results = httpx.post(
        f"{server.url}/api/v1/events", json={"events": [event]}, headers=gateway_headers(depot)
    ).json()["results"]
    assert results[0]["result"] == "rejected"
    assert results[0]["reason"].startswith("warehouse_not_allowed")


def test_a_malformed_batch_is_refused_whole(server: ServerProcess, depot: Depot) -> None:
    for body in ({"events": "nope"}, {"nothing": []}, {"events": [receiving(depot)] * 1001}):
        answer = httpx.post(
            f"{server.url}/api/v1/events", json=body, headers=gateway_headers(depot)
        )
        assert answer.status_code == 422


def test_stock_filters_and_scopes(server: ServerProcess, depot: Depot) -> None:
    httpx.post(
        f"{server.url}/api/v1/events",
        headers=gateway_headers(depot),
        json={
            "events": [
                receiving(depot, batch="F1", qty=3),
                receiving(depot, batch="F2", qty=4, location="D02"),
            ]
        },
    )
    assert httpx.get(f"{server.url}/api/v1/stock").status_code == 401
    with server.login() as person:
        everything = person.get("/api/v1/stock").json()
        assert everything["total"] == 2
        only_d02 = person.get("/api/v1/stock", params={"location": "D02"}).json()["rows"]
        assert [(r["batch"], r["qty"]) for r in only_d02] == [("F2", 4)]
        assert person.get("/api/v1/stock", params={"status": "lost"}).status_code == 422
        assert person.get("/api/v1/stock", params={"limit": 0}).status_code == 422
    # A keeper bound to LC02 sees LC02 only; a gateway sees its own warehouse.
    engine = make_engine(depot.db_url)
    create_user(
        engine,
        "keeper2",
        "keeper-two-password",
        role="keeper",
        warehouse="LC02",
        now=system_clock(),
    )
    other_token = create_gateway_client(engine, "gateway-LC02", "LC02", now=system_clock())
    engine.dispose()
    with server.login(("keeper2", "keeper-two-password")) as keeper:
        assert keeper.get("/api/v1/stock").json()["total"] == 0
        assert keeper.get("/api/v1/stock", params={"warehouse": "LC01"}).status_code == 403
    as_lc02 = {"Authorization": f"Bearer {other_token}"}
    assert httpx.get(f"{server.url}/api/v1/stock", headers=as_lc02).json()["total"] == 0
    as_lc01 = httpx.get(f"{server.url}/api/v1/stock", headers=gateway_headers(depot)).json()
    assert as_lc01["total"] == 2


def test_login_with_a_wrong_password_is_refused(server: ServerProcess) -> None:
    wrong = httpx.post(
        f"{server.url}/api/v1/sessions", json={"username": ADMIN[0], "password": "wrong-password"}
    )
    assert wrong.status_code == 401
    with httpx.Client(base_url=server.url) as browser:
        page = submit(browser, "/login", "/login", {"username": ADMIN[0], "password": "nope"})
    assert page.status_code == 401 and "用户名或密码错误" in page.text


def test_the_dashboard_needs_a_login(server: ServerProcess) -> None:
    page = httpx.get(f"{server.url}/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    with httpx.Client(base_url=server.url, follow_redirects=True) as browser:
        login = submit(browser, "/login", "/login", {"username": ADMIN[0], "password": ADMIN[1]})
        assert login.status_code == 200 and "库存" in login.text  # followed to the overview
        assert 'lang="zh-CN"' in login.text and 'charset="utf-8"' in login.text
