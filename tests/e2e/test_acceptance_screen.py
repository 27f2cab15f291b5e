"""Acceptance in the browser (art. 8, annex 1), start to finish on a real server, gateway and
stations: a keeper's inbound notice, goods scanned at the door by the station process, the
depot head (for the inspection group) opening the notice's goods waiting for acceptance on a
768 px tablet, recording the sampling, the quality report's number and its file and the
decision, printing the annex 1 record and filing the written report; then the goods put away
by a handheld, the stock's status moving from pending acceptance to available on the ledger.
The refusals are shown to the person: a sample larger than the quantity beside its field, a
report file that is no PDF or image, a second decision on goods already decided; a keeper
sees the line with no form and their post is refused (403). The screenshots
docs/screenshots/acceptance-decide.png and acceptance-record.png are taken here
(DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
from datetime import date
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page

from demo.exampledata import gs1_128_label
from harness.browser import chromium, log_in
from harness.depot import ADMIN, Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess
from harness.floor import Floor
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
SUPPLIERS = "code,name,contact,phone\nSUP-01,绵阳救灾物资厂,王,13700000000\n".encode()
TABLET = {"width": 768, "height": 1024}
BATCH, MADE, QTY = "2026YS", date(2026, 9, 1), 30
REPORT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def gateway_has(gateway: GatewayProcess, query: str) -> bool:
    with contextlib.closing(sqlite3.connect(gateway.database)) as db:
        return db.execute(query).fetchone() is not None


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_depot_head_accepts_a_notices_goods_with_the_report_and_they_are_put_away(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    broker: Mosquitto,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    engine = make_engine(depot.db_url)
    for name, role in (("li", "keeper"), ("wang", "supervisor")):
        create_user(engine, name, PASSWORD, role=role, warehouse="LC01", now=system_clock())
    engine.dispose()
    with server.login(ADMIN) as admin:
        files = {"file": ("suppliers.csv", SUPPLIERS, "text/csv")}
        assert admin.post("/api/v1/master/suppliers", files=files).status_code == 200
    item = depot.example.items[3]
    number = "RK-2026-201"
    with server.login(("li", PASSWORD)) as li:
        notice = {"number": number, "warehouse": "LC01", "supplier": "SUP-01",
                  "lines": [{"item": item.code, "qty": QTY}]}  # fmt: skip
        created = li.post("/api/v1/inbound-notices", json=notice)
        assert created.status_code == 201, created.text
        notice_id = created.json()["id"]
    wait_until(
        lambda: gateway_has(gateway, f"SELECT 1 FROM notices WHERE number = '{number}'"),
        20,
        "the gateway's copy of the notice",
    )

    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(page, server.url, "wang", PASSWORD)
        # from the notice, to its goods waiting for acceptance; they arrive while it is open
        page.goto(f"{server.url}/inbound/{notice_id}")
        page.click("#to-acceptance")
        page.wait_for_selector("#waiting")
        page.locator("#live-state.on").wait_for(timeout=10_000)
        scanner.scan(gs1_128_label(item.gtin, BATCH, MADE, QTY))
        row = page.locator(f'#waiting tr[data-batch="{BATCH}"]')
        row.wait_for(timeout=20_000)
        assert str(QTY) in row.inner_text()
        assert fits(page)
        waiting = page.url
        page.goto(f"{server.url}/ledger?batch={BATCH}")  # the stock as the ledger shows it
        assert "待验收" in page.locator("#ledger-lines tbody").inner_text()
        page.goto(waiting)
        page.locator(f'#waiting tr[data-batch="{BATCH}"] a.decide').click()
        page.wait_for_selector("#decide-form")
        assert page.get_attribute("#waiting-line", "data-qty") == str(QTY)
        assert page.input_value("#f-notice") == number

        # with the keyboard, in reading order; a sample larger than the quantity decided
        page.focus("#f-inspection-record_no")
        page.keyboard.type("YS-2026-201")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "f-qty"
        page.keyboard.press("Tab")
        page.keyboard.type(str(QTY + 1))
        page.fill("#f-inspection-quality_report", "ZJ-2026-0917")
        page.fill("#f-inspection-inspectors-0", "张工")
        page.fill("#f-inspection-inspectors-1", "李工")
        page.select_option("#f-supplier", "SUP-01")
        page.focus("#f-inspection-record_no")
        page.keyboard.press("Enter")
        error = page.locator("#e-f-inspection-sampled")
        error.wait_for()
        assert error.inner_text() == f"不能大于验收数量 {QTY} at most the quantity decided, {QTY}"
        assert page.get_attribute("#f-inspection-sampled", "aria-invalid") == "true"
        assert page.input_value("#f-inspection-record_no") == "YS-2026-201"
        assert page.input_value("#f-inspection-inspectors-1") == "李工"
        assert "抽样数量" in page.locator("#form-errors").inner_text()

        # a report file that is no PDF or image, whatever its name: the rule's next step
        page.fill("#f-inspection-sampled", "3")
        page.set_input_files(
            "#f-report_file",
            {"name": "质检报告.pdf", "mimeType": "application/pdf", "buffer": b"PK\x03\x04 a zip"},
        )
        page.click("#decide")
        refusal = page.locator("#refusal[data-reason=report_type]")
        refusal.wait_for()
        assert "检验报告须为 PDF 或图片" in refusal.inner_text()
        assert "must be a PDF or an image" in refusal.inner_text()
        assert page.input_value("#f-inspection-sampled") == "3"
        assert page.get_attribute("#waiting-line", "data-qty") == str(QTY)  # nothing decided

        # the decision with its report
        page.set_input_files(
            "#f-report_file",
            {"name": "质检报告 ZJ-2026-0917.pdf", "mimeType": "application/pdf", "buffer": REPORT},
        )
        assert fits(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "acceptance-decide.png"), full_page=True)
        page.click("#decide")
        page.wait_for_selector("#record")
        assert "已记录验收决定：合格入库" in page.locator("#message").inner_text()
        assert page.get_attribute("#decision", "data-decision") == "accepted"
        assert "质检报告 ZJ-2026-0917.pdf" in page.locator("#quality-report").inner_text()
        kept = page.request.get(server.url + (page.get_attribute("#report-file", "href") or ""))
        assert kept.ok and kept.body() == REPORT
        assert page.get_attribute("#report-clock", "data-left") == "10"
        record = page.url
        decision = record.rsplit("/", 1)[1]
        # the list: its report due in 10 working days, the decision among the latest
        page.click("nav >> text=入库验收")
        due = page.locator(f'#reports-due tr[data-acceptance="{decision}"] .days-left')
        assert due.inner_text() == "10"
        assert page.locator(f'#decisions tr[data-acceptance="{decision}"]').count() == 1
        assert page.locator(f'#waiting tr[data-batch="{BATCH}"]').count() == 0
        assert fits(page)
        page.goto(record)

        # the annex 1 record, to print
        paper = page.request.get(server.url + (page.get_attribute("#print", "href") or ""))
        assert paper.ok and paper.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(paper.body())).pages)
        assert "YS-2026-201" in text and "ZJ-2026-0917" in text
        # the written report to the commission, within its 10 working days
        page.fill("#f-reference", "发改报〔2026〕201号")
        page.click("#file-report")
        page.wait_for_selector("#report-clock[data-filed=yes]")
        assert "已登记书面报告" in page.locator("#message").inner_text()
        assert fits(page)
        page.screenshot(path=str(SHOTS / "acceptance-record.png"), full_page=True)

        # deciding the same goods again: nothing waits; the service refuses it
        page.goto(
            f"{server.url}/acceptance/decide?warehouse=LC01&location=D01"
            f"&item={item.code}&batch={BATCH}&notice={number}"
        )
        assert page.get_attribute("#waiting-line", "data-qty") == "0"
        page.fill("#f-qty", str(QTY))
        page.fill("#f-inspection-record_no", "YS-2026-202")
        page.fill("#f-inspection-sampled", "1")
        page.fill("#f-inspection-quality_report", "ZJ-2026-0917")
        page.click("#decide")
        again = page.locator("#refusal[data-reason=insufficient_stock]")
        again.wait_for()
        assert "库存不足" in again.inner_text()

        # a keeper reads the line and the record with no form; their post is refused
        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server.url, "li", PASSWORD)
        other.goto(record)
        other.wait_for_selector("#record")
        assert other.locator("#report-form, #attach-form").count() == 0
        other.goto(f"{server.url}/acceptance/decide?warehouse=LC01&location=D01"
                   f"&item={item.code}&batch={BATCH}")  # fmt: skip
        other.wait_for_selector("#waiting-line")
        assert other.locator("#decide-form").count() == 0
        status = other.evaluate(
            """async ([item, batch]) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new FormData();
                for (const [k, v] of Object.entries({csrf_token: token, warehouse: 'LC01',
                        location: 'D01', item, batch, qty: '1', decision: 'accepted',
                        'inspection.record_no': 'YS-X', 'inspection.sampled': '1',
                        'inspection.result': 'pass', 'inspection.quality_report': 'ZJ-X'}))
                    body.append(k, v);
                return (await fetch('/acceptance', {method: 'POST', body})).status;
            }""",
            [item.code, BATCH],
        )
        assert status == 403

        # the goods put away at the floor: pending acceptance at the door, then available
        page.goto(f"{server.url}/ledger?batch={BATCH}")
        assert "可用" in page.locator("#ledger-lines").inner_text()
        wait_until(
            lambda: gateway_has(
                gateway, f"SELECT 1 FROM stock WHERE status = 'available' AND qty = {QTY}"
            ),
            20,
            "the acceptance in the gateway's book",
        )
        floor = Floor(broker, depot)
        try:
            assert floor.cmd("LC01-HH1", "PUTAWAY").result == "ok"
            offer = floor.goods("LC01-HH1", BATCH, QTY, MADE)
            assert offer.result == "ok" and offer.task is not None, offer
            place = offer.task["suggested"]
            assert floor.at("LC01-HH1", place).result == "ok"
        finally:
            floor.client.close()

        def stored() -> bool:
            page.goto(f"{server.url}/ledger?batch={BATCH}")
            lines = page.locator("#ledger-lines tbody").inner_text()
            return place in lines and "D01" not in lines

        wait_until(stored, 20, "the putaway on the ledger")
        line = page.locator("#ledger-lines tbody tr").inner_text()
        assert "可用" in line and str(QTY) in line
        # the notice counts what was accepted against it
        page.goto(f"{server.url}/inbound/{notice_id}")
        accepted = page.locator(f'#notice-lines tr[data-item="{item.code}"] td').nth(4)
        assert accepted.inner_text() == str(QTY)
