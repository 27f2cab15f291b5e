"""A truck's tagged pallets into the depot through a receiving door's portal and, once
accepted and ordered, out through a loading door's portal: both portals tell in from out.
Real broker, server (SQLite and PostgreSQL), gateway and station processes; the LLRP simulator
plays both doors' readers, each with an outer (dock side, antenna 1) and an inner
(warehouse side, antenna 2) antenna.

The supplier's notice lists three tagged pallets of blankets. The truck's pallets are carried
in through door D01: each is received once, against the notice. A pallet carried back out
through D01 (the wrong one brought back to the truck) and in again is not received again.
The batch is accepted and an order takes all three pallets; a keeper puts door D02's portal
on the order from the floor page. The pallets are carried out through D02: each is loaded
once. A pallet carried back in through D02 is not unloaded, and carried out again is not
loaded twice. The server counts 60 received on the notice and 60 loaded on the order.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_floor_pages import login

from harness.depot import (
    ADMIN,
    Depot,
    GatewayProcess,
    ServerProcess,
    StationProcess,
    device_toml,
)
from harness.dispatching import accept_batch, order_for
from harness.forms import submit
from harness.llrp_sim import LlrpSimulator
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.portal_pass import IN, INNER, OUT, OUTER, Truck, sgtin96, sgtin_uri
from harness.procs import wait_until
from kernel.contract import Answer, parse_answer
from siteconfig.kinds import PORTAL_REPORT_EVERY, PORTAL_WINDOW

SITE = "LC01"
PASSWORD = "a-long-enough-password"
RECEIVING, LOADING = "LC01-D01-RFID1", "LC01-D02-RFID1"
BATCH, QTY = "2026TG", 20
WINDOW = 2.0  # seconds without a read that end a tag's presence at a door
ZONES = f"""
[rfid]
window = {WINDOW}
rssi_floor = -70
min_reads = 2

[rfid.doors.D01.zones]
outer = [1]
inner = [2]

[rfid.doors.D02.zones]
outer = [1]
inner = [2]
"""


@pytest.fixture
def zoned_gateway(
    tmp_path: Path, broker: Mosquitto, server: ServerProcess, depot: Depot
) -> Iterator[GatewayProcess]:
    process = GatewayProcess(
        tmp_path / "gateway", broker.port, server.url, depot.gateway_token, settings=ZONES
    ).start()
    yield process
    process.stop()


class Doors:
    """Both doors' readers and their station, and what the gateway answers them."""

    def __init__(self, workdir: Path, broker: Mosquitto) -> None:
        self.readers = {RECEIVING: LlrpSimulator(antennas=2).start(),
                        LOADING: LlrpSimulator(antennas=2).start()}  # fmt: skip
        doors = zip(self.readers.items(), ("D01", "D02"), strict=True)
        settings = {"antennas": [OUTER, INNER], "window": PORTAL_WINDOW,
                    "report_every": PORTAL_REPORT_EVERY}  # fmt: skip
        devices = [
            device_toml(device, "rfid_llrp", door, host="127.0.0.1", port=r.port, **settings)
            for (device, r), door in doors
        ]
        self.hear = MqttTestClient(broker.port)
        self.hear.subscribe(f"wh/v1/{SITE}/cmd/+")
        self.station = StationProcess(workdir, broker.port, devices).start()
        self.answers: list[tuple[str, Answer]] = []  # (device, answer)
        for reader in self.readers.values():
            reader.wait_inventory()

    def carry(self, device: str, epcs: list[str], direction: str) -> None:
        """The pallets through the door's portal one after another, two a second."""
        Truck(self.readers[device], rate=2.0, per_zone=6).carry(epcs, direction)
        self.last_carried = time.monotonic()

    def turn_back(self, device: str, epcs: list[str], first: str, then: str) -> None:
        """The pallets through the door one way and back the other, each time once they
        were out of the portal's reach for longer than the door's window (a new presence)."""
        passes = len(self.decided(device))
        self.gone()
        self.carry(device, epcs, first)
        wait_until(lambda: len(self.decided(device)) == passes + len(epcs), 20, "the passes")
        self.gone()
        self.carry(device, epcs, then)

    def gone(self) -> None:
        """Until the pallets last carried are out of reach for twice the door's window."""
        away = lambda: time.monotonic() - self.last_carried > 2 * WINDOW  # noqa: E731
        wait_until(away, 10, "the pallets out of the portal's reach")

    def heard(self) -> list[tuple[str, Answer]]:
        while not self.hear.messages.empty():
            message = self.hear.messages.get_nowait()
            self.answers.append((message.topic.rsplit("/", 1)[-1], parse_answer(message.payload)))
        return self.answers

    def decided(self, device: str) -> list[tuple[str | None, bool | None, str]]:
        """(direction, counted, English text) of each pass the door's portal decided."""
        return [
            (a.task.get("direction"), a.task.get("counted"), a.text_en)
            for d, a in self.heard()
            if d == device and a.task and a.task.get("direction")
        ]

    def close(self) -> None:
        self.station.stop()
        for reader in self.readers.values():
            reader.stop()
        self.hear.close()


def book_count(gateway: GatewayProcess, sql: str) -> int:
    with sqlite3.connect(gateway.database) as db:
        return int(db.execute(sql).fetchone()[0])


def outbox(gateway: GatewayProcess, kind: str) -> int:
    return book_count(gateway, f"SELECT count(*) FROM outbox WHERE type = '{kind}'")


def test_tagged_pallets_are_received_and_loaded_out_once_each_through_two_portals(
    tmp_path: Path,
    broker: Mosquitto,
    server: ServerProcess,
    depot: Depot,
    keeper: None,
    zoned_gateway: GatewayProcess,
) -> None:
    blanket = depot.example.items[6]
    uris = [sgtin_uri(blanket.gtin, 7001 + n) for n in range(3)]
    tags = [sgtin96(uri) for uri in uris]
    units = [{"epc": uri, "line": 1, "item": blanket.code, "batch": BATCH, "qty": QTY,
              "prod_date": "2026-10-01", "expiry": "2031-09-30"} for uri in uris]  # fmt: skip
    notice = {"number": "RK-2026-ROUND", "warehouse": SITE, "units": units,
              "lines": [{"item": blanket.code, "qty": 3 * QTY, "batch": BATCH}]}  # fmt: skip
    with server.login(("li", PASSWORD)) as li:
        assert li.post("/api/v1/inbound-notices", json=notice).status_code == 201
    listed = "SELECT count(*) FROM notice_units"
    wait_until(lambda: book_count(zoned_gateway, listed) == 3, 20, "the units listed")

    doors = Doors(tmp_path / "station", broker)
    try:
        # Into the depot through D01: each pallet received once, by its inward pass.
        doors.carry(RECEIVING, tags, IN)
        wait_until(lambda: outbox(zoned_gateway, "receiving") == 3, 20, "three pallets received")
        wait_until(lambda: len(doors.decided(RECEIVING)) == 3, 10, "three passes answered")
        assert [d[:2] for d in doors.decided(RECEIVING)] == [(IN, None)] * 3
        assert all(text.startswith("Received Blanket") for *_, text in doors.decided(RECEIVING))
        # The wrong pallet back to the truck, then in again: out is not received, in again
        # is already received.
        doors.turn_back(RECEIVING, tags[:1], OUT, IN)
        wait_until(lambda: len(doors.decided(RECEIVING)) == 5, 20, "the pallet's two passes")
        assert [(d, text) for d, _, text in doors.decided(RECEIVING)[3:]] == [
            (OUT, "Tag going out: not received"),
            (IN, f"Already received: batch {BATCH}"),
        ]
        assert outbox(zoned_gateway, "receiving") == 3

        def received() -> list[int]:
            with server.login(("li", PASSWORD)) as li:
                (row,) = li.get("/api/v1/inbound-notices").json()["rows"]
            return [line["received"] for line in row["lines"]]

        wait_until(lambda: received() == [3 * QTY], 30, "the receipts at the server")

        # Accepted, and ordered: the order's pick list reaches the gateway.
        accept_batch(server, blanket.code, BATCH, 3 * QTY)
        number = "DD-2026-PORTAL"
        order_id = order_for(server, depot, blanket.code, 3 * QTY, number)
        picks = f"SELECT count(*) FROM pick_lines WHERE order_no = '{number}'"
        wait_until(lambda: book_count(zoned_gateway, picks) > 0, 30, "the pick list synced")
        with login(zoned_gateway, "li") as page:  # the keeper puts D02's portal on the order
            page_of = f"/floor/device/{LOADING}"
            answer = submit(page, page_of, f"{page_of}/task", {"kind": "load", "ref": number})
            assert answer.status_code == 303, answer.text
            assert page.get(f"/floor/api/device/{LOADING}").json()["task"] == "load"

        # Out through D02: each pallet loaded once, by its outward pass.
        doors.carry(LOADING, tags, OUT)
        wait_until(lambda: outbox(zoned_gateway, "loading") == 3, 20, "three pallets loaded")
        wait_until(lambda: len(doors.decided(LOADING)) == 3, 10, "three passes answered")
        assert [d[:2] for d in doors.decided(LOADING)] == [(OUT, None)] * 3
        assert [re.sub(r"; \d+ to go", "", t) for *_, t in doors.decided(LOADING)] == [
            f"Loaded batch {BATCH}, {QTY} {blanket.unit_en}"
        ] * 3
        # A pallet carried back in off the truck and out again: not loaded twice.
        doors.turn_back(LOADING, tags[2:], IN, OUT)
        wait_until(lambda: len(doors.decided(LOADING)) == 5, 20, "the pallet's two passes")
        back, again = doors.decided(LOADING)[3:]
        assert back[:2] == (IN, False) and "came back in" in back[2]
        assert again[:2] == (OUT, False) and "Already loaded" in again[2]
        assert outbox(zoned_gateway, "loading") == 3
    finally:
        doors.close()

    with server.login(ADMIN) as admin:

        def loaded() -> int:
            picked = admin.get(f"/api/v1/dispatch/orders/{order_id}").json()["picks"]
            return sum(p["loaded"] for p in picked)

        wait_until(lambda: loaded() == 3 * QTY, 30, "the loads at the server")
    assert received() == [3 * QTY]
