"""A receiving door's RFID portal receives a truck's tagged pallets against the inbound notice
that lists them: real broker, server (SQLite and PostgreSQL) and gateway processes.

A keeper's notice lists three tagged pallets of blankets (the supplier's dispatch advice) and a
line of tents with no tags. Two pallets pass the door, each read many times: each is received
once; a read the station sends again gets its first answer. Seen again later (a new
presence), or its label scanned after, a pallet is not received again; an unknown tag is
answered with a warning. The server counts what the door received against
the notice, and the door's floor page shows what the truck brought against what the notice
expects, with the pallet still missing named by its tag.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from test_floor_pages import FLOOR_PIN, login

from edge.clock import new_event_id, now_iso
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.floor import SITE, Floor
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from kernel.clock import system_clock
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
PORTAL, DOOR = "LC01-D01-FIX1", "D01"
WINDOW = 0.4  # the door's smoothing window (s): reads further apart are a new presence
NUMBER = "RK-2026-PORTAL"


def sgtin(gtin: str, serial: str) -> str:
    return f"urn:epc:id:sgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{serial}"


@pytest.fixture
def keeper(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "li", PASSWORD, role="keeper", warehouse=SITE, floor_pin=FLOOR_PIN["li"],
                now=system_clock())  # fmt: skip
    engine.dispose()


@pytest.fixture
def portal_gateway(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot
) -> Iterator[GatewayProcess]:
    process = GatewayProcess(
        tmp_path / "gateway",
        broker.port,
        server.url,
        depot.gateway_token,
        settings=f"\n[rfid]\nwindow = {WINDOW}\nmin_reads = 2\nrssi_floor = -70\n\n",
    ).start()
    yield process
    process.stop()


class Portal:
    """The receiving door's RFID portal, reading tags as they pass."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.sent: list[tuple[ScanMessage, Answer]] = []  # every read and its answer

    def pass_by(self, epc: str, reads: int) -> list[Answer]:
        """A tag passing: `reads` reads in a row, strong enough to be at this door."""
        answers = []
        for _ in range(reads):
            self.floor.seq += 1
            scan = ScanMessage(new_event_id(), SITE, PORTAL, self.floor.seq, now_iso(), "rfid",
                               b"epc", True, ScanData(kind="epc", epc_uri=epc), door=DOOR,
                               rfid=RfidInfo(antenna=1, rssi=-48.0, reads=1))  # fmt: skip
            answers.append(self.floor.send(scan))
            self.sent.append((scan, answers[-1]))
        return answers


def received_by_tag(answers: list[Answer]) -> int:
    return sum(1 for a in answers if a.text_zh.startswith("已收货"))


def listed_at_gateway(gateway: GatewayProcess) -> int:
    with sqlite3.connect(gateway.database) as db:
        return int(db.execute("SELECT count(*) FROM notice_units").fetchone()[0])


def test_a_trucks_tagged_pallets_are_received_once_each_at_the_portal(
    server: ServerProcess,
    depot: Depot,
    keeper: None,
    portal_gateway: GatewayProcess,
    floor: Floor,
) -> None:
    portal = Portal(floor)
    blanket, tent = depot.example.items[6], depot.example.items[0]
    pallets = [sgtin(blanket.gtin, f"PAL{n}") for n in (1, 2, 3)]
    notice = {
        "number": NUMBER,
        "warehouse": SITE,
        "lines": [
            {"item": blanket.code, "qty": 60, "batch": "2026TG"},
            {"item": tent.code, "qty": 10},
        ],
        "units": [
            {
                "epc": epc,
                "line": 1,
                "item": blanket.code,
                "batch": "2026TG",
                "qty": 20,
                "prod_date": "2026-10-01",
                "expiry": "2031-09-30",
            }
            for epc in pallets
        ],
    }
    with server.login(("li", PASSWORD)) as li:
        assert li.post("/api/v1/inbound-notices", json=notice).status_code == 201
    wait_until(lambda: listed_at_gateway(portal_gateway) == 3, 20, "the notice's units synced")
    assert floor.cmd(PORTAL, "RECEIVE", door=DOOR).result == "ok"

    first = portal.pass_by(pallets[0], 6) + portal.pass_by(pallets[1], 6)
    assert received_by_tag(first) == 2  # six reads each, one receipt each
    assert all(a.result == "ok" for a in first)
    # the station resends a read that received a pallet (its answer was lost): the same
    # answer, nothing received again
    scan, answer = next((s, a) for s, a in portal.sent if a.text_zh.startswith("已收货"))
    assert floor.send(scan) == answer
    last_read = time.monotonic()
    # the truck backs up: pallet 1 is seen again, a new presence after the window
    wait_until(lambda: time.monotonic() - last_read > 2 * WINDOW, 5, "the presence to end")
    again = portal.pass_by(pallets[0], 4)
    assert received_by_tag(again) == 0
    assert any("Already received" in a.text_en for a in again)
    # pallet 2's label scanned after its tag passed: the same unit, not received again
    label = ScanData(kind="gs1", gtin=blanket.gtin, batch="2026TG", qty=20, serial="PAL2")
    assert "Already received" in floor.read(PORTAL, label, b"label", DOOR).text_en
    stranger = portal.pass_by(sgtin(blanket.gtin, "NOT-LISTED"), 3)
    assert [a.beep for a in stranger if a.beep == "warn"] == ["warn"]
    assert "scan its label" in next(a.text_en for a in stranger if a.beep == "warn")
    tents = floor.goods(PORTAL, "T-2026", 4, date(2026, 9, 1), door=DOOR, gtin=tent.gtin)
    assert tents.result == "ok"

    # the server counts what the door received against the notice, once per pallet
    def received_at_server() -> list[int]:
        with server.login(("li", PASSWORD)) as li:
            (row,) = li.get("/api/v1/inbound-notices").json()["rows"]
        return [line["received"] for line in row["lines"]]

    wait_until(lambda: received_at_server() == [40, 4], 30, "the receipts at the server")

    # the door's floor page: brought against expected, the missing pallet by its tag
    with login(portal_gateway, "li") as page:
        detail = page.get(f"/floor/api/device/{PORTAL}").json()
        html = page.get(f"/floor/device/{PORTAL}").text
    (brought,) = detail["brought"]
    assert (brought["number"], brought["units"], brought["passed"]) == (NUMBER, 3, 2)
    assert [(x["expected"], x["received"], x["short"], x["units"], x["passed"])
            for x in brought["lines"]] == [(60, 40, 20, 3, 2), (10, 4, 6, 0, 0)]  # fmt: skip
    assert [u["epc"] for u in brought["missing"]] == [pallets[2]]
    assert "本车到货与通知对比" in html and "What the truck brought" in html
    missing = html.split('<ul class="missing">')[1].split("</ul>")[0]
    assert pallets[2] in missing and pallets[0] not in missing
    assert httpx.get(f"{portal_gateway.url}/healthz").status_code == 200
