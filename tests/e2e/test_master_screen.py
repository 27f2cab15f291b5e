"""Master data and people in the browser, start to finish on a real server (SQLite), as the
network's administrator on a 768 px tablet: an items file with a wrong line 3 is refused
whole, its errors shown beside line 3 by column in both languages; fixed and uploaded again,
then exported. A keeper's account is created (a password too short refused beside its field)
and the keeper logs in; disabled, their open session ends and they cannot log in again; an
administrator cannot disable themselves. A gateway is registered and its token shown once
(not when the page is opened again), works, and once revoked is answered 401. A supervisor
sees no such screen nor form, and their posts are refused (403). The screenshots
docs/screenshots/masterdata-errors.png and gateways.png are taken here
(DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from harness.browser import chromium
from harness.depot import ADMIN, Depot, ServerProcess
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

pytestmark = pytest.mark.browser
PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
TABLET = {"width": 768, "height": 1024}
HEADER = (
    "code,name_zh,name_en,spec,unit_zh,unit_en,category,reusable,"
    "storage_years,unit_price_cents,gtins\n"
)
GOOD = "JZ-0901,折叠床,Folding bed,190x70 cm,张,piece,bedding,no,10,26800,\n"
WRONG = "JZ-0902,棉帐篷,Cotton tent,12 m2,顶,piece,tents,maybe,8,120000,\n"  # line 3
FIXED = "JZ-0902,棉帐篷,Cotton tent,12 m2,顶,piece,shelter,no,8,120000,\n"


def log_in(page: Page, server: ServerProcess, who: str, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", who)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def csv_file(text: str) -> dict[str, object]:
    return {"name": "items.csv", "mimeType": "text/csv", "buffer": text.encode()}


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def post_as_page(page: Page, path: str, fields: dict[str, str]) -> int:
    """The status of a form posted from the person's page with its own security token."""
    return int(
        page.evaluate(
            """async ([path, fields]) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token, ...fields});
                return (await fetch(path, {method: 'POST', body})).status;
            }""",
            [path, fields],
        )
    )


def test_an_administrator_keeps_master_data_people_and_gateways(
    depot: Depot, server: ServerProcess
) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "zhou", PASSWORD, role="supervisor", warehouse=None, now=system_clock())
    engine.dispose()
    # the depot's gateway syncs: its last sync is on the gateways page
    with httpx.Client(base_url=server.url) as gateway:
        headers = {"Authorization": f"Bearer {depot.gateway_token}"}
        assert gateway.get("/api/v1/sync", headers=headers).status_code == 200

    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN", accept_downloads=True)
        log_in(page, server, ADMIN[0], ADMIN[1])
        page.click("nav >> text=基础数据与人员")
        page.wait_for_selector("#upload-form")
        assert no_horizontal_scroll(page)

        # a file with a wrong line 3: nothing imported, its errors beside line 3
        page.set_input_files("#f-file", files=[csv_file(HEADER + GOOD + WRONG)])  # type: ignore[list-item]
        page.click("#upload")
        line3 = page.locator('#errors tr[data-line="3"]')
        line3.first.wait_for()
        assert sorted(line3.evaluate_all("rows => rows.map(r => r.dataset.column)")) == [
            "category",
            "reusable",
        ]
        text = page.locator("#errors").inner_text()
        assert "第 3 行" in text and "line 3" in text and "JZ-0902" in text
        assert "类别须为" in text and "category must be one of" in text
        assert "须为 是 或 否" in text and "reusable must be yes or no" in text
        assert "未导入" in page.locator("#import-errors").inner_text()
        assert page.locator("#rows >> text=JZ-0901").count() == 0  # nothing imported
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "masterdata-errors.png"), full_page=False)

        # fixed and uploaded again: both lines in; exported
        page.set_input_files("#f-file", files=[csv_file(HEADER + GOOD + FIXED)])  # type: ignore[list-item]
        page.click("#upload")
        page.wait_for_selector("#message")
        assert "已导入 2" in page.locator("#message").inner_text()
        with page.expect_download() as download:
            page.click("#export-csv")
        exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "JZ-0902,棉帐篷,Cotton tent" in exported

        # a keeper's account: a password too short is refused beside its field
        page.click("#admin-tabs >> text=人员")
        page.wait_for_selector("#user-form")
        page.fill("#f-username", "zhao")
        page.fill("#f-display_name", "赵保管")
        page.select_option("#f-role", "keeper")
        page.select_option("#f-warehouse", "LC01")
        page.fill("#f-password", "short")
        page.click("#create-user")
        error = page.locator("#e-f-password")
        error.wait_for()
        assert error.inner_text() == "至少 10 个字符 at least 10 characters"
        assert page.input_value("#f-password") == ""  # never shown back
        assert page.input_value("#f-username") == "zhao"
        page.fill("#f-password", "zhao-first-password")
        page.click("#create-user")
        page.wait_for_selector("#person-state")
        assert "已创建账号" in page.locator("#message").inner_text()

        # the keeper logs in (their own browser)
        keeper = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
        log_in(keeper, server, "zhao", "zhao-first-password")
        assert keeper.locator("#who").inner_text() == "赵保管 · keeper · LC01"
        assert keeper.locator("nav >> text=基础数据与人员").count() == 0

        # disabled: their open session ends, they cannot log in again
        page.check("#confirm-disable")
        page.click("#disable")
        page.wait_for_selector("#message")
        assert "已停用账号" in page.locator("#message").inner_text()
        assert "已停用" in page.locator("#person-state").inner_text()
        keeper.reload()
        keeper.wait_for_selector("#username")  # the login page
        keeper.fill("#username", "zhao")
        keeper.fill("#password", "zhao-first-password")
        keeper.click("button[type=submit]")
        keeper.wait_for_selector("#username")
        assert keeper.locator("nav").count() == 0

        # an administrator cannot disable themselves: the next step is said
        page.goto(f"{server.url}/people/{ADMIN[0]}")
        page.check("#confirm-disable")
        page.click("#disable")
        refusal = page.locator("#message[data-reason=own_account]")
        refusal.wait_for()
        assert "不能对自己的账号做此项" in refusal.inner_text()

        # a gateway registered: its token shown this once
        page.click("#admin-tabs >> text=网关")
        page.wait_for_selector("#gateway-form")
        cells = page.locator('#gateways tr[data-gateway="gateway-LC01"] td')
        assert cells.nth(0).inner_text() == "LC01"
        assert cells.nth(3).inner_text() == "—"  # never reported
        assert cells.nth(4).inner_text().startswith("20")  # its last sync
        page.fill("#f-client_id", "gateway-LC01-b")
        page.select_option("#f-warehouse", "LC01")
        page.click("#register")
        page.wait_for_selector("#new-token")
        token = page.input_value("#token")
        assert len(token) >= 32
        page.screenshot(path=str(SHOTS / "gateways.png"), mask=[page.locator("#token")])
        page.goto(f"{server.url}/gateways")  # the page opened again
        page.wait_for_selector("#gateway-form")
        assert page.locator("#new-token").count() == 0
        assert token not in page.content()
        with httpx.Client(base_url=server.url) as gateway:
            headers = {"Authorization": f"Bearer {token}"}
            assert gateway.get("/api/v1/sync", headers=headers).status_code == 200
            row = page.locator('#gateways tr[data-gateway="gateway-LC01-b"]')
            row.locator("input[name=confirm]").check()
            row.locator("button").click()
            page.wait_for_selector("#message")
            assert "已吊销网关令牌" in page.locator("#message").inner_text()
            assert "已吊销" in row.inner_text()
            assert gateway.get("/api/v1/sync", headers=headers).status_code == 401

        # a supervisor: no such screen, no form, and the posts refused
        other = browser.new_context(viewport=TABLET, locale="zh-CN").new_page()
        log_in(other, server, "zhou")
        assert other.locator("nav >> text=基础数据与人员").count() == 0
        for path in ("/masterdata", "/people", "/gateways"):
            answer = other.goto(f"{server.url}{path}")
            assert answer is not None and answer.status == 403
            assert other.locator("main form[method=post]").count() == 0
        other.goto(f"{server.url}/")
        new_user = {"username": "x1", "role": "admin", "password": "long-enough-pass"}
        assert post_as_page(other, "/people", new_user) == 403
        assert post_as_page(other, "/gateways", {"client_id": "gw-x", "warehouse": "LC01"}) == 403
        assert post_as_page(other, "/people/zhao/disable", {"confirm": "yes"}) == 403
