"""A supervisor opens the dashboard in Chromium and sees a scanned delivery arrive."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from harness.browser import chromium
from harness.depot import ADMIN, Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess
from server.exampledata import gs1_128_label

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
        assert page.locator(f'#pending tr[data-item="{item.code}"]').count() == 0

        scanner.scan(gs1_128_label(item.gtin, "2026UI", date(2026, 4, 1), 35))
        row = page.locator(f'#pending tr[data-item="{item.code}"]')
        row.wait_for(timeout=20_000)  # arrives through the page's own refresh, no reload
        assert row.locator(".qty").inner_text().startswith("35")
        assert item.name_zh in row.inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"dashboard-{depot.db_url.split(':')[0]}.png"), full_page=True
        )
