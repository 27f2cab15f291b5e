"""Inbound notices and receiving in the browser (art. 8), start to finish on a real server,
gateway and station: a keeper creates a notice on a 768 px tablet with the keyboard, goods are
scanned at the door by the station process, the notice's page shows the received quantity
without a reload, and the keeper closes it. The refusals are shown to the person: a field out
of its bounds beside the field in both languages, a refusal of the rules as the next step, a
closing not confirmed; an auditor sees the notices read-only, with no form, and a POST of the
form from their page is refused (403). The screenshots docs/screenshots/inbound-notice.png
and inbound-form-error.png are taken here (DEPOT_SCREENSHOTS=docs/screenshots to refresh it)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page

from demo.exampledata import gs1_128_label
from harness.browser import chromium, log_in
from harness.depot import (
    ADMIN,
    Depot,
    EdgeProcess,
    GatewayProcess,
    PtyScanner,
    ServerProcess,
)
from harness.procs import wait_until
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
SUPPLIERS = "code,name,contact,phone\nSUP-01,绵阳救灾物资厂,王,13700000000\n".encode()
TABLET = {"width": 768, "height": 1024}


def gateway_knows(gateway: GatewayProcess, number: str) -> bool:
    """The gateway has the notice from its sync (its doors count against it)."""
    with contextlib.closing(sqlite3.connect(gateway.database)) as db:
        found = db.execute("SELECT 1 FROM notices WHERE number = ?", (number,)).fetchone()
    return found is not None


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_keeper_runs_a_notice_from_creation_to_closing(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "li", PASSWORD, role="keeper", warehouse="LC01", now=system_clock())
    create_user(engine, "qian", PASSWORD, role="auditor", warehouse=None, now=system_clock())
    engine.dispose()
    with server.login(ADMIN) as admin:
        files = {"file": ("suppliers.csv", SUPPLIERS, "text/csv")}
        assert admin.post("/api/v1/master/suppliers", files=files).status_code == 200
    item = depot.example.items[3]
    number = "RK-2026-118"

    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(page, server.url, "li", PASSWORD)
        page.click("nav >> text=入库通知")
        page.wait_for_selector("#notice-form")
        assert no_horizontal_scroll(page)

        # with the keyboard: each field's label names it, Tab goes on in reading order
        page.focus("#f-number")
        page.keyboard.type(number)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-supplier"
        page.select_option("#f-supplier", "SUP-01")
        page.fill("#f-expected_on", "2026-12-03")
        page.focus("#f-lines-0-item")
        page.keyboard.type(item.code)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-lines-0-qty"
        page.keyboard.type("0")  # below the API's bound (Qty: at least 1)
        page.keyboard.press("Enter")

        # the field's error beside it, in both languages; what was typed is still there
        error = page.locator("#e-f-lines-0-qty")
        error.wait_for()
        assert error.inner_text() == "不能小于 1 at least 1"
        assert page.get_attribute("#f-lines-0-qty", "aria-invalid") == "true"
        assert page.input_value("#f-lines-0-item") == item.code
        assert page.input_value("#f-number") == number
        assert page.input_value("#f-supplier") == "SUP-01"
        assert "第 1 行" in page.locator("#form-errors").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "inbound-form-error.png"), full_page=True)

        page.fill("#f-lines-0-qty", "50")
        page.focus("#f-lines-0-qty")
        page.keyboard.press("Enter")
        page.wait_for_selector("#notice-lines")
        assert "已创建入库通知" in page.locator("#message").inner_text()
        assert number in page.locator("h2").inner_text()
        received = page.locator(f'#notice-lines tr[data-item="{item.code}"] .received')
        assert received.inner_text() == "0"

        # goods read at the door by the station process, counted against the notice
        wait_until(lambda: gateway_knows(gateway, number), 20, "the gateway's copy of the notice")
        page.locator("#live-state.on").wait_for(timeout=10_000)
        page.evaluate("window.notReloaded = true")
        scanner.scan(gs1_128_label(item.gtin, "2026RK", date(2026, 9, 1), 30))
        page.wait_for_function(
            "document.querySelector('#notice-lines .received').textContent === '30'",
            timeout=20_000,
        )
        assert page.evaluate("window.notReloaded") is True
        row = page.locator(f'#notice-lines tr[data-item="{item.code}"]').inner_text()
        assert row.split()[-1] == "20"  # still due
        assert no_horizontal_scroll(page)
        fits = "(t => t.scrollWidth <= t.parentElement.clientWidth)"
        assert page.evaluate(f"{fits}(document.querySelector('#notice-lines'))")
        page.screenshot(path=str(SHOTS / "inbound-notice.png"), full_page=True)
        # the page reloaded shows it once only
        page.reload()
        assert page.locator("#message").count() == 0

        # closing asks for the box ticked; the refusal says what to do
        page.click("#close")
        page.wait_for_selector("#message[data-reason=unconfirmed]")
        assert "请先勾选确认框" in page.locator("#message").inner_text()
        page.check("#confirm")
        page.click("#close")
        page.wait_for_selector("#notice-state[data-status=closed]")
        assert "已关闭入库通知" in page.locator("#message").inner_text()
        assert page.locator("#close-form").count() == 0
        wait_until(lambda: not gateway_open(gateway, number), 20, "the gateway's notice closed")

        # the same number again: the rule's refusal as the next step, the form as typed
        page.click("nav >> text=入库通知")
        page.fill("#f-number", number)
        page.fill("#f-lines-0-item", item.code)
        page.fill("#f-lines-0-qty", "5")
        page.click("#create")
        refusal = page.locator("#refusal[data-reason=duplicate_number]")
        refusal.wait_for()
        assert "编号已被使用，请换一个编号" in refusal.inner_text()
        assert "that number is taken" in refusal.inner_text()
        assert page.input_value("#f-lines-0-qty") == "5"
        assert page.locator(f'#notices tr[data-notice="{number}"]').count() == 1

        # an auditor reads the notices, with no form; the form's POST is refused
        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server.url, "qian", PASSWORD)
        other.goto(f"{server.url}/inbound")
        other.locator(f'#notices tr[data-notice="{number}"]').wait_for()
        assert other.locator("#notice-form").count() == 0
        other.click(f"#notices >> text={number}")
        other.wait_for_selector("#notice-lines")
        assert other.locator("#close-form").count() == 0
        status = other.evaluate(
            """async (item) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token, number: 'RK-X',
                    warehouse: 'LC01', 'lines.0.item': item, 'lines.0.qty': '5'});
                const answer = await fetch('/inbound', {method: 'POST', body});
                return answer.status;
            }""",
            item.code,
        )
        assert status == 403
        other.goto(f"{server.url}/inbound")
        assert other.locator('#notices tr[data-notice="RK-X"]').count() == 0
        # the page's actions are in the audit trail, as the API's are
        other.goto(f"{server.url}/audit?actor=li")
        trail = other.locator("main table").inner_text()
        assert "inbound_notice_close" in trail
        assert trail.count(number) == 2  # created and closed, by li


def gateway_open(gateway: GatewayProcess, number: str) -> bool:
    with contextlib.closing(sqlite3.connect(gateway.database)) as db:
        found = db.execute(
            "SELECT 1 FROM notices WHERE number = ? AND status = 'open'", (number,)
        ).fetchone()
    return found is not None
