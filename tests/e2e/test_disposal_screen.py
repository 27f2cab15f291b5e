"""Re-inspection, scrapping, rotation and returns in the browser (arts. 24, 25), start to
finish on a real server: the depot head (supervisor) picks a batch from the depot's stock on
a 768 px tablet and proposes its scrapping with the quality report's file and each expert's
opinion, sees a quantity out of bounds beside its field and too few experts refused as the
next step; the commission (an admin) finds the proposal in the approvals inbox, approves it
and follows the decision to its postings in the ledger. The depot head records a
re-inspection of stock past its storage limit with its validity, and inspects returned goods
back into stock. An admin who proposed a rotation is refused its approval ("must be approved
by another supervisor") and another admin approves it. A keeper sees no form and a post of
one is refused (403). Screenshots: docs/screenshots/disposal-proposal.png and
disposal-own-proposal.png (DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from harness.browser import chromium
from harness.depot import ServerProcess
from harness.disposal_world import PDF, served
from harness.scope_world import HERE, PASSWORD, World, username

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[World, ServerProcess]]:
    with served(tmp_path) as found:
        yield found


def log_in(page: Page, server: ServerProcess, who: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def pick(page: Page, item: str, action: str) -> None:
    """Choose the item from the depot's stock, then what to do with it."""
    page.select_option("#f-pick-item", item)
    page.click("#pick-item")
    page.click(f"#do-{action}")
    page.wait_for_selector(f"#{action}-form")


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_scrapping_reinspection_rotation_and_returns_in_the_browser(
    site: tuple[World, ServerProcess], tmp_path: Path
) -> None:
    world, server = site
    s, old, back = world.stack("S"), world.stack("O"), world.stack("B")
    report = tmp_path / "质检报告.pdf"
    report.write_bytes(PDF)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with chromium() as browser:
        head = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(head, server, username("supervisor", HERE))
        head.click("nav >> text=复检报废")
        head.wait_for_selector("#item-form")
        pick(head, s.item.code, "scrap")
        head.select_option("#f-stack", f"{s.batch}|{s.location}|available")
        head.fill("#f-qty", "0")  # below the API's bound (Qty: at least 1)
        head.select_option("#f-reason", "damaged")
        head.fill("#f-quality_report", "LC01ONLY-ZJ-2026-031")
        for i, (name, opinion) in enumerate((("王工", "外包装破损"), ("李工", "内胆受潮发霉"))):
            head.fill(f"#f-experts-{i}-name", name)
            head.fill(f"#f-experts-{i}-opinion", opinion)
        head.set_input_files("#f-report_file", str(report))
        head.click("#scrap")

        error = head.locator("#e-f-qty")
        error.wait_for()
        assert error.inner_text() == "不能小于 1 at least 1"
        assert head.get_attribute("#f-qty", "aria-invalid") == "true"
        assert head.input_value("#f-experts-1-name") == "李工"  # as typed

        head.fill("#f-qty", "3")
        head.set_input_files("#f-report_file", str(report))
        head.click("#scrap")
        refusal = head.locator("#refusal[data-reason=too_few_experts]")
        refusal.wait_for()
        assert "需至少三位专家评估" in refusal.inner_text()
        assert "at least three experts must assess it" in refusal.inner_text()

        head.fill("#f-experts-2-name", "赵工")
        head.fill("#f-experts-2-opinion", "同意报废")
        head.set_input_files("#f-report_file", str(report))
        head.click("#scrap")
        head.wait_for_selector("#experts")
        assert "已提交报废申请" in head.locator("#message").inner_text()
        opinions = head.locator("#experts tbody").inner_text()
        assert all(o in opinions for o in ("外包装破损", "内胆受潮发霉", "同意报废"))
        assert "质检报告.pdf" in head.locator("#report-file").inner_text()
        assert head.locator("#approve-form").count() == 0  # the commission approves
        assert "等待发改委审批" in head.locator("#waiting-for").inner_text()
        assert no_horizontal_scroll(head)
        proposal_url = head.url
        head.screenshot(path=str(SHOTS / "disposal-proposal.png"), full_page=True)

        # the re-inspection of stock past its storage limit (art. 25(4)), with its validity
        head.click("nav >> text=复检报废")
        pick(head, old.item.code, "reinspect")
        head.select_option("#f-stack", f"{old.batch}|{old.location}|available")
        head.fill("#f-quality_report", "LC01ONLY-FJ-2026-007")
        head.check("#f-passed-yes")
        head.click("#reinspect")
        head.wait_for_selector("#valid-until")
        assert "已记录复检" in head.locator("#message").inner_text()
        assert head.locator("#decision-value").inner_text() == "passed"

        # returned goods inspected back into stock (art. 24)
        head.goto(f"{server.url}/returns")
        head.select_option("#f-pick-item", back.item.code)
        head.click("#pick-item")
        head.wait_for_selector("#restock-form")
        head.select_option("#f-stack", f"{back.batch}|{back.location}|on_hold")
        head.fill("#f-qty", "1")
        head.fill("#f-record_no", "LC01ONLY-GH-12")
        head.fill("#f-order", world.returned_order)
        head.click("#restock")
        head.wait_for_selector("#decision")
        assert "已记录归还检验" in head.locator("#message").inner_text()
        assert head.locator("#decision-value").inner_text() == "restocked"

        # the commission finds the proposal in its inbox and approves it
        admin = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(admin, server, username("admin", HERE))
        admin.click("nav >> text=审批")
        admin.click(f'#proposals a[href="{proposal_url.removeprefix(server.url)}"]')
        admin.wait_for_selector("#approve-form")
        admin.fill("#f-notice", "LC01ONLY-BF-2026-5")
        admin.fill("#f-disposal", "无害化销毁")
        admin.click("#approve")
        admin.wait_for_selector("#outcome")
        assert "已批准" in admin.locator("#message").inner_text()
        assert "LC01ONLY-BF-2026-5" in admin.locator("#outcome").inner_text()
        admin.click("#outcome-postings")
        admin.wait_for_selector("#entries")
        entries = admin.locator("#entries tbody").inner_text()
        assert s.batch in entries and "-3" in entries

        # one's own proposal: refused as the next step, approved by another person
        pick_url = f"{server.url}/disposal?depot={HERE}&item={s.item.code}&do=rotate"
        admin.goto(pick_url)
        admin.select_option("#f-stack", f"{s.batch}|{s.location}|available")
        admin.fill("#f-qty", "2")
        admin.fill("#f-plan", "LC01ONLY-LH-2026-1")
        admin.click("#rotate")
        admin.wait_for_selector("#approve-form")
        rotation_url = admin.url
        admin.check("#confirm")
        admin.click("#approve")
        refusal = admin.locator("#refusal[data-reason=same_person]")
        refusal.wait_for()
        assert "需由另一位主管审批" in refusal.inner_text()
        assert "must be approved by another supervisor" in refusal.inner_text()
        assert admin.locator("#outcome").count() == 0
        admin.screenshot(path=str(SHOTS / "disposal-own-proposal.png"), full_page=True)

        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server, username("admin", None))
        other.goto(rotation_url)
        other.check("#confirm")
        other.click("#approve")
        other.wait_for_selector("#outcome[data-kind=rotation]")
        assert "已批准" in other.locator("#message").inner_text()

        # a keeper sees the screen without a form, and its post is refused
        keeper = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(keeper, server, username("keeper", HERE))
        keeper.goto(f"{server.url}/disposal?item={s.item.code}")
        keeper.wait_for_selector("#recent")
        assert keeper.locator("form[method=post][action^='/disposal']").count() == 0
        status = keeper.evaluate(
            """async (s) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token, warehouse: 'LC01',
                    item: s.item, stack: s.stack, qty: '1', plan: 'LC01ONLY-X'});
                const answer = await fetch('/disposal/rotations', {method: 'POST', body});
                return answer.status;
            }""",
            {"item": s.item.code, "stack": f"{s.batch}|{s.location}|available"},
        )
        assert status == 403
