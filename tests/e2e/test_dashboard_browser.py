"""A supervisor opens the dashboard in Chromium and sees a scanned delivery arrive: the scan
goes station -> broker -> gateway -> server, the server tells the page through server-sent
events, and the page updates its live part without a reload."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from demo.exampledata import gs1_128_label
from harness.browser import chromium
from harness.depot import ADMIN, Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess

ARTIFACTS = Path(os.environ.get("DEPOT_TEST_ARTIFACTS", "test-artifacts"))


def test_the_dashboard_shows_a_received_quantity_without_reload(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    item = depot.example.items[4]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(f"{server.url}/")
        assert page.url.endswith("/login")
        page.fill("#username", ADMIN[0])
        page.fill("#password", ADMIN[1])
        page.click("button[type=submit]")
        page.wait_for_selector("#stock")
        page.locator("#live-state.on").wait_for(timeout=10_000)  # the event stream is open
        pending = page.locator(
            f'#stock tr[data-item="{item.code}"] td[data-status="pending_acceptance"]'
        )
        assert page.locator(f'#stock tr[data-item="{item.code}"]').count() == 0
        page.evaluate("window.notReloaded = true")

        scanner.scan(gs1_128_label(item.gtin, "2026UI", date(2026, 4, 1), 35))
        pending.wait_for(timeout=20_000)  # told by the server, fetched by the page
        assert pending.inner_text() == "35"
        assert item.name_zh in page.locator(f'#stock tr[data-item="{item.code}"]').inner_text()
        assert page.locator("#card-pending .figure").inner_text() == "35"
        assert page.evaluate("window.notReloaded") is True
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"dashboard-{depot.db_url.split(':')[0]}.png"), full_page=True
        )


def test_doors_show_each_device_and_its_reads_live(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    """The gateway reports its devices to the server; the doors page shows the station's
    scanner online at D01, and a scan raises the door's read count without a reload."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(f"{server.url}/login")
        page.fill("#username", ADMIN[0])
        page.fill("#password", ADMIN[1])
        page.click("button[type=submit]")
        page.click("nav >> text=库门与设备")
        lc01 = page.locator('section[data-depot="LC01"]')
        device = lc01.locator('tr[data-door="D01"] [data-device="LC01-D01-FIX1"]')
        device.wait_for(timeout=20_000)
        page.wait_for_function(
            "document.querySelector('section[data-depot=LC01] tr[data-door=D01] .device')"
            ".textContent.includes('在线')",
            timeout=20_000,
        )
        assert "在线" in lc01.locator(".gateway-state").inner_text()
        assert "从未" not in lc01.locator(".sync-state").inner_text()  # the gateway has synced
        reads = lc01.locator('tr[data-door="D01"] .reads')
        before = int(reads.inner_text())
        page.evaluate("window.notReloaded = true")
        item = depot.example.items[1]
        scanner.scan(gs1_128_label(item.gtin, "2026DR", date(2026, 5, 1), 5))
        page.wait_for_function(
            f"Number(document.querySelector('section[data-depot=LC01] tr[data-door=D01] .reads')"
            f".textContent) > {before}",
            timeout=20_000,
        )
        assert page.evaluate("window.notReloaded") is True
        shots = Path(os.environ.get("DEPOT_SCREENSHOTS", "test-artifacts/screenshots"))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "doors.png"), full_page=True)
        # LC02 has no gateway in this test: silent, never synced
        lc02 = page.locator('section[data-depot="LC02"]')
        assert "无报告" in lc02.locator(".gateway-state").inner_text()
        assert "从未" in lc02.locator(".sync-state").inner_text()
