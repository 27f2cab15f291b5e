"""The gateway's floor pages for a phone order taken while the depot cannot reach the centre:
only a supervisor records one, every problem of the form is shown beside its field in Chinese
and English, a recorded order's page shows its pick list and both clocks, and the floor's
overview links it. The forms are protected like every floor form."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.entrypoints.floor_web import COOKIE, FloorContext, create_floor_app
from gateway.entrypoints.metrics import Gauges, IntakeMetrics
from gateway.services import floor_pages
from gateway.storage import server_copy
from gateway.storage.store import GatewayStore
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
