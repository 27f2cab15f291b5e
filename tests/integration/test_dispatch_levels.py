"""Reserve levels (art. 17) through the API, on a real server: inbound notices name the level
that owns what comes, the batches received against them carry it into the stock, and a
dispatch order takes the requesting level's own reserve first, then the nearest and oldest
of the others for what it leaves."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from harness.depot import ADMIN, Depot, ServerProcess
from harness.orders import order_body as order
from kernel.clock import system_clock
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.events import Caller, ingest
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
# (depot, batch, received, qty, the notice's level or None: no notice, the depot's own)
BATCHES = (
    ("LC01", "PROV", "2024-01-05", 30, "province"),  # the province's, kept at the city depot
    ("LC01", "CITY1", "2026-06-01", 10, None),  # the city's own
    ("LC02", "CITY2", "2025-03-01", 20, "city"),  # the city's, at the county's agency point
    ("LC02", "CNTY", "2023-03-01", 20, "county"),  # the county's own, kept there too
)


@pytest.fixture
def stocked(server: ServerProcess, depot: Depot) -> dict[str, Any]:
    engine = make_engine(depot.db_url)
    item = depot.example.items[0]
    create_user(engine, "sun", PASSWORD, role="dispatcher", now=system_clock())
    with server.login(ADMIN) as admin:
        for warehouse, batch, _, qty, level in BATCHES:
            if level is None:
                continue
            body = {"number": f"RK-{batch}", "warehouse": warehouse, "owner_level": level,
                    "lines": [{"item": item.code, "qty": qty, "batch": batch}]}  # fmt: skip
            assert admin.post("/api/v1/inbound-notices", json=body).status_code == 201
        bad = {"number": "RK-BAD", "warehouse": "LC01", "owner_level": "township",
               "lines": [{"item": item.code, "qty": 1}]}  # fmt: skip
        assert admin.post("/api/v1/inbound-notices", json=bad).status_code == 422
        listed = admin.get("/api/v1/inbound-notices", params={"warehouse": "LC02"}).json()
        assert sorted(n["owner_level"] for n in listed["rows"]) == ["city", "county"]
    for warehouse, batch, when, qty, level in BATCHES:
        event = {
            "event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": warehouse,
            "occurred_at": f"{when}T09:00:00+08:00", "location": "D01", "gtin": item.gtin,
            "batch": batch, "qty": qty, **({"notice": f"RK-{batch}"} if level else {}),
        }  # fmt: skip
        caller = Caller(f"gateway-{warehouse}", warehouse)
        assert ingest(engine, caller, [event], now=system_clock())[0].result == "accepted"
        inspection = Inspection("YS", 1, "pass", "ZJ-2026-0457")
        request = AcceptanceRequest(warehouse, item.code, batch, "D01", qty, "accepted", inspection)
        decide(engine, "admin", request, now=system_clock())
    engine.dispose()
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    return {"item": item, "near": {"lat": lc01.lat, "lon": lc01.lon}}


def picks(answer: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(p["warehouse"], p["batch"], p["qty"]) for p in answer["picks"]]


def test_the_batches_carry_the_level_their_notice_named(
    server: ServerProcess, stocked: dict[str, Any]
) -> None:
    with server.login(ADMIN) as admin:
        rows = admin.get("/api/v1/stock", params={"item": stocked["item"].code}).json()["rows"]
    levels = {(r["warehouse"], r["batch"]): r["owner_level"] for r in rows}
    assert levels == {
        ("LC01", "PROV"): "province",
        ("LC01", "CITY1"): "city",
        ("LC02", "CITY2"): "city",
        ("LC02", "CNTY"): "county",
    }


def test_the_bureaus_order_takes_the_citys_own_reserve_first(
    server: ServerProcess, stocked: dict[str, Any]
) -> None:
    """The bureau's dispatcher asks as the city: the city's stock first, the far depot's
    included, though the province's batch at the near depot is older; the county's and the
    province's only for the rest, nearest first."""
    with server.login(("sun", PASSWORD)) as sun:
        ask = {"item": stocked["item"].code, "qty": 25, "destination": stocked["near"]}
        preview = sun.post("/api/v1/dispatch/allocation", json=ask).json()
        assert [(t["warehouse"], t["batch"]) for t in preview["takes"]] == [
            ("LC01", "CITY1"),
            ("LC02", "CITY2"),
        ]
        assert {t["why"]["level"] for t in preview["takes"]} == {"city"}
        placed = sun.post("/api/v1/dispatch/orders", json=order(stocked, "L-1", 25))
        assert placed.status_code == 201, placed.text
        assert placed.json()["requesting_level"] == "city"
        assert picks(placed.json()) == [("LC01", "CITY1", 10), ("LC02", "CITY2", 15)]
        # the city's 5 left, then the others nearest first (LC01's province), FIFO
        more = sun.post("/api/v1/dispatch/orders", json=order(stocked, "L-2", 40)).json()
        assert picks(more) == [("LC02", "CITY2", 5), ("LC01", "PROV", 30), ("LC02", "CNTY", 5)]


def test_an_order_asking_as_another_level_takes_that_levels_reserve_first(
    server: ServerProcess, stocked: dict[str, Any]
) -> None:
    with server.login(("sun", PASSWORD)) as sun:
        ask = {"item": stocked["item"].code, "qty": 40, "destination": stocked["near"],
               "requesting_level": "county"}  # fmt: skip
        preview = sun.post("/api/v1/dispatch/allocation", json=ask).json()
        assert [(t["warehouse"], t["batch"], t["qty"]) for t in preview["takes"]] == [
            ("LC02", "CNTY", 20),
            ("LC01", "PROV", 20),  # the shortfall: nearest, oldest
        ]
        body = order(stocked, "L-3", 40, requesting_level="county")
        placed = sun.post("/api/v1/dispatch/orders", json=body).json()
        assert placed["requesting_level"] == "county"
        assert picks(placed) == [("LC02", "CNTY", 20), ("LC01", "PROV", 20)]
        province = order(stocked, "L-4", 15, requesting_level="province")
        assert picks(sun.post("/api/v1/dispatch/orders", json=province).json()) == [
            ("LC01", "PROV", 10),
            ("LC01", "CITY1", 5),
        ]
        shown = sun.get(f"/api/v1/dispatch/orders/{placed['id']}").json()
        assert shown["requesting_level"] == "county"
        wrong = sun.post(
            "/api/v1/dispatch/orders", json=order(stocked, "L-5", 1, requesting_level="town")
        )
        assert wrong.status_code == 422
        assert sun.get("/api/v1/dispatch/orders/999999").status_code == 404


def test_a_depot_s_own_order_asks_for_the_reserve_it_keeps(
    server: ServerProcess, depot: Depot, stocked: dict[str, Any]
) -> None:
    """A depot spends the reserve it keeps for its own level (an agency point: the city's,
    art. 9), never one it keeps for another; and what an agency point receives without a
    notice naming a level is the city's."""
    engine = make_engine(depot.db_url)
    for where in ("LC01", "LC02"):
        create_user(engine, f"d-{where}", PASSWORD, role="dispatcher", warehouse=where,
                    now=system_clock())  # fmt: skip
    item = stocked["item"]
    event = {
        "event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": "LC02",
        "occurred_at": "2026-11-20T09:00:00+08:00", "location": "D01", "gtin": item.gtin,
        "batch": "AGCY", "qty": 3,
    }  # fmt: skip
    assert (
        ingest(engine, Caller("gateway-LC02", "LC02"), [event], now=system_clock())[0].result
        == "accepted"
    )
    engine.dispose()
    with server.login(ADMIN) as admin:
        rows = admin.get("/api/v1/stock", params={"item": item.code, "batch": "AGCY"}).json()
    assert {r["owner_level"] for r in rows["rows"]} == {"city"}
    with server.login(("d-LC01", PASSWORD)) as own:
        spend = own.post(
            "/api/v1/dispatch/orders", json=order(stocked, "D-1", 1, requesting_level="province")
        )
        assert spend.status_code == 422 and spend.json()["detail"]["reason"] == "bad_level"
        mine = own.post("/api/v1/dispatch/orders", json=order(stocked, "D-2", 1))
        assert mine.status_code == 201, mine.text
        assert mine.json()["requesting_level"] == "city"
    with server.login(("d-LC02", PASSWORD)) as agency:
        theirs = agency.post("/api/v1/dispatch/orders", json=order(stocked, "D-3", 1))
        assert theirs.status_code == 201, theirs.text
        assert theirs.json()["requesting_level"] == "city"  # the reserve an agency point keeps


def test_the_order_form_names_the_level_and_shows_each_batchs(
    server: ServerProcess, stocked: dict[str, Any]
) -> None:
    """The dashboard's order form: the requesting level chosen from the list, each stack's
    owning level in the preview, and the order placed with it."""
    from harness.forms import signed_in, submit

    places = "code,name,lat,lon\nBC,北川县安置点,31.47,104.70\n"
    with server.login(ADMIN) as admin:
        sent = admin.post("/api/v1/master/places", files={"file": ("p.csv", places.encode())})
        assert sent.status_code == 200, sent.text
    client: httpx.Client = signed_in(server.url, "sun", PASSWORD)
    form = {"number": "L-F", "kind": "request", "basis": "绵应急调〔2026〕9号", "place": "BC",
            "lines.0.item": stocked["item"].code, "lines.0.qty": "35",
            "requesting_level": "province"}  # fmt: skip
    preview = submit(client, "/orders/new", "/orders/new", form)
    assert preview.status_code == 200, preview.text
    plan = preview.text.split('id="plan"', 1)[1].split("</table>", 1)[0]
    assert plan.index('data-batch="PROV"') < plan.index('data-batch="CITY1"')
    assert "省级储备" in plan
    assert 'data-level="province"' in preview.text  # the options show each stack's level
    bad = submit(client, "/orders/new", "/orders/new", {**form, "requesting_level": "town"})
    assert bad.status_code == 422 and 'id="e-f-requesting_level"' in bad.text
    placed = submit(client, "/orders/new", "/orders", form)  # planned by the rule
    assert placed.status_code == 303, placed.text
    page = client.get(placed.headers["location"])
    assert 'id="order-level" data-level="province"' in page.text
    with server.login(("sun", PASSWORD)) as sun:
        number = sun.get(placed.headers["location"].replace("/orders/", "/api/v1/dispatch/orders/"))
        assert picks(number.json()) == [("LC01", "PROV", 30), ("LC01", "CITY1", 5)]
