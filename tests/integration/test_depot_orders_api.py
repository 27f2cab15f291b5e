"""An order a depot made on a phone order while it was cut off, as the centre takes it from
the depot's gateway (`POST /api/v1/gateway/phone-orders`): kept as an emergency dispatch
with its clocks from the call, the stock the depot planned reserved for it, the centre's own
reservations there giving way and their orders planned again, the loads behind it counted,
and the same order sent twice taken once."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pypdf
import pytest
from sqlalchemy import Engine, select

from harness.depot import ADMIN, Depot, ServerProcess
from harness.dispatch_stock import PASSWORD, Stocked, stock_for_dispatch
from harness.forms import signed_in
from harness.orders import Pick, loading, order_id, picks_of
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.services.floor_access import set_floor_pin
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import approvals, batches, stock

CALLED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
DEPOT_TIME = ZoneInfo("Asia/Shanghai")  # the gateway sends its times with the depot's offset
NUMBER = f"TEL-LC01-{CALLED.astimezone(DEPOT_TIME):%Y%m%d}-001"


@pytest.fixture
def engine(depot: Depot) -> Iterator[Engine]:
    made = make_engine(depot.db_url)
    yield made
    made.dispose()


@pytest.fixture
def stocked(engine: Engine, depot: Depot) -> Stocked:
    """The dispatch stock, and wang, a supervisor of LC01 with a floor PIN (who takes calls)."""
    found = stock_for_dispatch(engine, depot)
    create_user(engine, "wang", PASSWORD, role="supervisor", warehouse="LC01", now=system_clock())
    set_floor_pin(engine, "wang", "246813", "admin", system_clock())
    return found


def phone_order(item: str, picks: list[tuple[str, str, int]], **changed: Any) -> dict[str, Any]:
    """The order as LC01's gateway sends it: 50 of `item`, planned at (location, batch, qty)."""
    return {
        "number": NUMBER,
        "called_at": CALLED.astimezone(DEPOT_TIME).isoformat(),
        "caller": {"name": "刘局长", "unit": "北川县应急管理局", "phone": "0816-4822110"},
        "notice": None,
        "destination": "北川县安置点",
        "lines": [{"item": item, "qty": 50}],
        "picks": [{"item": item, "location": p, "batch": b, "qty": q} for p, b, q in picks],
        "recorded_by": "wang",
        "recorded_at": (CALLED + timedelta(minutes=5)).astimezone(DEPOT_TIME).isoformat(),
        **changed,
    }


def send(server: ServerProcess, depot: Depot, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/gateway/phone-orders",
        json=body,
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    )


def held(engine: Engine, batch: str) -> dict[str, int]:
    """What LC01 holds of `batch` at D01, by status (the dispatch stock lies there)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(stock.c.status, stock.c.qty).where(
                (stock.c.warehouse == "LC01")
                & stock.c.batch_id.in_(select(batches.c.id).where(batches.c.batch_no == batch))
                & (stock.c.qty > 0)
            )
        )
        return {r.status: int(r.qty) for r in rows}


def test_the_centre_keeps_the_order_the_depot_made_with_its_clocks_from_the_call(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    body = phone_order(stocked.item.code, [("D01", "2024A", 40), ("D01", "2026B", 10)])
    answer = send(server, depot, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "accepted" and answer.json()["replanned"] == []
    assert held(engine, "2024A") == {"reserved": 40}
    assert held(engine, "2026B") == {"reserved": 10, "available": 50}
    with server.login(("sun", PASSWORD)) as sun:
        shown = sun.get(f"/api/v1/dispatch/orders/{order_id(engine, NUMBER)}").json()
    assert (shown["kind"], shown["depot"], shown["status"]) == ("emergency", "LC01", "open")
    assert shown["created_by"] == "wang"  # the supervisor who took the call
    assert datetime.fromisoformat(shown["notified_at"]) == CALLED
    assert datetime.fromisoformat(shown["first_batch_due"]) == CALLED + timedelta(hours=8)
    assert datetime.fromisoformat(shown["written_order_due"]) == CALLED + timedelta(hours=48)
    assert shown["made_at_depot"]["caller"]["unit"] == "北川县应急管理局"
    assert shown["made_at_depot"]["depot"] == "LC01"
    assert [(p["location"], p["batch"], p["qty"]) for p in shown["picks"]] == [
        ("D01", "2024A", 40),
        ("D01", "2026B", 10),
    ]
    # the report to the bureaus (art. 14) was drafted as the centre learned of the order
    report = shown["report"]
    assert report["drafted_at"] == shown["made_at_depot"]["received_at"]
    for said in ("北川县应急管理局刘局长（0816-4822110）电话调拨指令", f"调运单号 {NUMBER}",
                 "因LC01与中心通信中断", "调运 50，已装车 0", "书面调拨指令待补办"):  # fmt: skip
        assert said in report["text"], said
    # the dashboard's list marks it: made at LC01 while cut off, waiting for its written order
    browser = signed_in(server.url, "sun", PASSWORD)
    listed = browser.get("/orders").text.split(f'data-order="{NUMBER}"', 1)[1].split("</tr>")[0]
    assert "断网时由 LC01 凭电话指令发出" in listed and "待书面调令" in listed
    page = browser.get(f"/orders/{order_id(engine, NUMBER)}").text
    assert 'id="made-offline"' in page and "刘局长" in page and 'id="emergency-report"' in page
    browser.close()
    # sent again (the gateway never heard the answer): the same order, nothing reserved twice
    again = send(server, depot, body)
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert held(engine, "2024A") == {"reserved": 40}
    # another order under the same number is refused, for good
    other = send(server, depot, {**body, "destination": "别处"})
    assert other.status_code == 409 and other.json()["detail"]["reason"] == "duplicate_number"
    # the loads the doors made for it count against its lines
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json={"events": [loading(NUMBER, Pick("LC01", "D01", "2024A", 40), stocked.item.gtin)]},
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    )
    assert [r["result"] for r in answer.json()["results"]] == ["accepted"]
    assert held(engine, "2024A") == {}
    assert verify_ledger(engine).ok


def test_stock_the_centre_reserved_meanwhile_gives_way_and_its_order_is_planned_again(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    """While LC01 was cut off, sun planned an order that took 2024A there; LC01 shipped 2024A
    on its phone order. The goods are gone: sun's order takes 2026B instead, and sun is told."""
    item = stocked.item.code
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(("sun", PASSWORD)) as sun:
        made = sun.post(
            "/api/v1/dispatch/orders",
            json={"number": "DB-2026-100", "kind": "request", "basis": "调拨通知 100",
                  "destination": "安置点", "lat": lc01.lat, "lon": lc01.lon,
                  "lines": [{"item": item, "qty": 30}]},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        centre = made.json()["id"]
    assert [(p.location, p.batch, p.qty) for p in picks_of(engine, centre)] == [
        ("D01", "2024A", 30)
    ]
    answer = send(server, depot, phone_order(item, [("D01", "2024A", 40), ("D01", "2026B", 10)]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["replanned"] == ["DB-2026-100"]
    # the depot's plan stands as shipped; the centre's order took the next batch, FIFO
    assert held(engine, "2024A") == {"reserved": 40}
    assert [(p.location, p.batch, p.qty) for p in picks_of(engine, centre)] == [
        ("D01", "2024A", 0),
        ("D01", "2026B", 30),
    ]
    assert held(engine, "2026B") == {"reserved": 40, "available": 20}
    with server.login(("sun", PASSWORD)) as sun:
        (told,) = sun.get("/api/v1/notifications").json()["rows"]
        assert (told["kind"], told["order_id"]) == ("reservation_taken", centre)
        assert told["detail"]["basis"] == f"phone order {NUMBER}"
        assert told["text_en"].startswith("A depot cut off from the centre shipped")
    with engine.connect() as conn:  # the reservation gave way on a decision naming the order
        decided = conn.execute(
            select(approvals.c.decision, approvals.c.decided_by).where(
                (approvals.c.kind == "dispatch") & (approvals.c.reference == NUMBER)
            )
        ).all()
    assert sorted(decided) == [("released", "wang"), ("reserved", "wang")]
    assert verify_ledger(engine).ok


def test_an_order_the_depot_may_not_have_made_is_refused_with_its_reason(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    item = stocked.item.code
    cases = {
        # another depot's number
        "bad_number": phone_order(item, [], number=NUMBER.replace("LC01", "LC02")),
        # more planned than asked
        "bad_picks": phone_order(item, [("D01", "2024A", 40), ("D01", "2026B", 11)]),
        "unknown_location": phone_order(item, [("X-99", "2024A", 1)]),
        "unknown_batch": phone_order(item, [("D01", "NOPE", 1)]),
    }
    for reason, body in cases.items():
        answer = send(server, depot, body)
        assert answer.status_code in (404, 422), (reason, answer.text)
        assert answer.json()["detail"]["reason"] == reason
    late = phone_order(item, [], called_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    assert send(server, depot, late).json()["detail"]["reason"] == "in_future"
    assert held(engine, "2024A") == {"available": 40}  # nothing reserved by any of them
    with server.login(ADMIN) as admin:
        orders = admin.get("/api/v1/dispatch/orders").json()
    assert NUMBER not in str(orders)
    # a person cannot send one: the route is the gateways'
    with server.login(("sun", PASSWORD)) as sun:
        assert sun.post("/api/v1/gateway/phone-orders", json=cases["bad_picks"]).status_code in (
            401,
            403,
        )


def test_an_order_by_someone_who_was_never_the_depots_is_refused_and_one_by_a_keeper_kept(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    """The gateway lets only its floor's supervisors take a call; by the time the order
    arrives the centre may have changed a role, but not made a stranger one of the depot's."""
    create_user(engine, "zhao", PASSWORD, role="supervisor", warehouse="LC02", now=system_clock())
    item = stocked.item.code
    stranger = send(server, depot, phone_order(item, [("D01", "2024A", 5)], recorded_by="zhao"))
    assert stranger.status_code == 404 and stranger.json()["detail"]["reason"] == "unknown_user"
    body = phone_order(item, [("D01", "2024A", 5)], recorded_by="li")  # now a keeper of LC01
    assert send(server, depot, body).json()["result"] == "accepted"
    with server.login(("sun", PASSWORD)) as sun:
        shown = sun.get(f"/api/v1/dispatch/orders/{order_id(engine, NUMBER)}").json()
    assert shown["created_by"] == "li" and shown["made_at_depot"]["recorded_by"] == "li"
    assert shown["lines"][0]["shortfall"] == 45  # what the depot could not plan


def test_the_handover_note_the_depot_printed_is_kept_as_the_centres_own(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    item, auth = stocked.item.code, {"Authorization": f"Bearer {depot.gateway_token}"}
    assert send(server, depot, phone_order(item, [("D01", "2024A", 40)])).status_code == 200
    load = loading(NUMBER, Pick("LC01", "D01", "2024A", 25), stocked.item.gtin)
    assert (
        httpx.post(f"{server.url}/api/v1/events", json={"events": [load]}, headers=auth).json()[
            "results"
        ][0]["result"]
        == "accepted"
    )
    note = {
        "number": f"JJ-{NUMBER}-LC01-G1", "order": NUMBER, "carrier": "北川县运输公司",
        "driver": "李强", "phone": "13908165678", "plate": "川B·12345",
        "receiver": "北川县应急管理局", "made_by": "wang",
        "made_at": (CALLED + timedelta(hours=2)).isoformat(),
        "lines": [{"location": "D01", "item": item, "batch": "2024A", "qty": 25}],
    }  # fmt: skip
    route = f"{server.url}/api/v1/gateway/handovers"
    first = httpx.post(route, json=note, headers=auth)
    assert first.status_code == 200 and first.json()["result"] == "accepted", first.text
    assert httpx.post(route, json=note, headers=auth).json()["result"] == "duplicate"
    changed = httpx.post(route, json={**note, "plate": "川B·99999"}, headers=auth)
    assert changed.json()["detail"]["reason"] == "duplicate_number"  # another note, same number
    twice = [note["lines"][0], note["lines"][0]]
    for wrong, reason in (
        ({"number": f"JJ-{NUMBER}-LC01-G3", "lines": twice}, "bad_lines"),
        ({"number": f"JJ-{NUMBER}-LC01-G3", "lines": [{**note["lines"][0], "qty": 41}]},
         "over_pick_list"),  # more than the order planned at the stack
        ({"number": f"JJ-{NUMBER}-LC01-1"}, "bad_number"),  # the centre's numbering
        ({"number": "JJ-DB-9-LC01-G1", "order": "DB-9"}, "unknown_order"),
        ({"number": f"JJ-{NUMBER}-LC01-G2", "lines": [{**note["lines"][0], "batch": "2026B"}]},
         "not_on_pick_list"),
    ):  # fmt: skip
        refused = httpx.post(route, json={**note, **wrong}, headers=auth)
        assert refused.json()["detail"]["reason"] == reason, refused.text
    with server.login(("li", PASSWORD)) as keeper:
        shown = keeper.get(f"/api/v1/dispatch/orders/{order_id(engine, NUMBER)}").json()
        assert [n["number"] for n in shown["handovers"]] == [note["number"]]
        pdf = keeper.get(f"/api/v1/dispatch/handovers/{note['number']}.pdf")
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert note["number"] in text and "川B·12345" in text and "25" in text
        # the centre's own first note for the order is its 1: the depot's G1 takes none
        own = keeper.post(
            f"/api/v1/dispatch/orders/{order_id(engine, NUMBER)}/handovers",
            json={"warehouse": "LC01", **{k: note[k] for k in
                  ("carrier", "driver", "phone", "plate", "receiver")}},
        )  # fmt: skip
        assert own.status_code == 201 and own.json()["number"] == f"JJ-{NUMBER}-LC01-1"
    assert verify_ledger(engine).ok


def test_a_second_order_of_the_depot_takes_the_centres_reservation_never_the_firsts(
    server: ServerProcess, depot: Depot, stocked: Stocked, engine: Engine
) -> None:
    """The centre reserved all 40 of 2024A for its order while LC01 was cut off; LC01
    shipped 25 of them on one phone order and 15 on another. Both stand as shipped; the
    centre's order gives way twice and is planned again from 2026B."""
    item = stocked.item.code
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(("sun", PASSWORD)) as sun:
        made = sun.post(
            "/api/v1/dispatch/orders",
            json={"number": "DB-2026-101", "kind": "request", "basis": "调拨通知 101",
                  "destination": "安置点", "lat": lc01.lat, "lon": lc01.lon,
                  "lines": [{"item": item, "qty": 40}]},
        )  # fmt: skip
        centre = made.json()["id"]
        # a TEL- number is the depots' own: the centre cannot take it for one of its orders
        taken = sun.post("/api/v1/dispatch/orders", json={
            "number": NUMBER, "kind": "request", "basis": "x", "destination": "x",
            "lat": lc01.lat, "lon": lc01.lon, "lines": [{"item": item, "qty": 1}]})  # fmt: skip
        assert taken.status_code == 422 and taken.json()["detail"]["reason"] == "bad_number"
    first = phone_order(item, [("D01", "2024A", 25)], lines=[{"item": item, "qty": 25}])
    second_number = NUMBER[:-3] + "002"
    second = phone_order(item, [("D01", "2024A", 15)], lines=[{"item": item, "qty": 15}],
                         number=second_number)  # fmt: skip
    assert send(server, depot, first).json()["replanned"] == ["DB-2026-101"]
    assert send(server, depot, second).json()["replanned"] == ["DB-2026-101"]
    assert [(p.batch, p.qty) for p in picks_of(engine, order_id(engine, NUMBER))] == [("2024A", 25)]
    assert [(p.batch, p.qty) for p in picks_of(engine, order_id(engine, second_number))] == [
        ("2024A", 15)
    ]
    centre_picks: dict[str, int] = {}
    for p in picks_of(engine, centre):
        centre_picks[p.batch] = centre_picks.get(p.batch, 0) + p.qty
    assert centre_picks == {"2024A": 0, "2026B": 40}
    assert held(engine, "2024A") == {"reserved": 40}  # 25 + 15 for the depot's orders
    assert held(engine, "2026B") == {"reserved": 40, "available": 20}
    assert verify_ledger(engine).ok
