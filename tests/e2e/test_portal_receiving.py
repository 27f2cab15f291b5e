"""A receiving door's RFID portal receives a truck's tagged pallets against the inbound notice
that lists them: real broker, server (SQLite and PostgreSQL) and gateway processes.

A keeper's notice lists three tagged pallets of blankets (the supplier's dispatch advice) and a
line of tents with no tags. Two pallets pass the door, each read many times: each is received
once; a read the station sends again gets its first answer. Seen again later (a new
presence), or its label scanned after, a pallet is not received again; an unknown tag is
answered with a warning. The server counts what the door received against
the notice, and the door's floor page shows what the truck brought against what the notice
expects, with the pallet still missing named by its tag. The second test takes the whole path
from a fixed reader: the LLRP simulator's tag reports through a station process.
"""

from __future__ import annotations

import queue
import sqlite3
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_floor_pages import login

from edge.clock import new_event_id, now_iso
from harness.depot import Depot, GatewayProcess, ServerProcess, StationProcess, device_toml
from harness.floor import SITE, Floor
from harness.llrp_sim import LlrpSimulator
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.portal_pass import sgtin96, sgtin_uri
from harness.procs import wait_until
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage, parse_answer

PASSWORD = "a-long-enough-password"
PORTAL, DOOR = "LC01-D01-FIX1", "D01"
WINDOW = 0.4  # the door's smoothing window (s): reads further apart are a new presence
NUMBER = "RK-2026-PORTAL"


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


def send_notice(
    server: ServerProcess, gateway: GatewayProcess, lines: list[dict[str, Any]], pallets: list[str]
) -> None:
    """The keeper's notice, its first line's pallets listed by tag, once the gateway has it."""
    units = [
        {"epc": epc, "line": 1, "item": lines[0]["item"], "batch": "2026TG", "qty": 20,
         "prod_date": "2026-10-01", "expiry": "2031-09-30"}
        for epc in pallets
    ]  # fmt: skip
    notice = {"number": NUMBER, "warehouse": SITE, "lines": lines, "units": units}
    with server.login(("li", PASSWORD)) as li:
        assert li.post("/api/v1/inbound-notices", json=notice).status_code == 201
    wait_until(lambda: listed_at_gateway(gateway) == len(pallets), 20, "the units synced")


def received_at_server(server: ServerProcess) -> list[int]:
    with server.login(("li", PASSWORD)) as li:
        (row,) = li.get("/api/v1/inbound-notices").json()["rows"]
    return [line["received"] for line in row["lines"]]


def test_a_trucks_tagged_pallets_are_received_once_each_at_the_portal(
    server: ServerProcess,
    depot: Depot,
    keeper: None,
    portal_gateway: GatewayProcess,
    floor: Floor,
) -> None:
    portal = Portal(floor)
    blanket, tent = depot.example.items[6], depot.example.items[0]
    pallets = [sgtin_uri(blanket.gtin, f"PAL{n}") for n in (1, 2, 3)]
    lines = [
        {"item": blanket.code, "qty": 60, "batch": "2026TG"},
        {"item": tent.code, "qty": 10},
    ]
    send_notice(server, portal_gateway, lines, pallets)
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
    stranger = portal.pass_by(sgtin_uri(blanket.gtin, "NOT-LISTED"), 3)
    assert [a.beep for a in stranger if a.beep == "warn"] == ["warn"]
    assert "scan its label" in next(a.text_en for a in stranger if a.beep == "warn")
    tents = floor.goods(PORTAL, "T-2026", 4, date(2026, 9, 1), door=DOOR, gtin=tent.gtin)
    assert tents.result == "ok"

    # the server counts what the door received against the notice, once per pallet
    wait_until(lambda: received_at_server(server) == [40, 4], 30, "the receipts at the server")

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


def answers_heard(client: MqttTestClient) -> list[Answer]:
    out = []
    while True:
        try:
            out.append(parse_answer(client.messages.get_nowait().payload))
        except queue.Empty:
            return out


def receipts_made(gateway: GatewayProcess) -> int:
    with sqlite3.connect(gateway.database) as db:
        return int(db.execute("SELECT count(*) FROM outbox WHERE type='receiving'").fetchone()[0])


def test_a_fixed_readers_reports_through_the_station_receive_each_pallet_once(
    tmp_path: Path,
    broker: Mosquitto,
    server: ServerProcess,
    depot: Depot,
    keeper: None,
    portal_gateway: GatewayProcess,
) -> None:
    """The whole path: the LLRP simulator's tag reports, the station's LLRP reader and its
    folding per antenna, the broker, the gateway's smoothing and receiving, the server."""
    blanket = depot.example.items[6]
    uris = [sgtin_uri(blanket.gtin, str(1000 + n)) for n in (1, 2, 3)]
    send_notice(server, portal_gateway, [{"item": blanket.code, "qty": 60, "batch": "2026TG"}],
                uris)  # fmt: skip
    device = "LC01-D01-RFID2"
    hear = MqttTestClient(broker.port)
    hear.subscribe(f"wh/v1/{SITE}/cmd/{device}")
    reader = LlrpSimulator(antennas=2).start()
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml(
                device,
                "rfid_llrp",
                door=DOOR,
                host="127.0.0.1",
                port=reader.port,
                antennas=[1, 2],
                window=0.2,
            )
        ],
    ).start()
    try:
        reader.wait_inventory()
        tags = [sgtin96(uri) for uri in uris[:2]]  # the third pallet is not on this truck
        for rssi in (-60, -52, -49, -55):  # the forklift passes: reads on both antennas
            reader.report(
                [(tag, 1, rssi, 5) for tag in tags] + [(tag, 2, rssi - 6, 3) for tag in tags]
            )
        wait_until(lambda: receipts_made(portal_gateway) == 2, 20, "two pallets received")
        passed = time.monotonic()
        heard = answers_heard(hear)
        # later pallet 1 is read again (a new presence): answered, not received again
        wait_until(lambda: time.monotonic() - passed > 2 * WINDOW, 5, "the presences to end")
        reader.report([(tags[0], 1, -50, 4)])

        def already() -> bool:
            heard.extend(answers_heard(hear))
            return any("Already received" in a.text_en for a in heard)

        wait_until(already, 20, "pallet 1 answered as already received")
        assert receipts_made(portal_gateway) == 2
        with login(portal_gateway, "li") as page:  # the door's device receives by default
            (brought,) = page.get(f"/floor/api/device/{device}").json()["brought"]
    finally:
        station.stop()
        reader.stop()
        hear.close()
    assert sum(1 for a in heard if a.text_zh.startswith("已收货")) == 2
    assert (brought["units"], brought["passed"], brought["lines"][0]["received"]) == (3, 2, 40)
    assert [u["epc"] for u in brought["missing"]] == [uris[2]]
    wait_until(lambda: received_at_server(server) == [40], 30, "the receipts at the server")
