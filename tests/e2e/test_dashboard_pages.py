"""The supervisors' dashboard in Chromium, as each role sees it: following a dispatch order to
its handover note, approving a stocktake adjustment as another person than those who counted
or closed it,
switching the language, and nobody seeing more than their role allows. The screenshots of
docs/screenshots/ are taken here (DEPOT_SCREENSHOTS=docs/screenshots to refresh them)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from harness.browser import chromium
from harness.depot import ADMIN, Depot, ServerProcess, prepare_database
from kernel.clock import system_clock
from server.domain import depot_time
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
PEOPLE = (
    ("wang", "supervisor", "LC01"),
    ("zhou", "supervisor", "LC01"),
    ("zhao", "supervisor", "LC01"),
    ("li", "keeper", "LC01"),
    ("sun", "dispatcher", None),
    ("qian", "auditor", None),
)


def floor(server: ServerProcess, depot: Depot, *events: dict[str, Any]) -> None:
    base = {"warehouse": "LC01", "occurred_at": "2026-11-23T09:00:00+08:00"}
    body = {"events": [{"event_id": str(uuid.uuid4()), **base, **e} for e in events]}
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json=body,
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    ).json()
    assert {r["result"] for r in answer["results"]} == {"accepted"}, answer


def set_up(server: ServerProcess, depot: Depot) -> dict[str, Any]:
    """On the example depot's stock: order 101 (a phone order, emergency) takes 10 of an item
    from LC01, first in first out; the gateway loads them and the note goes with the truck. A
    stocktake of zone A, opened and closed by zhao, counted by li and zhou, finds one stack 2
    short."""
    item = depot.example.items[2]
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(("sun", PASSWORD)) as sun:
        order = sun.post("/api/v1/dispatch/orders", json={
            "number": "101", "kind": "emergency", "basis": "绵应急调〔2026〕101号",
            "destination": "北川县安置点", "lat": lc01.lat, "lon": lc01.lon,
            "lines": [{"item": item.code, "qty": 10}], "phone_order": True,
        })  # fmt: skip
        assert order.status_code == 201, order.text
    picks = order.json()["picks"]
    assert {p["warehouse"] for p in picks} == {"LC01"}
    floor(server, depot, *({"type": "loading", "from_location": p["location"], "gtin": item.gtin,
                            "batch": p["batch"], "qty": p["qty"], "order": "101"}
                           for p in picks))  # fmt: skip
    with server.login(("li", PASSWORD)) as li:
        note = li.post(f"/api/v1/dispatch/orders/{order.json()['id']}/handovers", json={
            "warehouse": "LC01", "carrier": "绵阳运输公司", "driver": "赵师傅",
            "phone": "13800000000", "plate": "川B12345", "receiver": "北川县应急局",
        })  # fmt: skip
        assert note.status_code == 201, note.text
    with (
        server.login(("zhao", PASSWORD)) as zhao,
        server.login(("li", PASSWORD)) as li,
        server.login(("zhou", PASSWORD)) as zhou,
    ):
        take = zhao.post("/api/v1/stocktakes", json={"warehouse": "LC01", "zone": "A"}).json()["id"]
        url = f"/api/v1/stocktakes/{take}"
        stacks: dict[tuple[str, str, str], int] = {}
        for offset in range(0, 5000, 1000):
            params = {"warehouse": "LC01", "limit": 1000, "offset": offset}
            rows = zhao.get("/api/v1/stock", params=params).json()["rows"]
            for r in rows:
                if r["location"].startswith("A-"):
                    key = (r["location"], r["item"], r["batch"])
                    stacks[key] = stacks.get(key, 0) + r["qty"]
        lines = [{"location": k[0], "item": k[1], "batch": k[2], "expected": q}
                 for k, q in sorted(stacks.items())]  # fmt: skip
        short = next(x for x in lines if x["expected"] >= 5)

        def count(x: dict[str, Any], counted: int, **more: Any) -> dict[str, Any]:
            return {"location": x["location"], "item": x["item"], "batch": x["batch"],
                    "counted": counted, **more}  # fmt: skip

        right = [count(x, x["expected"]) for x in lines if x is not short]
        assert li.post(f"{url}/counts", json={"counts": right}).status_code == 201
        wrong = [count(short, short["expected"] - 2)]
        assert zhou.post(f"{url}/counts", json={"counts": wrong}).status_code == 201
        closed = zhao.post(f"{url}/close").json()
        if closed["status"] == "counting":  # a recount asked for: zhou counts again
            again = [count(short, short["expected"] - 2, round=2)]
            assert zhou.post(f"{url}/counts", json={"counts": again}).status_code == 201
            closed = zhao.post(f"{url}/close").json()
        assert closed["status"] == "closed", closed
        reason = {**count(short, 0), "reason": "damaged"}
        del reason["counted"]
        assert zhao.post(f"{url}/reasons", json=reason).status_code == 200
    return {"item": item, "picks": picks, "note": note.json(), "stocktake": take}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("dashboard")
    depot = prepare_database(f"sqlite:///{work / 'server.sqlite'}", with_stock=True)
    engine = make_engine(depot.db_url)
    for name, role, warehouse in PEOPLE:
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse,
                    display_name=f"{name} ({role})", now=system_clock())  # fmt: skip
    engine.dispose()
    server = ServerProcess(depot.db_url, work).start()
    facts = set_up(server, depot)
    yield {"server": server, "depot": depot, **facts}
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def signed_in(browser: Browser, site: dict[str, Any], who: str, lang: str = "zh-CN") -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale=lang).new_page()
    page.goto(f"{site['server'].url}/login")
    page.fill("#username", who)
    page.fill("#password", ADMIN[1] if who == ADMIN[0] else PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def menu(page: Page) -> list[str]:
    return [a.split()[0] for a in page.locator("nav ul a").all_inner_texts()]


def test_each_role_sees_only_its_own(browser: Browser, site: dict[str, Any]) -> None:
    url = site["server"].url
    admin = signed_in(browser, site, ADMIN[0])
    every_role = [
        "总览", "库门与设备", "入库通知", "入库验收", "调运", "交接单", "标签打印", "盘点", "台账",
        "代储点", "月报", "上报", "调运覆盖", "复检报废",
    ]  # fmt: skip
    assert menu(admin) == [
        *every_role, "审批", "审计", "基础数据与人员"
    ]  # fmt: skip
    assert admin.locator("#depots tr").count() == 3  # the network view: both depots
    assert admin.locator("svg.map").count() == 1
    shot(admin, "overview-network")

    keeper = signed_in(browser, site, "li")
    assert menu(keeper) == every_role
    assert keeper.locator("svg.map").count() == 0  # bound to LC01: no network view
    assert "LC02" not in keeper.locator("#urgent").inner_text()
    for path in (
        "/approvals",
        "/audit",
        "/?depot=LC02",
        "/ledger?depot=LC02",
        "/agency?depot=LC02",
    ):
        response = keeper.goto(url + path)
        assert response is not None and response.status == 403
        assert "无权查看" in keeper.inner_text("main")
    take = site["stocktake"]
    keeper.goto(url + f"/stocktakes/{take}")  # counting is blind: no ledger quantities
    keeper.wait_for_selector("#round")
    assert keeper.locator("#variances").count() == 0

    dispatcher = signed_in(browser, site, "sun")
    assert menu(dispatcher) == every_role
    assert dispatcher.goto(url + "/approvals").status == 403  # type: ignore[union-attr]

    auditor = signed_in(browser, site, "qian")
    assert "审批" not in menu(auditor) and "审计" in menu(auditor)
    auditor.goto(url + f"/stocktakes/{take}")
    assert auditor.locator("#variances").count() == 1  # auditors see the variances
    assert auditor.locator("form[action^='/approvals'], form[action^='/stocktakes']").count() == 0
    # no page without a session
    anonymous = browser.new_page()
    anonymous.goto(url + "/orders")
    assert anonymous.url.endswith("/login")


def test_follow_an_order_to_its_handover_note(browser: Browser, site: dict[str, Any]) -> None:
    page = signed_in(browser, site, "sun")
    page.click("nav >> text=调运")
    row = page.locator('#order-list tr[data-order="101"]')
    assert "10 / 10" in row.inner_text()  # loaded of asked
    assert re.fullmatch(r"-?\d+:\d\d:\d\d", row.locator(".clock").first.inner_text())
    shot(page, "orders")
    row.locator("a").click()
    page.wait_for_selector("#picks")
    assert "川B12345" in page.inner_text("#handovers")
    clock = page.locator("#first-batch .clock").inner_text()
    page.wait_for_function(  # it counts down, in the browser, between updates
        "was => document.querySelector('#first-batch .clock').innerText !== was", arg=clock
    )
    assert page.locator("#written-order").count() == 1  # a phone order: 48 h for the paper
    assert page.locator("svg.timeline").count() == 1
    shot(page, "order")
    page.click(f"#handovers >> text={site['note']['number']}")
    note = page.locator("#paper")  # the note's own page, laid out as annex 2
    note.wait_for()
    assert "赵师傅" in note.inner_text() and site["picks"][0]["batch"] in note.inner_text()
    assert "10" in page.inner_text("#note-lines")
    assert "书面调拨通知待补" in page.inner_text("#basis")  # a phone order, its paper to come
    shot(page, "handover-note")
    href = page.locator("#pdf").get_attribute("href")
    pdf = page.request.get(f"{site['server'].url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"


def test_an_adjustment_is_approved_by_someone_who_did_not_count(
    browser: Browser, site: dict[str, Any]
) -> None:
    take = site["stocktake"]
    counter = signed_in(browser, site, "zhou")  # a supervisor, but zhou counted
    counter.goto(f"{site['server'].url}/approvals")
    item = counter.locator(f'.adjustment[data-stocktake="{take}"]')
    assert "须由他人审批" in item.inner_text()
    assert item.locator("button").count() == 0
    token = counter.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    refused = counter.request.post(
        f"{site['server'].url}/approvals/stocktakes/{take}",
        form={"confirm": "yes", "csrf_token": token},
        headers={"Origin": site["server"].url},
    )
    assert "需由另一位主管审批" in refused.text()  # the rule holds behind the page

    approver = signed_in(browser, site, "wang")
    approver.goto(f"{site['server'].url}/approvals")
    item = approver.locator(f'.adjustment[data-stocktake="{take}"]')
    assert "-2" in item.inner_text() and "损坏" in item.inner_text()
    shot(approver, "approvals")
    item.locator("input[name=confirm]").check()
    item.locator("button").click()
    assert "已批准盘点调账" in approver.locator("#message").inner_text()
    approver.click("nav >> text=盘点")
    assert "已调账" in approver.locator(f'#rounds tr[data-stocktake="{take}"]').inner_text()
    shot(approver, "stocktakes")


def test_switching_the_language(browser: Browser, site: dict[str, Any]) -> None:
    page = signed_in(browser, site, ADMIN[0])
    assert page.inner_text("main h2").startswith("全网总览")
    page.click("#lang")
    assert page.inner_text("main h2") == "All depots"
    assert menu(page)[:5] == ["Overview", "Doors", "Inbound", "Acceptance", "Dispatch"]
    assert "库存" not in page.inner_text("#stock thead")
    page.click("nav >> text=Dispatch")  # stays English from page to page
    assert page.inner_text("main h2") == "Dispatch orders"
    shot(page, "orders-en")
    page.click("#lang")
    assert page.inner_text("main h2") == "调运任务 Dispatch orders"
    page.goto(f"{site['server'].url}/ledger?item={site['item'].code}&status=available")
    page.click("#lang")  # back to the same page, with its filter
    assert page.url.endswith(f"/ledger?item={site['item'].code}&status=available")
    assert page.inner_text("main h2") == "Ledger: stock lines"


def test_from_a_number_down_to_the_events_behind_it(browser: Browser, site: dict[str, Any]) -> None:
    """A keeper of LC01 follows a quantity on the overview to its stock lines; the postings of
    the stack order 101 was loaded from, each with the balance after it; the loading event
    that took the goods, with what the gateway sent. An auditor reads who did what."""
    url, item, pick = site["server"].url, site["item"], site["picks"][0]
    page = signed_in(browser, site, "li")
    page.click(f'#stock tr[data-item="{item.code}"] td[data-status="available"] a')
    lines = page.locator("#ledger-lines tbody tr")
    assert lines.count() >= 1 and item.name_zh in lines.first.inner_text()
    assert page.url.endswith(f"item={item.code}&status=available") or "status=available" in page.url

    page.goto(f"{url}/ledger/postings?depot=LC01&location={pick['location']}"
              f"&item={item.code}&batch={pick['batch']}")  # fmt: skip
    rows = page.locator("#postings tbody tr")
    changes = [int(c.replace("+", "")) for c in rows.locator("td:nth-child(4)").all_inner_texts()]
    assert sum(changes) == int(page.inner_text("#balance").replace(",", ""))
    top = int(rows.first.locator("td").nth(4).inner_text().replace(",", ""))
    assert top == sum(changes)  # the newest posting leaves the line at its balance
    shot(page, "ledger-postings")
    page.locator("#postings a", has_text="loading").first.click()
    event = page.locator("#event")
    event.wait_for()
    assert "loading" in page.inner_text("main h2") and "accepted" in event.inner_text()
    assert '"order": "101"' in page.inner_text("#event pre")
    assert page.locator("#entries tbody tr").count() >= 1

    auditor = signed_in(browser, site, "qian")
    auditor.click("nav >> text=审计")
    auditor.wait_for_url("**/audit")  # the click only starts the navigation
    auditor.wait_for_load_state()
    assert auditor.locator("#audit tbody tr").count() >= 3
    assert "stocktake" in auditor.inner_text("#audit")
    shot(auditor, "audit")


def test_the_monthly_report_on_screen_and_to_download(
    browser: Browser, site: dict[str, Any]
) -> None:
    """Any finished month, on screen and as CSV and XLSX; the month still running is refused
    with the day its report becomes available."""
    page = signed_in(browser, site, "wang")
    page.click("nav >> text=月报")
    month = page.input_value("input[name=month]")
    assert page.locator("#monthly").count() == 1
    for kind, media in (("csv", "text/csv"), ("xlsx", "spreadsheetml")):
        href = page.locator(f"#{kind}").get_attribute("href")
        download = page.request.get(f"{site['server'].url}{href}")
        assert download.ok and media in download.headers["content-type"]
        assert f"monthly-{month}-LC01" in download.headers["content-disposition"]
    shot(page, "monthly-report")
    running = depot_time.today(system_clock()).strftime("%Y-%m")
    page.goto(f"{site['server'].url}/reports?month={running}")
    assert "available from" in page.inner_text("#report-error")


def test_a_tablet_and_the_keyboard(browser: Browser, site: dict[str, Any]) -> None:
    """On a tablet the pages fit the screen's width; with the keyboard alone, the first Tab
    reaches the skip link, Enter jumps to the content, and the menu's links follow in order."""
    tablet = browser.new_context(viewport={"width": 768, "height": 1024}, locale="zh-CN")
    page = tablet.new_page()
    page.goto(f"{site['server'].url}/login")
    page.fill("#username", "wang")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("nav")
    for path in ("/", "/inbound", "/orders", "/stocktakes", "/ledger", "/reports"):
        page.goto(f"{site['server'].url}{path}")
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 768, f"{path} is {page_width} px wide on a 768 px tablet"
    page.goto(f"{site['server'].url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    keyboard = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    keyboard.context.add_cookies(tablet.cookies())
    keyboard.goto(f"{site['server'].url}/")
    visited = []
    for _ in range(12):
        keyboard.keyboard.press("Tab")
        href = keyboard.evaluate("document.activeElement.getAttribute('href')")
        if href and keyboard.evaluate("!!document.activeElement.closest('nav ul')"):
            visited.append(href)
    assert visited[:5] == ["/", "/doors", "/inbound", "/acceptance", "/orders"]


def test_an_agency_points_contract_against_what_it_holds(
    browser: Browser, site: dict[str, Any]
) -> None:
    """The example's agency point LC02 and its contract: the period and days left, and each
    item contracted against what it holds available, the short ones in red."""
    url = site["server"].url
    admin = signed_in(browser, site, ADMIN[0])
    admin.click("nav >> text=代储点")
    contract = admin.locator("[data-point=LC02] .contract")
    assert contract.count() == 1 and contract.get_attribute("data-term") == "running"
    assert "剩余" in contract.inner_text() and "天" in contract.inner_text()
    rows = contract.locator("tbody tr")
    short = contract.locator("tbody tr.bad")
    assert rows.count() == 4 and short.count() == 2  # every other item is contracted above
    red = short.first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(253, 236, 234)"
    for row in short.all():
        assert int(row.get_attribute("data-short") or 0) > 0
    shot(admin, "agency")
    keeper = signed_in(browser, site, "li")  # bound to LC01: not its point
    keeper.goto(url + "/agency")
    assert keeper.locator("[data-point]").count() == 0
