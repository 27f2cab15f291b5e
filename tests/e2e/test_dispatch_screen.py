"""Dispatch orders in the browser (arts. 15-21), start to finish on a real server on
PostgreSQL: the bureau's dispatcher takes an emergency phone order on a 768 px tablet, sees
the allocation preview (nearest depot first, FIFO, the overdue batch without a re-inspection
left out) with why each batch was chosen, edits it (the rules refuse the overdue batch and a
quantity above what a batch holds, each shown as the next step), places it and so reserves
the stock; records the written order; LC01's share is loaded at the door (the loading event
LC01's gateway sends, posted with its token, as tests/harness/dispatching.py does) and the
page shows it without a reload; the first batch's arrival is
recorded. Another order is cancelled with its reason, after the box is ticked, by another
dispatcher of the bureau. An auditor gets no form and a 403 for the post. The screenshots
docs/screenshots/dispatch-preview.png and dispatch-order.png are taken here
(DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page

from harness.browser import chromium
from harness.depot import Depot, ServerProcess
from harness.dispatch_stock import PASSWORD, Stocked
from harness.dispatching import floor_event
from harness.postgres import PostgresCluster

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def db_url(postgres_cluster: PostgresCluster) -> str:
    """The dispatch screens run on PostgreSQL (the issue asks it of dispatch)."""
    return postgres_cluster.new_database()


def log_in(page: Page, server: ServerProcess, who: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def plan_row(page: Page, batch: str) -> str:
    return page.locator(f'#plan tr[data-batch="{batch}"]').inner_text()


def qty_of(page: Page, batch: str) -> str:
    return page.locator(f'#plan tr[data-batch="{batch}"] input[name$=".qty"]').input_value()


def set_qty(page: Page, batch: str, qty: str) -> None:
    page.locator(f'#plan tr[data-batch="{batch}"] input[name$=".qty"]').fill(qty)


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def new_order(page: Page, number: str, stocked: Stocked, qty: str, kind: str = "emergency") -> None:
    page.click("nav >> text=调运")
    page.click("#new-order")
    page.wait_for_selector("#order-form")
    page.fill("#f-number", number)
    page.select_option("#f-kind", kind)
    page.select_option("#f-place", stocked.place)
    page.fill("#f-lines-0-item", stocked.item.code)
    page.fill("#f-lines-0-qty", qty)


def test_an_emergency_phone_order_from_preview_to_arrival_and_another_cancelled(
    depot: Depot, server: ServerProcess, stocked: Stocked
) -> None:
    number = "绵应急调〔2026〕8号"
    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(page, server, "sun")
        new_order(page, number, stocked, "0")  # below the API's bound (at least 1)
        page.fill("#f-basis", "电话指令：市应急局王科长")
        page.check("#f-phone_order")
        page.focus("#f-lines-0-qty")
        page.keyboard.press("Enter")  # the form's main action: the preview
        error = page.locator("#e-f-lines-0-qty")
        error.wait_for()
        assert error.inner_text() == "不能小于 1 at least 1"
        assert page.input_value("#f-number") == number  # as typed
        assert page.is_checked("#f-phone_order")

        # the preview: nearest depot (LC01), FIFO; the overdue batch is offered to no line
        page.fill("#f-lines-0-qty", "50")
        page.click("#preview")
        page.wait_for_selector("#plan")
        assert qty_of(page, "2024A") == "40" and qty_of(page, "2026B") == "10"
        why = plan_row(page, "2024A")
        assert "先进先出：入库 2024-05-01" in why and "first in, first out" in why
        assert "公里" in why and "km to the destination" in why
        overdue = page.locator(f'#options-0 tr[data-batch="{stocked.overdue}"]')
        assert "超期未复检，不可调出" in overdue.inner_text()
        assert page.locator(f'#plan tr[data-batch="{stocked.overdue}"]').count() == 0
        assert no_horizontal_scroll(page)

        # the dispatcher takes the overdue batch anyway: the rule's refusal, the next step
        overdue.locator("button").click()
        page.wait_for_selector(f'#plan tr[data-batch="{stocked.overdue}"]')
        page.click("#place")
        refusal = page.locator("#refusal[data-reason=stock_limit]")
        refusal.wait_for()
        assert "已过储存年限，需先复检合格" in refusal.inner_text()
        assert "it needs a passed re-inspection first" in refusal.inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "dispatch-preview.png"), full_page=True)

        # drop it; more of a batch than it holds: refused, as typed
        page.locator(f'#plan tr[data-batch="{stocked.overdue}"] button').click()
        page.wait_for_function(
            f"!document.querySelector('#plan tr[data-batch=\"{stocked.overdue}\"]')"
        )
        set_qty(page, "2024A", "45")
        page.click("#place")
        refusal = page.locator("#refusal[data-reason=insufficient_stock]")
        refusal.wait_for()
        assert "库存不足，请减少数量或选其他批次" in refusal.inner_text()
        assert qty_of(page, "2024A") == "45"

        # edited within the rules: 35 of 2024A, 2026B dropped, 15 of LC02's 2025C; placed
        set_qty(page, "2024A", "35")
        page.locator('#plan tr[data-batch="2026B"] button').click()
        page.wait_for_function("!document.querySelector('#plan tr[data-batch=\"2026B\"]')")
        page.locator('#options-0 tr[data-batch="2025C"] button').click()
        page.wait_for_selector('#plan tr[data-batch="2025C"]')
        assert "由调度员选择" in plan_row(page, "2025C")
        assert qty_of(page, "2024A") == "35"  # the edit kept
        set_qty(page, "2025C", "15")
        page.click("#place")
        page.wait_for_selector("#picks")
        assert "已下达调运单，库存已预留" in page.locator("#message").inner_text()
        picks = page.locator("#picks tbody").inner_text()
        assert "2024A" in picks and "2025C" in picks and "2026B" not in picks
        # the clocks: time left on both, none overdue yet
        assert page.get_attribute("#first-batch", "data-late") == "no"
        assert "剩余时间" in page.locator("#first-batch").inner_text()
        assert page.get_attribute("#written-order", "data-late") == "no"
        page.wait_for_function("/\\d+:\\d\\d:\\d\\d/.test(document.querySelector("
                               "'#written-order .clock').textContent)")  # fmt: skip
        order_url = page.url

        # the written order that follows the phone order
        page.fill("#f-reference", "绵应急调〔2026〕8号-书面")
        page.click("#record-written")
        page.wait_for_selector("#message")
        assert "已记录书面调令" in page.locator("#message").inner_text()
        assert "绵应急调〔2026〕8号-书面" in page.locator("#written-order").inner_text()
        assert page.locator("#written-form").count() == 0

        # loaded at LC01's door (the gateway's events): shown live, without a reload
        page.locator("#live-state.on").wait_for(timeout=10_000)
        page.evaluate("window.notReloaded = true")
        now = datetime.now(UTC).isoformat()
        floor_event(
            server, depot, type="loading", from_location="D01", gtin=stocked.item.gtin,
            batch="2024A", qty=35, order=number, occurred_at=now,
        )  # fmt: skip
        page.wait_for_function(
            "document.querySelector('#picks tbody').innerText.includes('35\\t35')",
            timeout=20_000,
        )
        assert page.evaluate("window.notReloaded") is True

        # the first batch reached the disaster area
        page.click("#record-arrival")
        page.wait_for_selector("#message")
        assert "已记录首批到达" in page.locator("#message").inner_text()
        assert "已到达" in page.locator("#first-batch").inner_text()
        assert page.get_attribute("#first-batch", "data-late") == "no"
        assert no_horizontal_scroll(page)
        page.screenshot(path=str(SHOTS / "dispatch-order.png"), full_page=True)

        # another order, on a request; cancelled by another dispatcher, with its reason
        new_order(page, number := "川应急调〔2026〕9号", stocked, "5", kind="request")
        page.fill("#f-basis", "北川县应急局调运申请")
        page.click("#preview")
        page.wait_for_selector("#plan")
        page.click("#place")
        page.wait_for_selector("#picks")
        second = page.url
        assert second != order_url
        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server, "qin")
        other.goto(second)
        other.fill("#f-reason", "灾情缓解，北川已无需")
        other.click("#cancel")  # the box not ticked
        other.wait_for_selector("#message[data-reason=unconfirmed]")
        assert "请先勾选确认框" in other.locator("#message").inner_text()
        other.fill("#f-reason", "灾情缓解，北川已无需")
        other.check("#f-confirm")
        other.click("#cancel")
        other.wait_for_selector("#order-state[data-status=cancelled]")
        assert "已取消调运单" in other.locator("#message").inner_text()
        assert other.locator("#cancel-form").count() == 0

        # an auditor: no form, and the post is refused
        auditor = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(auditor, server, "shen")
        auditor.goto(f"{server.url}/orders")
        auditor.wait_for_selector("#order-list")
        assert auditor.locator("#new-order").count() == 0
        auditor.goto(order_url)
        assert auditor.locator("#arrival-form, #cancel-form, #written-form").count() == 0
        status = auditor.evaluate(
            """async (item) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token, number: 'JJ-X',
                    kind: 'emergency', basis: 'x', place: 'BCAZD', 'lines.0.item': item,
                    'lines.0.qty': '5'});
                const answer = await fetch('/orders', {method: 'POST', body});
                return answer.status;
            }""",
            stocked.item.code,
        )
        assert status == 403
        assert auditor.goto(f"{server.url}/orders/new").status == 403  # type: ignore[union-attr]
        # the page's actions are in the audit trail, as the API's are
        auditor.goto(f"{server.url}/audit?actor=qin")
        trail = auditor.locator("main table").inner_text()
        assert "dispatch_cancel" in trail and number in trail
        auditor.goto(f"{server.url}/audit?actor=sun")
        trail = auditor.locator("main table").inner_text()
        assert "dispatch_order" in trail and "dispatch_written_order" in trail
        assert "dispatch_arrival" in trail
