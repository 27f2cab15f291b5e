"""The dashboard's labels page (标签打印) in Chromium, end to end: keeper li of LC01 picks the
depot's printer (named by its gateway's report) and the goods from the page's lists, asks for
two labels, and watches the request go from asked to printed in the page's own refresh while
the real gateway process takes it with its sync and prints it on a simulated Zebra
printer-encoder; then asks for an empty location's bin cards and sees why they were refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.conftest import KEEPER_PASSWORD

from harness.browser import chromium, log_in
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from harness.zpl_printer import ZplPrinter as Simulator
from harness.zpl_printer import gateway_toml

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def printing_gateway(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot, zebra: Simulator
) -> Iterator[GatewayProcess]:
    settings = gateway_toml(zebra, extension=2)
    process = GatewayProcess(tmp_path / "gateway", broker.port, server.url, depot.gateway_token,
                             settings=settings).start()  # fmt: skip
    yield process
    process.stop()


def test_a_keeper_asks_for_labels_and_watches_them_print(
    server: ServerProcess,
    depot: Depot,
    keeper: None,
    printing_gateway: GatewayProcess,
    zebra: Simulator,
) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        log_in(page, server.url, "li", KEEPER_PASSWORD)

        def printer_named() -> bool:  # the gateway's first report names its printer
            page.goto(f"{server.url}/labels")
            return page.locator("select#l-printer").count() == 1

        wait_until(printer_named, 30, "the gateway's printer on the page")
        assert "PR-D01 · ZPL · RFID" in page.inner_text("select#l-printer")
        page.select_option("#l-gtin", index=1)
        page.fill("#l-batch", "SCREEN1")
        page.fill("#l-qty", "40")
        page.fill("#l-units", "2")
        page.click("#ask-labels")
        row = page.locator("tr[data-request]").first
        assert row.get_attribute("data-state") in ("asked", "queued", "printed")
        page.wait_for_selector('tr[data-request][data-state="printed"]', timeout=60_000)
        assert "2 / 2" in page.locator('tr[data-state="printed"]').first.inner_text()
        assert len(zebra.good) == 2 and {p.format.scans[0].batch for p in zebra.good} == {"SCREEN1"}
        empty = printing_gateway.book(
            "SELECT code FROM locations WHERE kind = 'storage' AND code NOT IN "
            "(SELECT location FROM stock WHERE qty > 0) ORDER BY code LIMIT 1"
        )[0][0]
        page.select_option("#c-location", empty)
        page.click("#ask-cards")
        refused = page.wait_for_selector('tr[data-request][data-state="refused"]', timeout=60_000)
        assert refused is not None and "该货位没有库存" in refused.inner_text()
        page.close()
