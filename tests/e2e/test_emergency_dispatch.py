"""An emergency dispatch as a depot does it, start to finish, on PostgreSQL with the real
processes (the server, Mosquitto, LC01's gateway) and Chromium: stock received and accepted
at LC01's door D01 (tests/harness/dispatch_stock.py) and put away on a handheld; the bureau's
dispatcher takes a phone order on the dispatch screen, from the allocation preview; LC01's
gateway gets the pick list by its sync; the keeper picks it on a handheld and loads it at door
D01's fixed scanner (the floor's reads played on the broker, tests/harness/floor.py); the
order's page shows the load without a reload; at the door the keeper issues the handover
note from the loaded lines, prints it and records the receiver's confirmation; the order's
page lists the note. Each step asserts what the person sees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from harness import pdfcheck
from harness.browser import chromium, log_in, saved_pdf
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.dispatch_stock import PASSWORD, Stocked
from harness.floor import Floor
from harness.mosquitto import Mosquitto
from harness.postgres import PostgresCluster
from harness.procs import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
TABLET = {"width": 768, "height": 1024}
NUMBER = "YJ-2026-08"  # printed on the pick and load task cards: CMD:PICK:YJ-2026-08
BATCH, MADE = "2024A", date(2024, 4, 1)  # LC01's oldest batch that may leave (FIFO)
HANDHELD, DOOR = "LC01-HH1", "LC01-D01-FIX1"


@pytest.fixture
def db_url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.new_database()


@pytest.fixture
def floor(broker: Mosquitto, depot: Depot, stocked: Stocked) -> Iterator[Floor]:
    floor = Floor(broker, depot, stocked.item)
    yield floor
    floor.client.close()


def test_an_emergency_order_placed_picked_loaded_handed_over_and_received(
    depot: Depot,
    server: ServerProcess,
    stocked: Stocked,
    gateway: GatewayProcess,
    floor: Floor,
    tmp_path: Path,
) -> None:
    # Setup: LC01's batch 2024A (40, received and accepted at D01) put away on a handheld,
    # in cartons of ten, where the gateway suggests; the server knows where it stands.
    wait_until(
        lambda: (
            gateway.book("SELECT sum(qty) FROM stock WHERE batch=? AND status='available'", BATCH)
            == [(40,)]
        ),
        timeout=30,
        what="the accepted batch in the gateway's book",
    )
    assert floor.badge(HANDHELD, "li").result == "ok"
    assert floor.cmd(HANDHELD, "PUTAWAY").result == "ok"
    for _ in range(4):
        offer = floor.goods(HANDHELD, BATCH, 10, MADE)
        assert offer.result == "ok" and offer.task is not None, offer
        shelf = offer.task["suggested"]
        assert floor.at(HANDHELD, shelf).result == "ok"
    with server.login(("li", PASSWORD)) as li:

        def on_shelf() -> int:
            params = {"warehouse": "LC01", "status": "available", "location": shelf}
            rows = li.get("/api/v1/stock", params=params).json()["rows"]
            return sum(r["qty"] for r in rows if r["batch"] == BATCH)

        wait_until(lambda: on_shelf() == 40, timeout=20, what="the putaway on the server")

    with chromium() as browser:
        # The dispatcher takes the phone order: the preview plans 30 of LC01's 2024A from
        # its shelf (nearest depot, first in first out; the overdue batch left out).
        desk = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(desk, server.url, "sun", PASSWORD)
        desk.click("nav >> text=调运")
        desk.click("#new-order")
        desk.fill("#f-number", NUMBER)
        desk.select_option("#f-kind", "emergency")
        desk.select_option("#f-place", stocked.place)
        desk.fill("#f-basis", "电话指令：市应急局王科长")
        desk.check("#f-phone_order")
        desk.fill("#f-lines-0-item", stocked.item.code)
        desk.fill("#f-lines-0-qty", "30")
        desk.click("#preview")
        desk.wait_for_selector("#plan")
        planned = desk.locator(f'#plan tr[data-batch="{BATCH}"]')
        assert planned.locator('input[name$=".qty"]').input_value() == "30"
        assert shelf in planned.inner_text() and "先进先出" in planned.inner_text()
        assert desk.locator(f'#plan tr[data-batch="{stocked.overdue}"]').count() == 0
        desk.click("#place")
        desk.wait_for_selector("#picks")
        assert "已下达调运单，库存已预留" in desk.locator("#message").inner_text()
        row = desk.locator("#picks tbody tr")
        assert row.count() == 1
        # location, item, batch, in since, qty, loaded
        assert row.inner_text().split("\t")[2:] == [shelf, stocked.item.code, BATCH,
                                                    "2024-05-01", "30", "0"]  # fmt: skip
        order_url = desk.url
        # the page stays open, live, and is never reloaded from here on
        desk.locator("#live-state.on").wait_for(timeout=10_000)
        desk.evaluate("window.notReloaded = true")

        # LC01's gateway gets the pick list by its sync
        wait_until(
            lambda: gateway.book("SELECT location, batch, qty, loaded FROM pick_lines "
                                 "WHERE order_no=?", NUMBER) == [(shelf, BATCH, 30, 0)],
            timeout=20,
            what="the order's pick list at LC01's gateway",
        )  # fmt: skip

        # The keeper picks on the handheld: offered the batch at its shelf, three cartons.
        start = floor.cmd(HANDHELD, f"PICK:{NUMBER}")
        assert start.result == "ok" and start.task is not None, start
        assert start.task["next"] == {"batch": BATCH, "location": shelf, "qty": 30}
        for _ in range(3):
            assert floor.goods(HANDHELD, BATCH, 10, MADE).result == "ok"

        # ...and loads them at door D01: each carton checked, the truck complete.
        assert floor.cmd(DOOR, f"LOAD:{NUMBER}", door="D01").result == "ok"
        for _ in range(3):
            assert floor.goods(DOOR, BATCH, 10, MADE, door="D01").result == "ok"
        done = floor.cmd(DOOR, "DONE", door="D01")
        assert done.result == "ok" and "fully loaded" in done.text_en, done

        # The dispatcher's page shows it loaded, without a reload.
        desk.wait_for_function(
            "document.querySelector('#picks tbody').innerText.includes('30\\t30')",
            timeout=20_000,
        )
        assert "LC01: 已装车 loaded 30 / 30" in desk.locator("#picks-h + p").inner_text()
        assert desk.evaluate("window.notReloaded") is True

        # At the door the keeper, on a tablet, fills in the note from the loaded lines.
        door = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(door, server.url, "li", PASSWORD)
        door.goto(order_url)
        door.click("#handover-note")
        door.wait_for_selector("#handover-form")
        loaded = door.locator("#loaded tbody tr").inner_text()
        assert BATCH in loaded and "30" in loaded  # what the doors loaded, never typed
        door.fill("#f-carrier", "绵阳运输公司")
        door.fill("#f-driver", "赵师傅")
        door.fill("#f-phone", "13800000000")
        door.fill("#f-plate", "川B12345")
        door.fill("#f-receiver", "北川县应急局")
        door.click("#issue")
        door.wait_for_selector("#state[data-state=issued]")
        assert "已开具交接单" in door.locator("#message").inner_text()
        note = door.locator("#number").inner_text()
        assert note == f"JJ-{NUMBER}-LC01-1"

        # Printed: the annex 2 PDF says what goes on the truck; the page's print view is
        # the paper alone.
        text = pdfcheck.text(saved_pdf(door, "#pdf", tmp_path / "note.pdf"))
        assert "市级救灾储备物资调用发货（交接）单" in text and note in text
        assert "绵阳运输公司" in text and "赵师傅" in text and "川B12345" in text
        assert "北川县应急局" in text and "北川县安置点" in text and stocked.item.name_zh in text
        # a phone order's basis: its written order is still to come (art. 19(4))
        assert f"{NUMBER}（电话指令，书面调拨通知待补）" in text
        assert "书面调拨通知待补" in door.locator("#basis").inner_text()
        assert f"30\n\n2024-05-01\n\n批次 {BATCH}" in text  # quantity, in since, remark
        door.emulate_media(media="print")
        assert door.locator("#paper").is_visible() and not door.locator("nav").is_visible()
        assert not door.locator("#confirm-form").is_visible()
        door.emulate_media(media="screen")

        # The receiver counts all 30 and signs: recorded on the page.
        door.fill("#f-received_by", "李主任")
        door.fill("#f-phone", "0816-2345678")
        door.fill("#f-lines-0-received", "30")
        door.click("#confirm")
        door.wait_for_selector("#state[data-state=confirmed]")
        assert "已记录接收确认" in door.locator("#message").inner_text()
        assert door.locator(f'#note-lines tr[data-batch="{BATCH}"] .received').inner_text() == "30"
        assert "李主任" in door.locator("#receipt").inner_text()
        assert door.locator("#confirm-form").count() == 0

        # The order's page lists the note, with its truck.
        door.goto(order_url)
        listed = door.locator("#handovers li")
        assert note in listed.inner_text() and "川B12345" in listed.inner_text()
