"""An emergency dispatch that goes ahead while the depots are cut off from the centre, with
the real processes, on SQLite and on PostgreSQL.

The centre is server processes on one database: the one each depot's gateway reaches (its
line to the centre) and the centre's own, where its dispatchers work. LC01 and LC02 each have
their Mosquitto, their gateway and a station (a keeper's handheld, door D01's fixed scanner).
Once both gateways hold the centre's stock and people, both lines go down for the whole
dispatch:

- at the centre, dispatcher sun plans an order of 40 near LC01: it reserves LC01's 2024A,
  which LC01 cannot know;
- at each depot a supervisor takes a phone order on the gateway's floor pages in Chromium:
  LC01 all that may leave (100: 2024A 40, 2026B 60; never the overdue 2015GQ), LC02 20 of
  its 50 2025C; each page shows the pick list and both clocks from the call;
- the keepers pick on the handheld and load at the door, each read typed on the scanner;
- at LC01 the supervisor makes the handover note and prints it at the gateway.

Then LC01's line comes back: its outbox empties with nothing refused, and sun's order, whose
2024A left on LC01's truck, takes 40 of LC02's 2025C instead (nearest depot next), sun told.
Then LC02's: its order takes the 20 it loaded, sun's new reservation gives way again and
nothing is left for the last 10. The centre has both orders as the depots made them (the
clocks from the call as typed, read in the depots' zone), what the doors loaded is gone from
the ledger (which verifies) and nothing is booked twice; the note is on LC01's order; each
gateway's page says the centre has its order, and the gateways' own pick lines give way to
the centre's at the next sync.

The SQLite run keeps the default zone (China Standard Time); on PostgreSQL every process is
configured for Asia/Urumqi (UTC+6), so a time typed at a depot is read in a zone that is not
the default. The supervisors' tablets (Chromium) are set to Europe/Berlin, neither the depots'
zone nor the test machine's: the time typed is the depot's wall clock, whatever the tablet's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import Engine

from demo.exampledata import gs1_128_label
from harness import pdfcheck
from harness.browser import chromium, saved_pdf
from harness.depot import ADMIN, Depot, ServerProcess
from harness.dispatch_stock import PASSWORD, Stocked
from harness.offline import DepotFloor, depot_floor, sign_on
from harness.orders import order_id
from harness.procs import wait_until
from kernel import depot_time
from kernel.clock import system_clock
from server.services.accounts import create_gateway_client, create_user
from server.services.verify import verify_ledger
from server.storage.db import make_engine

pytestmark = pytest.mark.browser
TABLET: ViewportSize = {"width": 768, "height": 1024}
PIN = {"wang": "318645", "zhao": "527064"}  # the supervisors' floor PINs (LC01, LC02)
KEEPER = {"LC01": "li", "LC02": "zhou"}
PLACE = "北川县安置点"  # the disaster area (harness/dispatch_stock.py), named by the callers
CENTRE_ORDER = "DB-2026-100"
MADE = {"2024A": date(2024, 4, 1), "2026B": date(2026, 5, 1), "2025C": date(2025, 2, 1)}
IN_SINCE = {"2024A": "2024-05-01", "2026B": "2026-06-01"}


@dataclass(frozen=True)
class Call:
    """A phone order as the supervisor takes it down."""

    depot: str
    supervisor: str
    caller: tuple[str, str, str]  # name, unit, number
    called_at: datetime  # in the depots' zone, to the minute (as typed)
    qty: int
    cartons: tuple[tuple[str, int], ...]  # (batch, qty) as picked and loaded, FIFO

    @property
    def number(self) -> str:
        return f"TEL-{self.depot}-{self.called_at:%Y%m%d}-001"


@pytest.fixture
def zone(db_url: str) -> str:
    """The depots' zone as the processes are configured: "" (the default) on SQLite."""
    return "Asia/Urumqi" if db_url.startswith("postgresql") else ""


@pytest.fixture
def engine(depot: Depot) -> Iterator[Engine]:
    made = make_engine(depot.db_url)
    yield made
    made.dispose()


@pytest.fixture
def lc02_token(engine: Engine) -> str:
    return create_gateway_client(engine, "gateway-LC02", "LC02", now=system_clock())


@pytest.fixture
def people(engine: Engine, stocked: Stocked) -> None:
    """The supervisors who take the calls, with their floor PINs, and LC02's keeper (LC01's,
    li, comes with the dispatch stock)."""
    for name, depot in (("wang", "LC01"), ("zhao", "LC02")):
        create_user(engine, name, PASSWORD, role="supervisor", warehouse=depot,
                    floor_pin=PIN[name], now=system_clock())  # fmt: skip
    create_user(engine, "zhou", PASSWORD, role="keeper", warehouse="LC02", now=system_clock())


def ready(floor: DepotFloor, supervisor: str, batch: str, qty: int) -> bool:
    """The gateway holds the centre's stock of `batch` and the supervisor's floor PIN."""
    stock = floor.gateway.book(
        "SELECT sum(qty) FROM stock WHERE batch=? AND status='available'", batch
    )
    people = floor.gateway.book("SELECT count(*) FROM floor_people WHERE username=?", supervisor)
    return stock == [(qty,)] and people == [(1,)]


def record(page: Page, call: Call, item: str) -> None:
    """The supervisor takes the call down on the floor pages and records it."""
    page.click("text=记录电话调拨指令")
    name, unit, phone = call.caller
    for field, value in (("caller_name", name), ("caller_unit", unit), ("caller_phone", phone),
                         ("destination", PLACE),
                         ("called_at", call.called_at.strftime("%Y-%m-%dT%H:%M"))):  # fmt: skip
        page.fill(f"#{field}", value)
    page.locator("input[name=item]").first.fill(item)
    page.locator("input[name=qty]").first.fill(str(call.qty))
    page.click("form.call button[type=submit]")
    page.wait_for_url(f"**/floor/phone-orders/{call.number}")


def pick_list(page: Page) -> list[tuple[str, ...]]:
    """The order page's pick list: location, item, batch, quantity, done."""
    rows = page.locator("#picks tbody tr")
    return [tuple(rows.nth(n).inner_text().split("\t")) for n in range(rows.count())]


def clocks_shown(page: Page, call: Call) -> None:
    """Both clocks on the order's page, from the call: 8 hours and 48 hours."""
    first = page.locator("#first-batch").inner_text()
    written = page.locator("#written-order").inner_text()
    assert f"{call.called_at + timedelta(hours=8):%Y-%m-%d %H:%M}" in first, first
    assert "剩余" in first and "left" in first  # not late: the call was minutes ago
    assert f"{call.called_at + timedelta(hours=48):%Y-%m-%d %H:%M}" in written, written


def pick_and_load(floor: DepotFloor, call: Call, gtin: str) -> None:
    """The keeper picks the order on the handheld and loads it at door D01, a carton a read."""
    hand, door = floor.handheld, floor.door
    assert floor.card(hand, f"EMP:{KEEPER[floor.code]}").result == "ok"
    started = floor.card(hand, f"CMD:PICK:{call.number}")
    assert started.result == "ok" and started.task is not None, started
    assert started.task["next"]["batch"] == call.cartons[0][0]  # FIFO: the oldest first
    for batch, qty in call.cartons:
        answer = floor.read(hand, gs1_128_label(gtin, batch, MADE[batch], qty))
        assert answer.result == "ok", answer
    assert "Order fully picked" in answer.text_en, answer
    assert floor.card(door, f"EMP:{KEEPER[floor.code]}").result == "ok"
    assert floor.card(door, f"CMD:LOAD:{call.number}").result == "ok"
    for batch, qty in call.cartons:
        answer = floor.read(door, gs1_128_label(gtin, batch, MADE[batch], qty))
        assert answer.result == "ok", answer
    done = floor.card(door, "CMD:DONE")
    assert done.result == "ok" and "fully loaded" in done.text_en, done


TRUCK = {"carrier": "绵阳运输公司", "driver": "赵师傅", "phone": "13800000000",
         "plate": "川B12345", "receiver": "北川县应急管理局"}  # fmt: skip


def hand_over(page: Page) -> str:
    """The supervisor fills in the truck on the order's page and makes the note: its number."""
    assert page.input_value("#receiver") == PLACE  # the destination, as the call named it
    for field, value in TRUCK.items():
        page.fill(f"#{field}", value)
    page.click("#handovers form button[type=submit]")
    page.wait_for_selector("#notes a")
    return page.locator("#notes a").inner_text()


def delivered(floor: DepotFloor) -> bool:
    """Nothing left in the gateway's outbox to send."""
    return floor.outbox("pending") == 0


def back(line: ServerProcess, floor: DepotFloor) -> None:
    """The depot's line to the centre is back: all it kept goes, none of it refused."""
    line.start()
    wait_until(partial(delivered, floor), 60, f"{floor.code}'s outbox delivered")
    refused = floor.gateway.book(
        "SELECT event_id, type, last_error FROM outbox WHERE state <> 'sent'"
    )
    assert refused == [], refused


def told(person: httpx.Client) -> list[tuple[int, str]]:
    """What the person was told: each a reservation of their order that a phone order took
    (the order's id, and what took it)."""
    rows = person.get("/api/v1/notifications").json()["rows"]
    assert {r["kind"] for r in rows} <= {"reservation_taken"}, rows
    return [(r["order_id"], r["detail"]["basis"]) for r in rows]


def gave_way(floor: DepotFloor) -> bool:
    """The pick lines of the orders made at the depot have given way to the centre's."""
    return floor.gateway.book("SELECT count(*) FROM pick_lines WHERE id < 0") == [(0,)]


def to_pick(floor: DepotFloor, order: str) -> list[tuple[str, str, int]]:
    """The order's pick list at the depot's gateway, summed by (location, batch)."""
    return floor.gateway.book(
        "SELECT location, batch, sum(qty) FROM pick_lines WHERE order_no=? GROUP BY 1, 2", order
    )


def held(client: httpx.Client, depot: str) -> dict[tuple[str, str, str], int]:
    """What the ledger says the depot holds: (location, batch, status) -> quantity."""
    rows = client.get("/api/v1/stock", params={"warehouse": depot, "limit": 1000}).json()["rows"]
    return {(r["location"], r["batch"], r["status"]): r["qty"] for r in rows}


def by_stack(order: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    """An order's picks, summed by (depot, location, batch), the stacks left out once empty."""
    found: Counter[tuple[str, str, str]] = Counter()
    for p in order["picks"]:
        found[(p["warehouse"], p["location"], p["batch"])] += p["qty"]
    return +found


def test_a_dispatch_goes_ahead_at_two_depots_cut_off_while_the_centre_plans_on(
    depot: Depot,
    stocked: Stocked,
    people: None,
    engine: Engine,
    lc02_token: str,
    zone: str,
    tmp_path: Path,
) -> None:
    env = {depot_time.ENV: zone}
    here = ZoneInfo(zone or depot_time.DEFAULT)
    item = stocked.item
    now = datetime.now(here).replace(second=0, microsecond=0)
    calls = (
        Call("LC01", "wang", ("刘局长", "北川县应急管理局", "0816-4822110"),
             now - timedelta(minutes=50), 100,
             (("2024A", 20), ("2024A", 20), ("2026B", 20), ("2026B", 20), ("2026B", 20))),
        Call("LC02", "zhao", ("王科长", "绵阳市应急管理局", "0816-2221234"),
             now - timedelta(minutes=35), 20, (("2025C", 20),)),
    )  # fmt: skip
    for folder in ("LC01-line", "LC02-line", "centre"):
        (tmp_path / folder).mkdir()
    with ExitStack() as stack:
        lines = {}  # the server process each depot reaches the centre through: its line
        for code in ("LC01", "LC02"):
            lines[code] = ServerProcess(depot.db_url, tmp_path / f"{code}-line", env=env).start()
            stack.callback(lines[code].stop)
        centre = ServerProcess(depot.db_url, tmp_path / "centre", env=env).start()
        stack.callback(centre.stop)
        floors: dict[str, DepotFloor] = {}
        for code, token in (("LC01", depot.gateway_token), ("LC02", lc02_token)):
            started = depot_floor(tmp_path / code, code, lines[code].url, token, env)
            floors[code] = stack.enter_context(started)
        for code, supervisor, batch, qty in (("LC01", "wang", "2026B", 60),
                                             ("LC02", "zhao", "2025C", 50)):  # fmt: skip
            wait_until(partial(ready, floors[code], supervisor, batch, qty), 30,
                       f"{code}'s gateway holding the centre's stock and people")  # fmt: skip

        # The depots are cut off; the centre works on. sun plans 40 near LC01: LC01's 2024A.
        for line in lines.values():
            line.stop()
        with centre.login(("sun", PASSWORD)) as sun:
            made = sun.post("/api/v1/dispatch/orders", json={
                "number": CENTRE_ORDER, "kind": "emergency", "basis": "调拨通知 2026-100",
                "destination": PLACE, "place": stocked.place,
                "lines": [{"item": item.code, "qty": 40}]})  # fmt: skip
            assert made.status_code == 201, made.text
            sun_order = made.json()
        assert by_stack(sun_order) == {("LC01", "D01", "2024A"): 40}

        browser = stack.enter_context(chromium())
        pages = {code: floor_page(browser, floors[code], call) for code, call in
                 zip(floors, calls, strict=True)}  # fmt: skip

        # Each supervisor takes the call down: the depot plans it over its own stock, FIFO.
        for call in calls:
            page = pages[call.depot]
            record(page, call, item.code)
            clocks_shown(page, call)
            assert "尚未报送中心" in page.locator("#sent").inner_text()
        assert pick_list(pages["LC01"]) == [
            ("D01", item.code, "2024A", "40", "0"),  # what sun's order took, unknown here
            ("D01", item.code, "2026B", "60", "0"),  # never the overdue 2015GQ
        ]
        assert pick_list(pages["LC02"]) == [("D01", item.code, "2025C", "20", "0")]

        # The keepers pick and load at the doors.
        for call in calls:
            pick_and_load(floors[call.depot], call, item.gtin)
            page = pages[call.depot]
            page.reload()
            assert all(row[3] == row[4] for row in pick_list(page)), pick_list(page)

        # LC01's supervisor makes the handover note for the truck and prints it.
        lc01, tel01 = pages["LC01"], calls[0].number
        note = hand_over(lc01)
        assert note == f"JJ-{tel01}-LC01-G1"
        assert "待报送中心" in lc01.locator("#notes").inner_text()
        paper = pdfcheck.text(saved_pdf(lc01, "#notes a", tmp_path / "note.pdf"))
        lc01_name = next(w.name_zh for w in depot.example.warehouses if w.code == "LC01")
        for shown in (note, f"{tel01}（电话指令，书面调拨通知待补）", lc01_name, PLACE,
                      item.name_zh, *TRUCK.values(),
                      f"40\n\n{IN_SINCE['2024A']}\n\n批次 2024A",  # qty, in since, remark
                      f"60\n\n{IN_SINCE['2026B']}\n\n批次 2026B"):  # fmt: skip
            assert shown in paper, (shown, paper)

        # LC01's line is back first: its order, events and note go to the centre. LC01 shipped
        # the 2024A sun's order had: the order takes LC02's 2025C instead, nearest first.
        back(lines["LC01"], floors["LC01"])
        with centre.login(("sun", PASSWORD)) as sun:
            shown = sun.get(f"/api/v1/dispatch/orders/{sun_order['id']}").json()
            assert by_stack(shown) == {("LC02", "D01", "2025C"): 40}
            assert shown["lines"][0]["shortfall"] == 0
            assert told(sun) == [(sun_order["id"], f"phone order {tel01}")]

        # Then LC02's: its order takes the 2025C it shipped, of which sun's now held 40 of
        # 50. sun's order gives way again, and nothing is left anywhere for the last 10.
        back(lines["LC02"], floors["LC02"])
        with centre.login(("sun", PASSWORD)) as sun:
            for call in calls:
                tel = sun.get(f"/api/v1/dispatch/orders/{order_id(engine, call.number)}").json()
                centre_has(tel, call, item.code)
            shown = sun.get(f"/api/v1/dispatch/orders/{sun_order['id']}").json()
            assert by_stack(shown) == {("LC02", "D01", "2025C"): 30}
            assert shown["lines"][0]["shortfall"] == 10
            assert sorted(told(sun)) == [(sun_order["id"], f"phone order {call.number}")
                                         for call in calls]  # fmt: skip
            lc01_tel = sun.get(f"/api/v1/dispatch/orders/{order_id(engine, tel01)}").json()
            assert [(n["number"], n["plate"]) for n in lc01_tel["handovers"]] == [
                (note, "川B12345")
            ]
        with centre.login(ADMIN) as admin:
            # what the doors loaded has left; the rest is sun's, or may not leave
            assert held(admin, "LC01") == {("D01", "2015GQ", "available"): 30}
            assert held(admin, "LC02") == {("D01", "2025C", "reserved"): 30}
        assert verify_ledger(engine).ok

        # At the depots: the centre has the orders; their own lines give way to the centre's.
        for call in calls:
            floor, page = floors[call.depot], pages[call.depot]
            wait_until(partial(gave_way, floor), 30,
                       f"{call.depot}'s own pick lines giving way to the centre's")  # fmt: skip
            page.reload()
            assert "中心已收到此指令" in page.locator("#sent").inner_text()
            assert all(row[3] == row[4] for row in pick_list(page)), pick_list(page)
        assert "中心已收到" in lc01.locator("#notes").inner_text()
        # sun's order, planned again, reaches the depot that now gives it
        wait_until(lambda: to_pick(floors["LC02"], CENTRE_ORDER) == [("D01", "2025C", 30)],
                   30, f"{CENTRE_ORDER}'s pick list at LC02's gateway")  # fmt: skip


def floor_page(browser: Browser, floor: DepotFloor, call: Call) -> Page:
    """The supervisor's tablet at the depot, signed on to its gateway's floor pages (a browser
    context of its own: the cookies of two gateways on one host would meet otherwise)."""
    context = browser.new_context(viewport=TABLET, locale="zh-CN", timezone_id="Europe/Berlin")
    page = context.new_page()
    sign_on(page, floor.gateway.url, call.supervisor, PIN[call.supervisor])
    return page


def centre_has(order: dict[str, Any], call: Call, item: str) -> None:
    """The order the depot made, as the centre keeps it: the call, its clocks from the call
    as typed at the depot, and the stacks it planned all loaded."""
    called = call.called_at
    assert (order["number"], order["kind"], order["depot"]) == (call.number, "emergency",
                                                                call.depot)  # fmt: skip
    made = order["made_at_depot"]
    assert (made["depot"], made["recorded_by"]) == (call.depot, call.supervisor)
    assert tuple(made["caller"].values()) == call.caller
    assert datetime.fromisoformat(order["notified_at"]) == called
    assert datetime.fromisoformat(order["first_batch_due"]) == called + timedelta(hours=8)
    assert datetime.fromisoformat(order["written_order_due"]) == called + timedelta(hours=48)
    assert [(x["item"], x["qty"], x["shortfall"]) for x in order["lines"]] == [(item, call.qty, 0)]
    loaded: Counter[str] = Counter()
    for batch, qty in call.cartons:
        loaded[batch] += qty
    assert {p["batch"]: (p["qty"], p["loaded"]) for p in order["picks"]} == {
        batch: (qty, qty) for batch, qty in loaded.items()
    }
