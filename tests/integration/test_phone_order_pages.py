"""The gateway's floor pages for a phone order taken while the depot cannot reach the centre:
only a supervisor records one, every problem of the form is shown beside its field in Chinese
and English, a recorded order's page shows its pick list and both clocks, and the floor's
overview links it. The forms are protected like every floor form."""

from __future__ import annotations

import io
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import cv2
import pypdf
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from edge.decode import decode_barcode
from gateway.domain.floor import Load
from gateway.entrypoints.floor_web import COOKIE, FloorContext, create_floor_app
from gateway.entrypoints.metrics import Gauges, IntakeMetrics
from gateway.services import floor_pages
from gateway.storage import server_copy
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore, insert_outbox
from harness.depot_copy import answer
from kernel.passwords import hash_password

NOW = 1_796_175_000.0  # 2026-12-02 09:30 at the depot (UTC+8)
PIN = "2468-1357"


def gauges() -> Gauges:
    return Gauges(0, 0, None, None, 10 * 1024**3, False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        server_copy.apply_sync(db, answer(), started=0.0)
        db.executemany(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            [("zhao", "Zhao Lei", "supervisor", hash_password(PIN)),
             ("wang", "Wang Fang", "keeper", hash_password(PIN))],
        )  # fmt: skip
    yield kept
    kept.close()


def browser(store: GatewayStore, who: str) -> TestClient:
    """Signed on as `who` at the depot's clock NOW, sending the Origin a browser sends."""
    client = TestClient(
        create_floor_app(
            FloorContext(
                "LC01", store, IntakeMetrics(), gauges, lambda: datetime.fromtimestamp(NOW, UTC)
            )
        ),
        headers={"Origin": "http://testserver"},
    )
    token = floor_pages.sign_on(store, who, PIN, NOW)
    assert token is not None
    client.cookies.set(COOKIE, token)
    return client


def token_on(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found, page
    return found.group(1)


CALL = {
    "caller_name": "王建国",
    "caller_unit": "绵阳市应急管理局",
    "caller_phone": "0816-2221234",
    "notice": "",
    "destination": "北川县擂鼓镇安置点",
    "called_at": "2026-12-02T09:10",
}


def test_a_supervisor_records_a_call_and_the_floor_gets_its_pick_list(
    store: GatewayStore,
) -> None:
    client = browser(store, "zhao")
    assert "记录电话调拨指令" in client.get("/floor").text
    form = {**CALL, "csrf_token": token_on(client, "/floor/phone-orders/new"),
            "item": ["ZS-0001", "CQ-0001"], "qty": ["50", "5"]}  # fmt: skip
    sent = client.post("/floor/phone-orders", data=form, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == "/floor/phone-orders/TEL-LC01-20261202-001"
    shown = client.get(sent.headers["location"]).text
    picks = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>"
                       r'<td class="num">(\d+)</td>', shown)  # fmt: skip
    assert picks == [("A-01-02", "ZS-0001", "2021B02", "30"),
                     ("A-01-05", "ZS-0001", "2022C03", "20")]  # fmt: skip
    # the quilts the depot holds are overdue without a re-inspection: the centre must help
    assert "CQ-0001 缺 5" in shown and "CQ-0001 5" in shown
    # both clocks from the call at 09:10: 8 h (7 h 40 min left at 09:30) and 48 h
    first = shown.split('id="first-batch"', 1)[1].split("</tr>", 1)[0]
    assert "2026-12-02 17:10" in first and "剩余 7 小时 40 分" in first
    assert "2026-12-04 09:10" in shown.split('id="written-order"', 1)[1]
    # the floor's overview lists it with the centre's pick lists, linked
    overview = client.get("/floor/partials/overview").text
    assert 'href="/floor/phone-orders/TEL-LC01-20261202-001"' in overview


def test_each_problem_is_shown_beside_its_field(store: GatewayStore) -> None:
    client = browser(store, "zhao")
    form = {**CALL, "caller_phone": "call me", "called_at": "2026-12-02T10:30",
            "csrf_token": token_on(client, "/floor/phone-orders/new"),
            "item": ["ZS-0001", "XX-9"], "qty": ["0", "3"]}  # fmt: skip
    answered = client.post("/floor/phone-orders", data=form)
    assert answered.status_code == 422
    page = answered.text
    for field, zh in [("caller_phone", "请填写来电号码"), ("called_at", "来电时间不能晚于现在"),
                      ("line-0", "数量为 1 到"), ("line-1", "没有物资 XX-9")]:  # fmt: skip
        assert f'id="{field}-error"' in page and zh in page.split(f'id="{field}-error"')[1][:200]
    assert 'value="北川县擂鼓镇安置点"' in page  # what was typed is kept
    with store.transaction() as db:
        assert db.execute("SELECT count(*) FROM phone_orders").fetchone()[0] == 0


def test_only_a_supervisor_records_a_phone_order(store: GatewayStore) -> None:
    keeper = browser(store, "wang")
    assert "记录电话调拨指令" not in keeper.get("/floor").text
    assert keeper.get("/floor/phone-orders/new").status_code == 403
    token = token_on(keeper, "/floor")
    form = {**CALL, "csrf_token": token, "item": ["ZS-0001"], "qty": ["5"]}
    refused = keeper.post("/floor/phone-orders", data=form)
    assert refused.status_code == 403 and "只有主管" in refused.json()["detail_zh"]


def test_the_form_is_refused_without_its_token_or_from_another_site(store: GatewayStore) -> None:
    client = browser(store, "zhao")
    form = {**CALL, "item": ["ZS-0001"], "qty": ["5"]}
    assert client.post("/floor/phone-orders", data=form).status_code == 403
    token = token_on(client, "/floor/phone-orders/new")
    forged = client.post("/floor/phone-orders", data={**form, "csrf_token": token},
                         headers={"Origin": "http://evil.example"})  # fmt: skip
    assert forged.status_code == 403
    with store.transaction() as db:
        assert db.execute("SELECT count(*) FROM phone_orders").fetchone()[0] == 0


NOTE = {"carrier": "北川县运输公司", "driver": "李强", "phone": "139 0816 5678",
        "plate": "川B·12345", "receiver": "北川县应急管理局"}  # fmt: skip


def test_after_loading_a_supervisor_prints_the_handover_note_at_the_depot(
    store: GatewayStore,
) -> None:
    client = browser(store, "zhao")
    form = {**CALL, "csrf_token": token_on(client, "/floor/phone-orders/new"),
            "item": ["ZS-0001"], "qty": ["50"]}  # fmt: skip
    number = (
        client.post("/floor/phone-orders", data=form, follow_redirects=False)
        .headers["location"]
        .rsplit("/", 1)[1]
    )
    page = f"/floor/phone-orders/{number}"
    token = token_on(client, page)
    early = client.post(f"{page}/handovers", data={**NOTE, "csrf_token": token})
    assert early.status_code == 422 and "尚未装车" in early.text  # nothing loaded yet
    with store.transaction() as db:  # 30 of 2021B02 loaded at a door
        book = Book(db)
        line = next(x for x in book.pick_lines(number) if x.batch == "2021B02")
        insert_outbox(db, [("e-load", "loading", {"event_id": "e-load"})], NOW)
        book.record_load(Load("e-load", line.id, 30, "LC01-D02-FIX1", NOW, "2021B02"))
    missing = client.post(f"{page}/handovers", data={**NOTE, "plate": "", "csrf_token": token})
    assert missing.status_code == 422 and 'id="plate-error"' in missing.text
    assert 'value="北川县运输公司"' in missing.text  # what was typed is kept
    made = client.post(f"{page}/handovers", data={**NOTE, "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert made.status_code == 303, made.text
    note = f"JJ-{number}-LC01-G1"
    shown = client.get(page).text
    assert f'href="/floor/handovers/{note}.pdf"' in shown
    assert shown.count('id="handovers"') == 1 and shown.count('name="plate"') == 1
    pdf = client.get(f"/floor/handovers/{note}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for shown in (note, "单帐篷", "批次 2021B02", "30", "川B·12345", "李强",
                  f"{number}（电话指令，书面调拨通知待补）", "北川县擂鼓镇安置点"):  # fmt: skip
        assert shown in text, shown
    with store.transaction() as db:  # it goes to the centre behind the load it hands over
        queued = db.execute("SELECT event_id, type FROM outbox ORDER BY id").fetchall()
    assert queued[-2:] == [("e-load", "loading"), (note, "handover")]
    keeper = browser(store, "wang")  # a keeper prints it, but does not make one
    assert keeper.get(f"/floor/handovers/{note}.pdf").status_code == 200
    assert "开具交接单" not in keeper.get(page).text
    assert client.get("/floor/handovers/JJ-NONE-LC01-G1.pdf").status_code == 404


def test_an_order_recorded_by_mistake_is_withdrawn_before_anyone_acts_on_it(
    store: GatewayStore,
) -> None:
    client = browser(store, "zhao")
    form = {**CALL, "csrf_token": token_on(client, "/floor/phone-orders/new"),
            "item": ["ZS-0001"], "qty": ["50"]}  # fmt: skip
    first = client.post("/floor/phone-orders", data=form, follow_redirects=False)
    number = first.headers["location"].rsplit("/", 1)[1]
    page = f"/floor/phone-orders/{number}"
    token = token_on(client, page)
    assert 'action="/floor/phone-orders/' + number + '/withdraw"' in client.get(page).text
    gone = client.post(f"{page}/withdraw", data={"reason": "数量记错", "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert gone.status_code == 303
    shown = client.get(page).text
    assert "已撤销：数量记错（zhao）" in shown and "本库没有可发的库存" in shown  # no pick list
    with store.transaction() as db:
        state = db.execute("SELECT state FROM outbox WHERE event_id = ?", (number,)).fetchone()
    assert state == ("withdrawn",)  # it never goes to the centre
    assert store.due(10) == []
    # what it planned is free again: the next order takes the same stacks
    again = client.post("/floor/phone-orders", data=form, follow_redirects=False)
    second = again.headers["location"].rsplit("/", 1)[1]
    assert second.endswith("-002")
    with store.transaction() as db:
        planned = [(x.batch, x.qty) for x in Book(db).pick_lines(second)]
    assert planned == [("2021B02", 30), ("2022C03", 20)]
    # once loaded from (or with the centre), it is withdrawn no more: the centre cancels it
    with store.transaction() as db:
        book = Book(db)
        line = book.pick_lines(second)[0]
        insert_outbox(db, [("e-load", "loading", {"event_id": "e-load"})], NOW)
        book.record_load(Load("e-load", line.id, 5, "LC01-D02-FIX1", NOW, "2021B02"))
    late = client.post(f"/floor/phone-orders/{second}/withdraw",
                       data={"reason": "x", "csrf_token": token})  # fmt: skip
    assert late.status_code == 409 and "不能撤销" in late.json()["detail_zh"]
    keeper = browser(store, "wang")
    form = {"reason": "x", "csrf_token": token_on(keeper, "/floor")}
    refused = keeper.post(f"/floor/phone-orders/{second}/withdraw", data=form)
    assert refused.status_code == 403


def test_the_pick_list_prints_with_task_cards_the_doors_scan(
    store: GatewayStore, tmp_path: Path
) -> None:
    client = browser(store, "zhao")
    form = {**CALL, "csrf_token": token_on(client, "/floor/phone-orders/new"),
            "item": ["ZS-0001", "CQ-0001"], "qty": ["50", "5"]}  # fmt: skip
    number = (
        client.post("/floor/phone-orders", data=form, follow_redirects=False)
        .headers["location"]
        .rsplit("/", 1)[1]
    )
    page = client.get(f"/floor/phone-orders/{number}").text
    assert f'href="/floor/phone-orders/{number}/pick-list.pdf"' in page
    pdf = client.get(f"/floor/phone-orders/{number}/pick-list.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for shown in (number, "A-01-02", "2021B02", "30 顶", "A-01-05", "2022C03", "20 顶",
                  "单帐篷", "本库缺 Short: 棉被 5", "王建国", "2026-12-02 09:10",
                  "2026-12-02 17:10", "2026-12-04 09:10"):  # fmt: skip
        assert shown in text, shown
    # the cards, printed and scanned as a door's scanner reads them
    (tmp_path / "list.pdf").write_bytes(pdf.content)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "list.pdf"), str(tmp_path / "list")], check=True)  # fmt: skip
    image = cv2.imread(str(next(tmp_path.glob("list*.png"))), cv2.IMREAD_GRAYSCALE)
    read = [decode_barcode(code.bytes) for code in zxingcpp.read_barcodes(image)]
    assert sorted(r.data.command or "" for r in read if r.valid) == [
        f"LOAD:{number}",
        f"PICK:{number}",
    ]
    assert client.get("/floor/phone-orders/TEL-LC01-20261202-099/pick-list.pdf").status_code == 404
