"""Labels and bin cards asked for on the central dashboard and printed at the depot, through
the real server (SQLite and PostgreSQL), the real gateway process and a simulated Zebra
printer-encoder on TCP: a keeper asks on the /labels page; the gateway takes the request
with its sync, prints it, and its status reports bring back the printer and what came of
each request, which the page then shows: printed with its SSCCs, or refused with why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.depot import Depot, GatewayProcess, ServerProcess, prepare_database
from harness.forms import signed_in, submit
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from harness.zpl_printer import ZplPrinter as Simulator
from harness.zpl_printer import gateway_toml
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

pytestmark = pytest.mark.timeout(180)
PASSWORD = "round-trip-password"


@pytest.fixture
def depot(db_url: str) -> Depot:
    made = prepare_database(db_url, with_stock=True)
    engine = make_engine(made.db_url)
    create_user(engine, "zhang", PASSWORD, role="keeper", warehouse="LC01", now=system_clock())
    engine.dispose()
    return made


@pytest.fixture
def printing_gateway(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot, zebra: Simulator
) -> Iterator[GatewayProcess]:
    settings = gateway_toml(zebra, extension=3)
    process = GatewayProcess(tmp_path / "gateway", broker.port, server.url, depot.gateway_token,
                             settings=settings).start()  # fmt: skip
    yield process
    process.stop()


def requests_of(keeper: httpx.Client) -> dict[int, dict[str, Any]]:
    rows = keeper.get("/api/v1/print-requests", params={"depot": "LC01"}).json()["rows"]
    return {row["id"]: row for row in rows}


def ask(keeper: httpx.Client, action: str, form: dict[str, str]) -> int:
    """Send the /labels page's form to `action`; the id of the request it made."""
    before = set(requests_of(keeper))
    answer = submit(keeper, "/labels", action, form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[-1500:]
    (made,) = set(requests_of(keeper)) - before
    return made


def test_labels_and_bin_cards_asked_on_the_dashboard_print_at_the_depot(
    server: ServerProcess, depot: Depot, printing_gateway: GatewayProcess, zebra: Simulator
) -> None:
    gtin = depot.example.items[0].gtin
    keeper = signed_in(server.url, "zhang", PASSWORD)
    try:
        wait_until(lambda: "PR-D01" in keeper.get("/labels").text, 30,
                   "the gateway's report naming its printer")  # fmt: skip
        form = {"depot": "LC01", "printer": "PR-D01", "gtin": gtin, "batch": "DASH1",
                "qty": "40", "units": "2", "prod_date": "2026-03-01", "expiry": ""}  # fmt: skip
        labels = ask(keeper, "/labels", form)
        wait_until(lambda: requests_of(keeper)[labels]["state"] == "printed", 60,
                   "the gateway's report that both labels printed")  # fmt: skip
        assert len(zebra.good) == 2
        printed = [p.format.scans for p in zebra.good]
        assert [(s[0].gtin, s[0].batch, s[0].qty) for s in printed] == [(gtin, "DASH1", 40)] * 2
        row = requests_of(keeper)[labels]
        assert (row["jobs"], row["printed"]) == (2, 2)
        assert (row["first_sscc"], row["last_sscc"]) == (printed[0][1].sscc, printed[1][1].sscc)
        assert len(set(zebra.state.tags)) == 2  # each unit's tag written and read back
        # the bin cards of a location holding goods, and of one holding none
        stocked, empty = printing_gateway.book(
            "SELECT (SELECT location FROM stock WHERE qty > 0 ORDER BY location LIMIT 1), "
            "(SELECT code FROM locations WHERE kind = 'storage' AND code NOT IN "
            " (SELECT location FROM stock) ORDER BY code LIMIT 1)"
        )[0]
        cards = {"depot": "LC01", "printer": "PR-D01", "location": stocked}
        card = ask(keeper, "/labels/cards", cards)
        nothing = ask(keeper, "/labels/cards", {**cards, "location": empty})
        wait_until(lambda: requests_of(keeper)[card]["state"] == "printed", 60, "the cards")
        card_formats = [p.format for p in zebra.good[2:]]
        assert card_formats and all("市级救灾储备物资标识牌" in f.texts for f in card_formats)
        assert all(stocked in f.texts and f.qr for f in card_formats)
        wait_until(lambda: requests_of(keeper)[nothing]["state"] == "refused", 60, "the refusal")
        assert "nothing is stored there" in requests_of(keeper)[nothing]["reason_en"]
        page = keeper.get("/labels", params={"depot": "LC01"}).text
        assert "已打印" in page and "被拒绝" in page
    finally:
        keeper.close()
