"""The floor pages' label form and printer panel in Chromium, on the real gateway process with
a simulated Zebra printer-encoder on TCP: a keeper asks for a delivery's labels and they print
with their tags; the printer runs out of paper, the overview says so in its own refresh, and
after the roll is changed the label waiting prints and the trouble is gone from the page (a
printer with nothing waiting is not listed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.test_workflows import TENT, sync_answer

from gateway.storage import server_copy
from gateway.storage.store import GatewayStore
from harness.browser import chromium
from harness.depot import GatewayProcess
from harness.mosquitto import Mosquitto
from harness.procs import free_port, wait_until
from harness.zpl_printer import ZplPrinter as Simulator
from kernel.passwords import hash_password

pytestmark = pytest.mark.timeout(120)
PIN = "1357-2468"


@pytest.fixture
def gateway(tmp_path: Path, broker: Mosquitto, zebra: Simulator) -> Iterator[GatewayProcess]:
    """The depot's gateway, its server away today: its book holds the catalogue and keeper
    li with her floor PIN; dock 1's printer encodes tags."""
    workdir = tmp_path / "gateway"
    workdir.mkdir()
    store = GatewayStore(workdir / "gateway.sqlite", time.time)
    with store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
        db.execute("INSERT INTO floor_people VALUES ('li', 'Li Na', 'keeper', ?)",
                   (hash_password(PIN),))  # fmt: skip
    store.close()
    settings = (
        '\n[labels]\ncompany_prefix = "6901234"\nextension = 0\n'
        f'\n[printers.D01]\nkind = "zpl"\nhost = "{zebra.host}"\nport = {zebra.port}\n'
        "rfid = true\ntimeout = 2\n"
    )
    away = f"http://127.0.0.1:{free_port()}"
    process = GatewayProcess(workdir, broker.port, away, "token", settings=settings).start()
    yield process
    process.stop()


def test_a_keeper_prints_labels_from_the_page_and_sees_the_printer_out_of_paper(
    gateway: GatewayProcess, zebra: Simulator
) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 412, "height": 915}, locale="zh-CN")
        page.goto(f"{gateway.url}/floor/labels/new")
        page.fill("#username", "li")
        page.fill("#pin", PIN)
        page.click("button[type=submit]")
        page.goto(f"{gateway.url}/floor")
        page.click('a[href="/floor/labels/new"]')  # the overview's way to the label form

        def ask(units: int) -> None:
            page.select_option("#printer", "D01")
            page.fill("#gtin", TENT)
            page.fill("#batch", "2026C07")
            page.fill("#qty", "20")
            page.fill("#units", str(units))
            page.fill("#prod_date", "2026-03-01")
            page.click("form[action='/floor/labels'] button[type=submit]")
            page.wait_for_url(lambda url: "/floor/labels/new" not in url)

        ask(2)
        wait_until(lambda: len(zebra.good) == 2, 30, "two labels printed")
        # the gateway has seen the printer settle after the second (a fault before that
        # leaves it for a supervisor to confirm): then the roll runs out
        done = "SELECT count(*) FROM print_jobs WHERE state = 'printed'"
        wait_until(lambda: gateway.book(done) == [(2,)], 30, "both jobs recorded printed")
        assert len(set(zebra.state.tags)) == 2  # each unit's tag encoded, its own
        assert zebra.good[0].format.scans[0].batch == "2026C07"

        zebra.run_out_of_paper()
        page.goto(f"{gateway.url}/floor/labels/new")
        ask(1)
        trouble = page.locator("#printers", has_text="打印机缺纸")
        trouble.wait_for(timeout=20_000)  # through the overview's own refresh
        assert "out of paper" in trouble.inner_text()
        zebra.refill()
        wait_until(lambda: len(zebra.good) == 3, 30, "the label after the refill")
        trouble.wait_for(state="detached", timeout=20_000)  # nothing waits: no trouble shown
