"""Handover notes in the browser (art. 21, annex 2), start to finish on a real server on
PostgreSQL: goods received and accepted, an emergency order created through the API, picked
and loaded at the door as LC01's gateway reports it; then at the door a keeper on a 768 px
tablet fills in the note from the loaded lines (carrier, driver, phone, plate, receiver; the
lines are never typed), issues it, prints it (the annex 2 PDF and the page's print view) and
records the receiver's confirmation with a discrepancy. The refusals are shown to the person:
a phone number out of its pattern beside its field, a quantity received above what was handed
over, a short line with no note, confirming twice from a page left open. A dispatcher sees
the note with no form and a POST of the form from their page is refused (403). The
screenshots docs/screenshots/handover-receipt.png and handover-door.png are taken here
(DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from harness import pdfcheck
from harness.browser import chromium, saved_pdf
from harness.depot import Depot, ServerProcess, prepare_database
from harness.dispatching import order_and_load, receive_and_accept
from harness.postgres import PostgresCluster
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
TABLET = {"width": 768, "height": 1024}
NUMBER = "绵应急调〔2026〕31号"


@pytest.fixture
def depot(postgres_cluster: PostgresCluster) -> Depot:
    depot = prepare_database(postgres_cluster.new_database())
    engine = make_engine(depot.db_url)
    people = (("li", "keeper", "LC01"), ("sun", "dispatcher", None), ("qian", "auditor", None))
    for name, role, where in people:
        create_user(engine, name, PASSWORD, role=role, warehouse=where, now=system_clock())
    engine.dispose()
    return depot


@pytest.fixture
def server(depot: Depot, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(depot.db_url, tmp_path).start()
    yield process
    process.stop()


def log_in(page: Page, server: ServerProcess, who: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_keeper_issues_prints_and_records_the_receipt_of_a_note(
    depot: Depot, server: ServerProcess, tmp_path: Path
) -> None:
    item = depot.example.items[3]
    receive_and_accept(server, depot, item, "2026JJ", 40)
    order_id = order_and_load(server, depot, item, "2026JJ", NUMBER, 30, kind="emergency")
    SHOTS.mkdir(parents=True, exist_ok=True)

    with chromium() as browser:
        tablet = browser.new_context(viewport=TABLET, locale="zh-CN")
        page = tablet.new_page()
        log_in(page, server, "li")
        page.goto(f"{server.url}/orders/{order_id}")
        page.click("#handover-note")  # the order's one link to the door's form
        page.wait_for_selector("#handover-form")
        loaded = page.locator("#loaded tbody tr").inner_text()
        assert "2026JJ" in loaded and "30" in loaded  # what the gateway loaded, not typed
        assert fits(page)

        # with the keyboard, a phone number out of its pattern: its error beside it
        page.focus("#f-carrier")
        page.keyboard.type("绵阳运输公司")
        for value in ("赵师傅", "138-abc", "川B12345", "北川县应急局"):
            page.keyboard.press("Tab")
            page.keyboard.type(value)
        page.keyboard.press("Enter")
        error = page.locator("#e-f-phone")
        error.wait_for()
        assert "请填写电话号码" in error.inner_text()
        assert "enter a phone number" in error.inner_text()
        assert page.get_attribute("#f-phone", "aria-invalid") == "true"
        assert page.input_value("#f-plate") == "川B12345"  # as typed
        page.screenshot(path=str(SHOTS / "handover-door.png"), full_page=True)
        page.fill("#f-phone", "13800000000")
        page.click("#issue")
        page.wait_for_selector("#state[data-state=issued]")
        assert "已开具交接单" in page.locator("#message").inner_text()
        number = page.locator("#number").inner_text()
        assert number == f"JJ-{NUMBER}-LC01-1"
        note_url = page.url

        # printed: the annex 2 PDF, and the page's print view without the menu and forms
        text = pdfcheck.text(saved_pdf(page, "#pdf", tmp_path / "note.pdf"))
        assert "市级救灾储备物资调用发货（交接）单" in text and number in text
        assert "川B12345" in text and "13800000000" in text and "批次 2026JJ" in text
        page.emulate_media(media="print")
        assert page.locator("#paper").is_visible() and not page.locator("nav").is_visible()
        assert not page.locator("#confirm-form").is_visible()
        page.emulate_media(media="screen")

        # a second tab left open on the note, to confirm it again later
        stale = tablet.new_page()
        stale.goto(note_url)
        stale.wait_for_selector("#confirm-form")

        # the receiver's count: above what was handed over, then short with no note
        page.fill("#f-received_by", "李主任")
        page.fill("#f-phone", "0816-2345678")
        page.fill("#f-lines-0-received", "31")
        page.click("#confirm")
        refusal = page.locator("#refusal[data-reason=above_handed_over]")
        refusal.wait_for()
        assert "实收数量不能超过交接数量" in refusal.inner_text()
        assert "received cannot be above what was handed over" in refusal.inner_text()
        assert page.input_value("#f-lines-0-received") == "31"
        page.fill("#f-lines-0-received", "28")
        page.click("#confirm")
        page.locator("#refusal[data-reason=discrepancy_unexplained]").wait_for()
        assert "请填写差异说明" in page.locator("#refusal").inner_text()
        page.fill("#f-lines-0-discrepancy", "2 顶破损，拒收")
        page.focus("#f-lines-0-discrepancy")
        page.keyboard.press("Enter")
        page.wait_for_selector("#state[data-state=discrepancy]")
        assert "已记录接收确认" in page.locator("#message").inner_text()
        assert page.locator("#note-lines .received").inner_text() == "28"
        assert page.locator("#note-lines .discrepancy").inner_text() == "2 顶破损，拒收"
        assert "李主任" in page.locator("#receipt").inner_text()
        assert page.locator("#confirm-form").count() == 0
        assert fits(page)
        page.screenshot(path=str(SHOTS / "handover-receipt.png"), full_page=True)
        text = pdfcheck.text(saved_pdf(page, "#pdf", tmp_path / "confirmed.pdf"))
        assert "实收 28" in text and "差异说明 批次 2026JJ：2 顶破损，拒收" in text
        assert "李主任" in text and "0816-2345678" in text

        # confirming twice, from the tab left open: refused, and said so
        stale.fill("#f-received_by", "王某")
        stale.fill("#f-phone", "0816-1111111")
        stale.click("#confirm")
        twice = stale.locator("#refusal[data-reason=already_confirmed]")
        twice.wait_for()
        assert "接收方已确认此交接单，不能再次确认" in twice.inner_text()
        assert "李主任" in stale.locator("#receipt").inner_text()  # the first receipt stands

        # the depot's list, by state
        page.click("nav >> text=交接单")
        row = page.locator(f'#handovers tr[data-note="{number}"]')
        assert row.get_attribute("data-state") == "discrepancy"
        assert "接收有差异" in row.inner_text()
        page.goto(f"{server.url}/handovers?state=issued")
        assert page.locator(f'#handovers tr[data-note="{number}"]').count() == 0

        # a dispatcher reads the note and the door's page with no form; a POST is refused
        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server, "sun")
        other.goto(f"{server.url}/orders/{order_id}/handover-note")
        other.wait_for_selector("#no-form")
        assert other.locator("#handover-form").count() == 0
        status = other.evaluate(
            """async (order) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token, warehouse: 'LC01',
                    carrier: 'x', driver: 'x', phone: '13800000000', plate: 'x', receiver: 'x'});
                const answer = await fetch(`/orders/${order}/handover-note`,
                    {method: 'POST', body});
                return answer.status;
            }""",
            order_id,
        )
        assert status == 403
        other.goto(note_url)
        assert other.locator("#paper").is_visible() and other.locator("#confirm-form").count() == 0
        # the page's actions are in the audit trail, as the API's are
        auditor = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(auditor, server, "qian")
        auditor.goto(f"{server.url}/audit?actor=li")
        trail = auditor.locator("main table").inner_text()
        assert "handover_confirmed" in trail and trail.count(number) == 2
