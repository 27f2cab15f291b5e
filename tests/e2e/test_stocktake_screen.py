"""A stocktake round in the browser (art. 12(3)), start to finish on a real server on
PostgreSQL, counted at the floor through LC01's gateway process and Mosquitto: a supervisor
opens a round of one zone on a 768 px tablet (a tolerance out of its bounds shown beside its
field first); a keeper counts it on a handheld (COUNT:<id>, each location, its goods, CARD:<n>,
DONE), one stack two short and the floor's own ask to count it again passed by, and the round's
page follows the progress without a reload; the close asks for that line to be counted again
and lists it for the counters; the gateway learns it from its sync and the keeper recounts it on
another handheld as round 2; the round closes, the supervisor records the variance's reason, and
approving the adjustments himself is refused with the next step; another supervisor approves
them. The keeper sees the round and the line to recount, never a ledger quantity or a variance;
a dispatcher sees no form and the close's POST is refused (403). The screenshot
docs/screenshots/stocktake-round.png is taken here (DEPOT_SCREENSHOTS=docs/screenshots to
refresh it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from itertools import groupby
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlalchemy import func, select

from harness.browser import chromium
from harness.depot import Depot, GatewayProcess, ServerProcess, prepare_database
from harness.floor import Floor
from harness.postgres import PostgresCluster
from harness.procs import wait_until
from kernel.clock import system_clock
from kernel.contract import Answer
from server.services.accounts import create_user
from server.storage.db import make_engine
from server.storage.tables import batches, locations, stock

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
PASSWORD = "a-long-enough-password"
SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
TABLET = {"width": 768, "height": 1024}
SITE = "LC01"


@pytest.fixture
def db_url(postgres_cluster: PostgresCluster) -> str:
    """This workflow runs on PostgreSQL (the issue's rule for stocktakes)."""
    return postgres_cluster.new_database()


@pytest.fixture
def depot(db_url: str) -> Depot:
    """The example depot with its opening stock, to count."""
    return prepare_database(db_url, with_stock=True)


def log_in(page: Page, server: ServerProcess, who: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav")


def smallest_zone(depot: Depot) -> tuple[str, list[tuple[str, str, str, int]]]:
    """The LC01 zone with the fewest stacks, and its stacks (location, item, batch, qty)."""
    engine = make_engine(depot.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(locations.c.zone, locations.c.code, batches.c.item_code, batches.c.batch_no,
                   func.sum(stock.c.qty))
            .join(locations, locations.c.id == stock.c.location_id)
            .join(batches, batches.c.id == stock.c.batch_id)
            .where((stock.c.warehouse == SITE) & (stock.c.qty > 0))
            .group_by(locations.c.zone, locations.c.code, batches.c.item_code, batches.c.batch_no)
        ).all()  # fmt: skip
    engine.dispose()
    zones: dict[str, list[tuple[str, str, str, int]]] = {}
    for zone, *line in rows:
        zones.setdefault(zone, []).append((line[0], line[1], line[2], int(line[3])))
    zone = min(zones, key=lambda z: (len(zones[z]), z))
    return zone, sorted(zones[zone])


def count_location(
    floor: Floor,
    depot: Depot,
    device: str,
    stacks: list[tuple[str, str, str, int]],
    less: Mapping[tuple[str, str], int],
) -> Answer:
    """A keeper's handheld at one location: its label, then each stack's goods (`less` fewer
    of a batch than the stack holds) and its bin card; the location's answer, which also
    names the location it closed before."""
    gtins = {item.code: item.gtin for item in depot.example.items}
    made = {(b.item_code, b.batch_no): b.prod_date for b in depot.example.batches}
    opened = floor.at(device, stacks[0][0])
    assert opened.result == "ok", opened
    for _, item, batch, qty in stacks:
        found = qty - less.get((item, batch), 0)
        counted = floor.goods(device, batch, found, made[item, batch], gtin=gtins[item])
        assert counted.result == "ok" and str(found) in counted.text_en, counted
        assert floor.cmd(device, f"CARD:{qty}").result == "ok"
    return opened


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_round_opened_counted_at_the_floor_recounted_closed_and_approved(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, floor: Floor
) -> None:
    engine = make_engine(depot.db_url)
    for name, role in (("wang", "supervisor"), ("zhou", "supervisor"), ("li", "keeper"),
                       ("sun", "dispatcher")):  # fmt: skip
        create_user(engine, name, PASSWORD, role=role, warehouse=SITE, now=system_clock())
    engine.dispose()
    zone, stacks = smallest_zone(depot)
    short = stacks[0]  # counted two short, twice: a real loss
    wait_until(
        lambda: gateway.book("SELECT 1 FROM stock LIMIT 1"),
        timeout=30,
        what="the gateway's first sync",
    )

    with chromium() as browser:
        page = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(page, server, "wang")
        page.click("nav >> text=盘点")
        page.wait_for_selector("#open-form")
        page.select_option("#f-zone", zone)
        page.fill("#f-tolerance", "-1")
        page.click("#open")
        error = page.locator("#e-f-tolerance")
        error.wait_for()
        assert "不能小于 0" in error.inner_text() and "at least 0" in error.inner_text()
        assert page.get_attribute("#f-tolerance", "aria-invalid") == "true"
        assert page.input_value("#f-zone") == zone  # as chosen
        page.fill("#f-tolerance", "0")
        page.focus("#f-tolerance")
        page.keyboard.press("Enter")
        page.wait_for_selector("#round")
        assert "已开始盘点" in page.locator("#message").inner_text()
        take = int(page.url.rsplit("/", 1)[1])
        counted = page.locator("#round-counted")
        assert counted.inner_text() == f"0 / {len(stacks)}"
        assert no_horizontal_scroll(page)

        # the keeper counts at the floor; the page follows without a reload
        wait_until(
            lambda: gateway.book("SELECT id FROM stocktakes") == [(take,)],
            timeout=20,
            what="the round at the gateway",
        )
        page.locator("#live-state.on").wait_for(timeout=10_000)
        page.evaluate("window.notReloaded = true")
        hh = "LC01-HH3"
        assert floor.badge(hh, "li").result == "ok"  # a count is credited to who counted
        assert floor.cmd(hh, f"COUNT:{take}").result == "ok"
        two_short = {(short[1], short[2]): 2}
        answers = [
            count_location(floor, depot, hh, list(there), two_short)
            for _, there in groupby(stacks, key=lambda stack: stack[0])
        ]
        asked = answers[1]  # the next location closes the short one: the floor asks it again,
        assert asked.beep == "warn" and f"{short[0]}: variance over tolerance" in asked.text_en
        assert str(short[3]) not in asked.text_en + asked.text_zh  # blind
        finished = floor.cmd(hh, "DONE")  # and the keeper goes on: the close will ask too
        assert finished.result == "ok" and finished.beep == "ok"
        page.wait_for_function(
            f"document.querySelector('#round-counted').textContent === "
            f"'{len(stacks)} / {len(stacks)}'",
            timeout=20_000,
        )
        assert page.evaluate("window.notReloaded") is True
        row = page.locator(f'#zones tr[data-zone="{zone}"] .progress')
        assert row.inner_text() == f"{len(stacks)} / {len(stacks)}"

        # the close asks for the line off by more than the tolerance to be counted again
        page.click("#close")
        page.wait_for_selector("#recount")
        assert "请复盘" in page.locator("#message").inner_text()
        assert short[0] in page.locator("#recount").inner_text()
        assert page.locator("#round-state").get_attribute("data-state") == "counting"

        # the keeper sees the round and the line to recount, never the ledger or a variance
        keeper = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(keeper, server, "li")
        keeper.goto(f"{server.url}/stocktakes/{take}")
        keeper.wait_for_selector("#recount")
        shown = keeper.locator("main").inner_text()
        assert short[0] in shown and short[2] in shown
        assert keeper.locator("#variances").count() == 0
        assert "差异" not in shown and "Variance" not in shown and "账" not in shown
        assert keeper.locator("#close-form, #approve-form, #skip-form").count() == 0

        # the gateway learns from its sync what the close asked; any handheld counts it again
        wait_until(
            lambda: (
                gateway.book("SELECT location FROM stocktake_recounts WHERE stocktake=?", take)
                == [(short[0],)]
            ),
            timeout=20,
            what="the recount asked at the gateway",
        )
        hh2 = "LC01-HH2"
        assert floor.badge(hh2, "li").result == "ok"
        assert floor.cmd(hh2, f"COUNT:{take}").result == "ok"
        opened = count_location(floor, depot, hh2, [short], two_short)
        assert "(recount)" in opened.text_en and "复盘" in opened.text_zh
        recounted = floor.cmd(hh2, "DONE")
        assert recounted.beep == "ok" and f"{short[0]} counted" in recounted.text_en
        wait_until(lambda: gateway.outbox_pending() == 0, timeout=20, what="the recount sent")

        page.click("#close")
        page.wait_for_selector("#round-state[data-state=closed]")
        assert "已关闭" in page.locator("#message").inner_text()
        line = page.locator(f'#variances tr[data-line="{short[0]}/{short[2]}"]')
        cells = line.locator("td.num").all_inner_texts()
        assert cells[0] == str(short[3]) and cells[2] == str(short[3] - 2) and cells[3] == "-2"
        line.locator("select").select_option("damaged")
        line.locator("button").click()
        page.wait_for_selector("#message")
        assert "已记录差异原因" in page.locator("#message").inner_text()
        assert page.locator("#mine").count() == 1  # wang closed it

        # approving one's own close: refused, with the next step
        page.check("#confirm")
        page.click("#approve")
        refused = page.locator("#message[data-reason=same_person]")
        refused.wait_for()
        assert "需由另一位主管审批" in refused.inner_text()
        assert "must be approved by another supervisor" in refused.inner_text()
        assert no_horizontal_scroll(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "stocktake-round.png"), full_page=True)

        other = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(other, server, "zhou")
        other.goto(f"{server.url}/stocktakes/{take}")
        assert other.locator("#mine").count() == 0
        other.check("#confirm")
        other.click("#approve")
        other.wait_for_selector("#round-state[data-state=adjusted]")
        assert "已批准调账" in other.locator("#message").inner_text()
        assert other.locator("#approve-form").count() == 0

        # a dispatcher reads the round with no form; the close's POST is refused
        sun = browser.new_page(viewport=TABLET, locale="zh-CN")
        log_in(sun, server, "sun")
        sun.goto(f"{server.url}/stocktakes")
        assert sun.locator("#open-form").count() == 0
        sun.goto(f"{server.url}/stocktakes/{take}")
        sun.wait_for_selector("#round")
        assert sun.locator("form[action^='/stocktakes/']").count() == 0
        assert sun.locator("#variances").count() == 0
        status = sun.evaluate(
            """async (take) => {
                const token = document.querySelector('input[name=csrf_token]').value;
                const body = new URLSearchParams({csrf_token: token});
                const answer = await fetch(`/stocktakes/${take}/close`, {method: 'POST', body});
                return answer.status;
            }""",
            take,
        )
        assert status == 403
