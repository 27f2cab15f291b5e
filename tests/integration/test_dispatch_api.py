"""Dispatch orders through the API: nearest first and FIFO with reservations, the clocks,
pick lists for the gateways, loading and the handover note."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdf
import pytest

from harness.depot import ADMIN, Depot, ServerProcess
from harness.orders import order_body as order
from kernel.clock import system_clock
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_gateway_client, create_user
from server.services.events import Caller, ingest
from server.services.inbound import NoticeLine, create_notice
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"


@pytest.fixture
def stocked(depot: Depot) -> dict[str, Any]:
    """LC01: 10 of an old batch and 20 of a new one; LC02 (farther): 40, the city's reserve
    the county's agency point keeps (received against a notice naming the city's level), so
    that all of it is the bureau's own (art. 17) and only distance and age decide."""
    engine = make_engine(depot.db_url)
    item = depot.example.items[0]
    for name, role, warehouse in (
        ("sun", "dispatcher", None),
        ("qin", "dispatcher", None),
        ("li", "keeper", "LC01"),
        ("zhao", "keeper", "LC02"),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse, now=system_clock())
    lc02 = create_gateway_client(engine, "gateway-LC02", "LC02", now=system_clock())
    lines = [NoticeLine(item.code, 40, "FAR")]
    create_notice(engine, "admin", "RK-FAR", "LC02", None, None, lines, system_clock(), "city")
    for warehouse, batch, when, qty in (
        ("LC01", "OLD", "2025-01-05", 10),
        ("LC01", "NEW", "2026-06-01", 20),
        ("LC02", "FAR", "2024-01-01", 40),
    ):
        event = {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": warehouse,
            "occurred_at": f"{when}T09:00:00+08:00",
            "location": "D01",
            "gtin": item.gtin,
            "batch": batch,
            "qty": qty,
            **({"notice": "RK-FAR"} if batch == "FAR" else {}),
        }
        assert (
            ingest(engine, Caller(f"gateway-{warehouse}", warehouse), [event], now=system_clock())[
                0
            ].result
            == "accepted"
        )
        decide(
            engine,
            "admin",
            AcceptanceRequest(
                warehouse,
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
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    return {"item": item, "lc02_token": lc02, "near": {"lat": lc01.lat, "lon": lc01.lon}}


def stock_of(client: httpx.Client, warehouse: str, status: str) -> int:
    rows = client.get("/api/v1/stock", params={"warehouse": warehouse, "status": status})
    return sum(r["qty"] for r in rows.json()["rows"])


def test_an_order_reserves_nearest_first_then_fifo(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    with server.login(("sun", PASSWORD)) as sun:
        first = sun.post("/api/v1/dispatch/orders", json=order(stocked, "101", 35))
        assert first.status_code == 201
        picks = [(p["warehouse"], p["batch"], p["qty"]) for p in first.json()["picks"]]
        assert picks == [("LC01", "OLD", 10), ("LC01", "NEW", 20), ("LC02", "FAR", 5)]
        assert (stock_of(sun, "LC01", "reserved"), stock_of(sun, "LC01", "available")) == (30, 0)
        second = sun.post("/api/v1/dispatch/orders", json=order(stocked, "102", 100)).json()
        assert [(p["warehouse"], p["qty"]) for p in second["picks"]] == [("LC02", 35)]
        assert second["lines"][0]["shortfall"] == 65  # nobody takes reserved stock twice
        assert sun.post("/api/v1/dispatch/orders", json=order(stocked, "101", 1)).status_code == 409
        unknown = order(stocked, "103", 1)
        unknown["lines"] = [{"item": "NOPE", "qty": 1}]
        assert sun.post("/api/v1/dispatch/orders", json=unknown).status_code == 404
    with server.login(("li", PASSWORD)) as keeper:
        assert (
            keeper.post("/api/v1/dispatch/orders", json=order(stocked, "104", 1)).status_code == 403
        )
        mine = keeper.get(f"/api/v1/dispatch/orders/{first.json()['id']}").json()
        assert {p["warehouse"] for p in mine["picks"]} == {"LC01"}  # its own pick list only
    # The depot's gateway gets its pick list, loads, and the note goes with the truck.
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    synced = httpx.get(f"{server.url}/api/v1/sync", headers=auth).json()
    assert [(p["order"], p["batch"], p["qty"]) for p in synced["pick_lists"]] == [
        ("101", "OLD", 10),
        ("101", "NEW", 20),
    ]
    loading = {
        "event_id": str(uuid.uuid4()),
        "type": "loading",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T10:00:00+08:00",
        "from_location": "D01",
        "gtin": stocked["item"].gtin,
        "batch": "OLD",
        "qty": 10,
        "order": "101",
    }
    loaded = httpx.post(
        f"{server.url}/api/v1/events", json={"events": [loading]}, headers=auth
    ).json()["results"][0]
    assert loaded["result"] == "accepted"
    with server.login(("li", PASSWORD)) as keeper:
        assert stock_of(keeper, "LC01", "reserved") == 20
        note = keeper.post(
            f"/api/v1/dispatch/orders/{first.json()['id']}/handovers",
            json={
                "warehouse": "LC01",
                "carrier": "绵阳运输公司",
                "driver": "赵师傅",
                "phone": "13800000000",
                "plate": "川B12345",
                "receiver": "北川县应急局",
            },
        )
        assert note.status_code == 201
        pdf = keeper.get(note.json()["pdf"])
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert note.json()["number"] in text and "13800000000" in text
    with server.login(("sun", PASSWORD)) as sun, server.login(("qin", PASSWORD)) as qin:
        own = sun.post(f"/api/v1/dispatch/orders/{second['id']}/cancel", json={"reason": "x"})
        assert own.status_code == 403 and own.json()["detail"]["reason"] == "same_person"
        cancelled = qin.post(  # a second person of the bureau
            f"/api/v1/dispatch/orders/{second['id']}/cancel", json={"reason": "灾情缓解"}
        ).json()
        assert cancelled["status"] == "cancelled" and cancelled["released"] == 35
        assert stock_of(sun, "LC02", "available") == 35
        assert (
            qin.post(
                f"/api/v1/dispatch/orders/{second['id']}/cancel", json={"reason": "again"}
            ).status_code
            == 409
        )
    with server.login(("zhao", PASSWORD)) as other:
        refused = other.post(
            f"/api/v1/dispatch/orders/{first.json()['id']}/handovers",
            json={
                "warehouse": "LC01",
                "carrier": "x",
                "driver": "x",
                "phone": "1",
                "plate": "x",
                "receiver": "x",
            },
        )
        assert refused.status_code == 403


def test_emergency_clocks(server: ServerProcess, depot: Depot, stocked: dict[str, Any]) -> None:
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    with server.login(("sun", PASSWORD)) as sun:
        bad = sun.post("/api/v1/dispatch/orders", json=order(stocked, "201", 5, phone_order=True))
        assert bad.status_code == 422  # only an emergency starts on a phone order
        urgent = sun.post(
            "/api/v1/dispatch/orders",
            json=order(
                stocked, "202", 5, kind="emergency", phone_order=True, notified_at=three_days_ago
            ),
        ).json()
        assert urgent["written_order_late"] is True
        assert urgent["first_batch_seconds_left"] < 0  # the 8 hours are long gone
        written = sun.post(
            f"/api/v1/dispatch/orders/{urgent['id']}/written-order",
            json={"reference": "绵应急调〔2026〕202号"},
        ).json()
        assert written["written_order_late"] is False
        now = sun.post(
            "/api/v1/dispatch/orders", json=order(stocked, "203", 1, kind="emergency")
        ).json()
        assert 7 * 3600 < now["first_batch_seconds_left"] <= 8 * 3600
        assert now["written_order_due"] is None


def test_a_notice_or_an_arrival_in_the_future_is_refused(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    """A dispatch notice five days ahead would stop its clocks for five days (art. 21)."""
    ahead = (datetime.now(UTC) + timedelta(days=5)).isoformat()
    with server.login(("sun", PASSWORD)) as sun:
        later = sun.post(
            "/api/v1/dispatch/orders",
            json=order(stocked, "301", 5, kind="emergency", phone_order=True, notified_at=ahead),
        )
        assert later.status_code == 422 and later.json()["detail"]["reason"] == "in_future"
        assert stock_of(sun, "LC01", "reserved") == 0  # nothing was reserved for it
        placed = sun.post("/api/v1/dispatch/orders", json=order(stocked, "301", 5))
        assert placed.status_code == 201  # the refused notice left no order 301 behind
        placed = placed.json()
        early = sun.post(f"/api/v1/dispatch/orders/{placed['id']}/arrival", json={"at": ahead})
        assert early.status_code == 422 and early.json()["detail"]["reason"] == "in_future"


def test_road_distances_decide_what_is_nearest_and_the_arrival_is_timed(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    places = "code,name,lat,lon\nBC,北川县安置点,31.82,104.46\n"
    roads = "warehouse,place,km\nLC01,BC,140\nLC02,BC,65\n"  # the short road is closed
    with server.login(ADMIN) as admin:
        for kind, text in (("places", places), ("road_distances", roads)):
            answer = admin.post(
                f"/api/v1/master/{kind}", files={"file": (f"{kind}.csv", text.encode())}
            )
            assert answer.status_code == 200, answer.text
        bad = admin.post(
            "/api/v1/master/road_distances",
            files={"file": ("r.csv", b"warehouse,place,km\nLC01,NOWHERE,-3\n")},
        )
        assert bad.status_code == 422
    with server.login(("sun", PASSWORD)) as sun:
        body = order(stocked, "301", 5, place="BC")
        del body["lat"], body["lon"]
        placed = sun.post("/api/v1/dispatch/orders", json=body).json()
        assert [(p["warehouse"], p["batch"]) for p in placed["picks"]] == [("LC02", "FAR")]
        arrived = sun.post(f"/api/v1/dispatch/orders/{placed['id']}/arrival", json={}).json()
        assert arrived["first_batch_on_time"] is True
        again = sun.post(f"/api/v1/dispatch/orders/{placed['id']}/arrival", json={})
        assert again.status_code == 409
        unknown = order(stocked, "302", 1, place="NOWHERE")
        assert sun.post("/api/v1/dispatch/orders", json=unknown).status_code == 404


def test_the_preview_plans_as_the_order_does(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    """The preview and the order plan through one service: with a place whose roads make the
    farther depot (by air) the nearer one, the preview shows what the order then takes."""
    places = "code,name,lat,lon\nBC,北川县安置点,31.82,104.46\n"
    roads = "warehouse,place,km\nLC01,BC,140\nLC02,BC,65\n"
    with server.login(ADMIN) as admin:
        for kind, text in (("places", places), ("road_distances", roads)):
            answer = admin.post(
                f"/api/v1/master/{kind}", files={"file": (f"{kind}.csv", text.encode())}
            )
            assert answer.status_code == 200, answer.text
    item = stocked["item"].code
    bc = {"lat": 31.82, "lon": 104.46}
    with server.login(("sun", PASSWORD)) as sun:
        by_air = sun.post(
            "/api/v1/dispatch/allocation", json={"item": item, "qty": 45, "destination": bc}
        ).json()
        preview = sun.post(
            "/api/v1/dispatch/allocation", json={"item": item, "qty": 45, "place": "BC"}
        )
        assert preview.status_code == 200, preview.text
        shown = [
            (t["warehouse"], t["location"], t["batch"], t["qty"]) for t in preview.json()["takes"]
        ]
        # by air LC01 is nearer; by road LC02 is, and its 40 go first
        assert by_air["takes"][0]["warehouse"] == "LC01"
        assert shown[0][0] == "LC02" and shown[0][2:] == ("FAR", 40)
        assert sum(t[3] for t in shown) == 45
        body = order(stocked, "401", 45, place="BC")
        del body["lat"], body["lon"]
        placed = sun.post("/api/v1/dispatch/orders", json=body)
        assert placed.status_code == 201, placed.text
        taken = [
            (p["warehouse"], p["location"], p["batch"], p["qty"]) for p in placed.json()["picks"]
        ]
        assert sorted(taken) == sorted(shown)
        neither = sun.post("/api/v1/dispatch/allocation", json={"item": item, "qty": 1})
        assert neither.status_code == 422
        assert neither.json()["detail"]["reason"] == "no_destination"


def test_a_load_a_supervisor_let_replace_the_reserved_batch(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    """FIFO reserved OLD; the picker was let take SPARE instead (blocked stack): the load of
    SPARE frees OLD's reservation and moves that much of the list to SPARE's stack."""
    item = stocked["item"]
    engine = make_engine(depot.db_url)
    spare = {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-07-01T09:00:00+08:00",
        "location": "D02",
        "gtin": item.gtin,
        "batch": "SPARE",
        "qty": 15,
    }
    assert (
        ingest(engine, Caller("gateway-LC01", "LC01"), [spare], now=system_clock())[0].result
        == "accepted"
    )
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            "LC01",
            item.code,
            "SPARE",
            "D02",
            15,
            "accepted",
            Inspection("YS", 1, "pass", "ZJ-2026-0457"),
        ),
        now=system_clock(),
    )
    engine.dispose()
    with server.login(("sun", PASSWORD)) as sun:
        created = sun.post("/api/v1/dispatch/orders", json=order(stocked, "201", 25)).json()
        assert [(p["batch"], p["qty"]) for p in created["picks"] if p["warehouse"] == "LC01"] == [
            ("OLD", 10),
            ("NEW", 15),
        ]
    auth = {"Authorization": f"Bearer {depot.gateway_token}"}
    load = {
        "event_id": str(uuid.uuid4()),
        "type": "loading",
        "warehouse": "LC01",
        "occurred_at": "2026-11-24T10:00:00+08:00",
        "from_location": "D02",
        "gtin": item.gtin,
        "batch": "SPARE",
        "qty": 6,
        "order": "201",
        "instead_of": {"location": "D01", "batch": "OLD"},
        "override": {"by": "wang", "reason": "blocked"},
    }
    answer = httpx.post(f"{server.url}/api/v1/events", json={"events": [load]}, headers=auth)
    assert answer.json()["results"][0]["result"] == "accepted", answer.text
    too_much = {**load, "event_id": str(uuid.uuid4()), "qty": 5}  # only 4 of OLD still reserved
    answer = httpx.post(f"{server.url}/api/v1/events", json={"events": [too_much]}, headers=auth)
    assert answer.json()["results"][0]["reason"].startswith("not_reserved")
    with server.login(("li", PASSWORD)) as keeper:
        rows = keeper.get("/api/v1/stock", params={"warehouse": "LC01", "limit": 100}).json()
        stock = {(r["batch"], r["status"]): r["qty"] for r in rows["rows"]}
        assert stock[("OLD", "reserved")] == 4 and stock[("OLD", "available")] == 6
        assert stock[("SPARE", "available")] == 9
        picks = keeper.get(f"/api/v1/dispatch/orders/{created['id']}").json()["picks"]
        lc01 = {(p["batch"], p["qty"], p["loaded"]) for p in picks if p["warehouse"] == "LC01"}
        assert lc01 == {("OLD", 4, 0), ("NEW", 15, 0), ("SPARE", 6, 6)}
