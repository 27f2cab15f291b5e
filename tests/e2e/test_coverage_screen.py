"""The coverage view in Chromium, on the example depot's places: the map has a circle per
place, red where the 2 hours are not met and green where they are, and squares for the
depots; the table's uncovered places are red where a person reads them. The screenshot of
docs/dashboard.md is taken here (DEPOT_SCREENSHOTS=docs/screenshots to refresh it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from harness.browser import chromium, log_in
from harness.depot import ADMIN, ServerProcess, prepare_database

SHOTS = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
RED, GREEN = "rgb(179, 38, 30)", "rgb(26, 127, 55)"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("coverage")
    depot = prepare_database(f"sqlite:///{work / 'server.sqlite'}", with_stock=True)
    process = ServerProcess(depot.db_url, work).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


def test_the_map_shows_each_place_red_or_green(browser: Browser, server: ServerProcess) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, server.url, *ADMIN)
    page.click("nav >> text=调运覆盖")
    page.wait_for_selector("svg.coverage")
    places = page.locator("svg.coverage circle.place")
    rows = page.locator("#coverage tbody tr")
    assert places.count() == rows.count() == 12
    fills = {
        c.get_attribute("data-code"): c.evaluate("e => getComputedStyle(e).fill")
        for c in places.all()
    }
    red = {code for code, fill in fills.items() if fill == RED}
    green = {code for code, fill in fills.items() if fill == GREEN}
    assert red | green == set(fills) and {"MY-PINGWU", "MY-QINGPIAN"} <= red
    assert "MY-FUCHENG" in green
    # the table agrees: the same places are marked not covered, in red
    marked = {
        r.get_attribute("data-place") for r in rows.all() if r.locator("th.uncovered").count() == 1
    }
    assert marked == red
    pingwu = page.locator('#coverage tr[data-place="MY-PINGWU"] th')
    assert pingwu.evaluate("e => getComputedStyle(e).color") == RED
    assert "未覆盖" in pingwu.inner_text()
    assert page.locator("svg.coverage rect.depot-square").count() == 2
    # every circle is drawn inside the picture
    box = page.locator("svg.coverage").bounding_box()
    assert box is not None
    for c in places.all():
        spot = c.bounding_box()
        assert spot is not None and box["x"] <= spot["x"] <= box["x"] + box["width"]
        assert box["y"] <= spot["y"] <= box["y"] + box["height"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "coverage.png"), full_page=True)
