"""A day on the depot floor, end to end: real Mosquitto, the server process, the gateway
process. The test plays the stations (a fixed scanner at each of two doors and three
handhelds) on the broker, and the supervisor, dispatcher and keeper on the server's API.

Receiving at the door -> acceptance -> putaway -> a dispatch order -> FIFO picking (a wrong
batch refused with the right one named; two pickers racing for the last pallet, one refused)
-> loading at the dock door -> the handover note; then a stocktake round on a handheld.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.floor import Floor
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
SITE = "LC01"


@pytest.fixture
def floor(broker: Mosquitto, depot: Depot) -> Iterator[Floor]:
    floor = Floor(broker, depot)
    yield floor
    floor.client.close()


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role in (
        ("wang", "supervisor"),
        ("li", "keeper"),
        ("sun", "dispatcher"),
        ("zhou", "supervisor"),
    ):
        create_user(
            engine,
            name,
            PASSWORD,
            role=role,
            warehouse=None if role == "dispatcher" else SITE,
            now=system_clock(),
        )
    engine.dispose()


def stock(client: httpx.Client, status: str, location: str | None = None) -> int:
    params = {"warehouse": SITE, "status": status, **({"location": location} if location else {})}
    return sum(r["qty"] for r in client.get("/api/v1/stock", params=params).json()["rows"])


def accept(client: httpx.Client, floor: Floor, batch: str, qty: int) -> None:
    answer = client.post(
        "/api/v1/acceptances",
        json={
            "warehouse": SITE,
            "item": floor.item.code,
            "batch": batch,
            "location": "D01",
            "qty": qty,
            "decision": "accepted",
            "inspection": {
                "record_no": f"YS-{batch}",
                "sampled": 2,
                "result": "pass",
                "quality_report": "ZJ-2026-1",
                "inspectors": ["张工", "李工"],
            },
        },
    )
    assert answer.status_code == 201, answer.text


def test_receiving_putaway_fifo_picking_loading_and_a_count(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, floor: Floor, people: None
) -> None:
    door1, door2 = "LC01-D01-FIX1", "LC01-D02-FIX1"
    wait_until(
        lambda: gateway.book("SELECT 1 FROM items LIMIT 1"),
        timeout=30,
        what="the gateway's first sync",
    )

    # Receiving at door D01: an older and a newer batch, two pallets each.
    for batch, made in (("2025OLD", date(2025, 1, 5)), ("2026NEW", date(2026, 1, 5))):
        for _ in range(2):
            answer = floor.goods(door1, batch, 10, made, door="D01")
            assert answer.result == "ok", answer
            assert floor.item.name_zh in answer.text_zh
    with server.login(("wang", PASSWORD)) as wang:
        wait_until(
            lambda: stock(wang, "pending_acceptance") == 40,
            timeout=20,
            what="the received goods on the server",
        )
        accept(wang, floor, "2025OLD", 20)
        accept(wang, floor, "2026NEW", 20)

    # Putaway: the gateway suggests, the handheld puts each batch together.
    wait_until(
        lambda: gateway.book("SELECT sum(qty) FROM stock WHERE status='available'") == [(40,)],
        timeout=20,
        what="the acceptance in the gateway's book",
    )
    assert floor.cmd("LC01-HH1", "PUTAWAY").result == "ok"
    places: dict[str, str] = {}
    for batch, made in (("2025OLD", date(2025, 1, 5)), ("2026NEW", date(2026, 1, 5))):
        for _ in range(2):
            offer = floor.goods("LC01-HH1", batch, 10, made)
            assert offer.result == "ok" and offer.task is not None, offer
            places.setdefault(batch, offer.task["suggested"])
            assert offer.task["suggested"] == places[batch]  # one batch, one stack
            assert floor.at("LC01-HH1", "D02").result == "refused"  # not storage
            assert floor.at("LC01-HH1", places[batch]).result == "ok"
    assert places["2025OLD"] != places["2026NEW"]
    with server.login(("li", PASSWORD)) as li:
        wait_until(
            lambda: stock(li, "available", places["2026NEW"]) == 20,
            timeout=20,
            what="the putaway on the server",
        )

    # A dispatch order for 25: the server reserves FIFO, the old batch first.
    with server.login(("sun", PASSWORD)) as sun:
        lc01 = next(w for w in depot.example.warehouses if w.code == SITE)
        created = sun.post(
            "/api/v1/dispatch/orders",
            json={
                "number": "301",
                "kind": "request",
                "basis": "绵应急调〔2026〕301号",
                "destination": "北川县安置点",
                "lat": lc01.lat,
                "lon": lc01.lon,
                "lines": [{"item": floor.item.code, "qty": 25}],
            },
        )
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
    wait_until(
        lambda: gateway.book("SELECT count(*) FROM pick_lines") == [(2,)],
        timeout=20,
        what="the pick lines at the gateway",
    )

    # Picking: the old batch is offered; the new one is refused with the old one named.
    start = floor.cmd("LC01-HH1", "PICK:301")
    assert start.task is not None
    assert start.task["next"] == {"batch": "2025OLD", "location": places["2025OLD"], "qty": 20}
    wrong = floor.goods("LC01-HH1", "2026NEW", 5, date(2026, 1, 5))
    assert wrong.result == "refused"
    assert f"请取批次 2025OLD，库位 {places['2025OLD']}" in wrong.text_zh
    assert f"take batch 2025OLD at {places['2025OLD']}" in wrong.text_en
    for _ in range(2):
        assert floor.goods("LC01-HH1", "2025OLD", 10, date(2025, 1, 5)).result == "ok"
    # Two pickers race for the last pallet (5 of the new batch): one gets it.
    assert floor.cmd("LC01-HH2", "PICK:301").result == "ok"
    first = floor.goods("LC01-HH2", "2026NEW", 5, date(2026, 1, 5))
    second = floor.goods("LC01-HH1", "2026NEW", 5, date(2026, 1, 5))
    assert (first.result, second.result) == ("ok", "refused")
    assert "Nothing left" in second.text_en

    # Loading at door D02: every unit checked; the truck leaves complete.
    assert floor.cmd(door2, "LOAD:301", door="D02").result == "ok"
    assert floor.goods(door2, "2026NEW", 10, date(2026, 1, 5), door="D02").result == "refused"
    for batch, qty, made in (
        ("2025OLD", 10, date(2025, 1, 5)),
        ("2025OLD", 10, date(2025, 1, 5)),
        ("2026NEW", 5, date(2026, 1, 5)),
    ):
        assert floor.goods(door2, batch, qty, made, door="D02").result == "ok"
    done = floor.cmd(door2, "DONE", door="D02")
    assert done.result == "ok" and done.beep == "ok" and "fully loaded" in done.text_en

    # The server has every unit against the order; the handover note goes with the truck.
    with server.login(("li", PASSWORD)) as li:

        def loaded() -> int:
            order = li.get(f"/api/v1/dispatch/orders/{order_id}").json()
            return sum(p["loaded"] for p in order["picks"])

        wait_until(lambda: loaded() == 25, timeout=20, what="the loads on the server")
        note = li.post(
            f"/api/v1/dispatch/orders/{order_id}/handovers",
            json={
                "warehouse": SITE,
                "carrier": "绵阳运输",
                "driver": "赵师傅",
                "phone": "13800000000",
                "plate": "川B12345",
                "receiver": "北川县民政局",
            },
        )
        assert note.status_code == 201, note.text
        assert stock(li, "available", places["2026NEW"]) == 15
        assert stock(li, "reserved") == 0

    # A stocktake round on the new batch's zone: blind, and the server closes it clean.
    zone = places["2026NEW"].split("-")[0]
    with server.login(("wang", PASSWORD)) as wang:
        take = wang.post(
            "/api/v1/stocktakes", json={"warehouse": SITE, "zone": zone, "tolerance": 0}
        ).json()["id"]
    wait_until(
        lambda: gateway.book("SELECT id FROM stocktakes") == [(take,)],
        timeout=20,
        what="the stocktake at the gateway",
    )
    wait_until(
        lambda: (
            gateway.book("SELECT sum(qty) FROM stock WHERE location=?", places["2026NEW"])
            == [(15,)]
        ),
        timeout=20,
        what="the count's stock at the gateway",
    )
    hh = "LC01-HH3"
    assert floor.badge(hh, "li").result == "ok"  # a count is credited to who counted
    assert floor.cmd(hh, f"COUNT:{take}").result == "ok"
    assert floor.at(hh, places["2026NEW"]).result == "ok"
    counted = floor.goods(hh, "2026NEW", 15, date(2026, 1, 5))
    assert counted.result == "ok" and "15" in counted.text_en
    assert floor.cmd(hh, "CARD:15").result == "ok"
    closed = floor.cmd(hh, "DONE")
    assert closed.result == "ok" and closed.beep == "ok"
    wait_until(
        lambda: gateway.book("SELECT count(*) FROM outbox WHERE state='pending'") == [(0,)],
        timeout=20,
        what="the gateway's outbox to drain",
    )
    with server.login(("zhou", PASSWORD)) as zhou:
        closing = zhou.post(f"/api/v1/stocktakes/{take}/close")
        assert closing.status_code == 200 and closing.json()["status"] == "closed", closing.text
        lines = zhou.get(f"/api/v1/stocktakes/{take}", params={"problems_only": False}).json()
        mine = [x for x in lines["lines"] if x["batch"] == "2026NEW"]
        assert [(x["counted"], x["expected"], x["card"], x["state"]) for x in mine] == [
            (15, 15, 15, "ok")
        ]
        refused = zhou.post(f"/api/v1/stocktakes/{take}/approve")  # zhou closed it
        assert refused.json()["detail"]["reason"] == "same_person"
    with server.login(("wang", PASSWORD)) as wang:  # neither counted (li did) nor closed it
        approved = wang.post(f"/api/v1/stocktakes/{take}/approve")
        assert approved.status_code == 200, approved.text

    # Nothing the gateway sent was refused, and nothing waits.
    states = dict(gateway.book("SELECT state, count(*) FROM outbox GROUP BY state"))
    assert set(states) == {"sent"}, states
