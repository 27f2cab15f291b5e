"""A dock door whose RFID portal tells in from out, through the real gateway process on a real
broker: the test plays the portal's station, publishing one message a read (as an LLRP reader
reporting every tag) with its RSSI and the moment of its peak, and a handheld that tags the
pallets. The gateway's book holds the depot's master data and order 101 (its server is away:
the floor works on)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from integration.test_workflows import TENT, sync_answer

from gateway.storage import server_copy
from gateway.storage.store import GatewayStore
from harness.depot import GatewayProcess
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import free_port
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage, parse_answer, scan_topic

SITE = "LC01"
PORTAL = "LC01-D02-RFID1"
OUTGOING = "urn:epc:id:sgtin:6901234.056789.1"
PARKED = "urn:epc:id:sgtin:6901234.056789.2"
HIDDEN = "urn:epc:id:sgtin:6901234.056789.3"
BEIJING = timezone(timedelta(hours=8))
ZONES = """
[rfid]
window = 2.0
rssi_floor = -70
min_reads = 2

[rfid.doors.D02.zones]
outer = [1, 2]
inner = [3, 4]
"""

# A pallet carried out through door D02: inner antennas (3, 4) first, then outer (1, 2); one
# read a message: (antenna, RSSI dBm, seconds), with a reflection and a read under the floor.
OUT_PASS = [
    (3, -66.0, 0.00), (4, -63.5, 0.04), (3, -60.0, 0.09), (3, -57.5, 0.15), (4, -52.0, 0.21),
    (3, -49.5, 0.27), (1, -71.5, 0.30), (3, -46.0, 0.33), (4, -44.5, 0.38), (3, -43.0, 0.44),
    (4, -44.0, 0.50), (1, -66.0, 0.55), (3, -47.5, 0.57), (2, -31.0, 0.60),
    (4, -51.0, 0.66), (3, -55.5, 0.72), (1, -61.0, 0.78), (2, -57.5, 0.85), (3, -61.0, 0.88),
    (1, -53.0, 0.93), (2, -49.0, 1.00), (1, -46.5, 1.06), (2, -44.0, 1.12), (1, -45.0, 1.18),
    (2, -47.0, 1.24), (1, -51.5, 1.31), (2, -55.0, 1.37), (1, -59.0, 1.44), (2, -64.5, 1.52),
    (1, -63.0, 1.58), (2, -66.0, 1.63), (1, -67.5, 1.70),
]  # fmt: skip
IN_PASS = sorted(((a, rssi, 1.70 - at) for a, rssi, at in OUT_PASS), key=lambda r: r[2])


class Portal:
    """The door's station and a handheld, on the broker; every read waits for its answer."""

    def __init__(self, broker: Mosquitto) -> None:
        self.client = MqttTestClient(broker.port)
        self.client.subscribe(f"wh/v1/{SITE}/cmd/+")
        self.seq = 0
        self.start = datetime.now(BEIJING)  # the station's clock, as its messages' ts

    def send(
        self, device: str, data: ScanData, door: str | None = None, rfid: RfidInfo | None = None
    ) -> Answer:
        self.seq += 1
        now = datetime.now(BEIJING).isoformat(timespec="milliseconds")
        source = "serial" if rfid is None else "rfid"
        scan = ScanMessage(
            str(uuid.uuid4()), SITE, device, self.seq, now, source, b"x", True, data, door,
            rfid=rfid,
        )  # fmt: skip
        self.client.publish(scan_topic(SITE, device), scan.to_json())
        while True:
            answer = parse_answer(self.client.next(timeout=10).payload)
            if answer.re == scan.event_id:
                return answer

    def cmd(self, device: str, command: str, door: str | None = None) -> Answer:
        return self.send(device, ScanData(kind="command", command=command), door)

    def tag_pallet(self, epc: str, batch: str, qty: int) -> None:
        assert self.cmd("LC01-HH5", "TAG").result == "ok"
        goods = ScanData(kind="gs1", gtin=TENT, batch=batch, qty=qty)
        assert self.send("LC01-HH5", goods).result == "ok"
        assert batch in self.send("LC01-HH5", ScanData(kind="epc", epc_uri=epc)).text_en

    def reads(self, epc: str, rows: list[tuple[int, float, float]], at: float) -> list[Answer]:
        """The portal's reads of a tag, `at` seconds after the morning's start by the
        station's clock (one message a read, published as fast as the test goes)."""
        answers = []
        for antenna, rssi, offset in rows:
            moment = self.start + timedelta(seconds=at + offset)
            stamp = moment.isoformat(timespec="milliseconds")
            rfid = RfidInfo(antenna, rssi, 1, stamp, stamp, stamp)
            answers.append(self.send(PORTAL, ScanData(kind="epc", epc_uri=epc), "D02", rfid))
        return answers


@pytest.fixture
def gateway(tmp_path: Path, broker: Mosquitto) -> Iterator[GatewayProcess]:
    workdir = tmp_path / "gateway"
    workdir.mkdir()
    store = GatewayStore(workdir / "gateway.sqlite", time.time)
    with store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
    store.close()
    away = f"http://127.0.0.1:{free_port()}"  # the server is not there today
    process = GatewayProcess(workdir, broker.port, away, "token", settings=ZONES).start()
    yield process
    process.stop()


@pytest.fixture
def portal(broker: Mosquitto) -> Iterator[Portal]:
    portal = Portal(broker)
    yield portal
    portal.client.close()


def loads(gateway: GatewayProcess) -> list[tuple[str]]:
    return gateway.book("SELECT payload FROM outbox WHERE type = 'loading'")


def test_a_portal_loads_a_pallet_going_out_once_not_one_coming_in_nor_one_parked(
    gateway: GatewayProcess, portal: Portal
) -> None:
    portal.tag_pallet(OUTGOING, "2019A01", 20)
    portal.tag_pallet(PARKED, "2021B02", 4)
    assert portal.cmd(PORTAL, "LOAD:101", door="D02").result == "ok"

    # Out through the door: loaded once, by the read that decided the pass.
    answers = portal.reads(OUTGOING, OUT_PASS, at=0.0)
    decided = [a for a in answers if a.task and a.task.get("direction")]
    assert len(decided) == 1, [a.text_en for a in answers]
    (out,) = decided
    assert out.result == "ok" and "Loaded batch 2019A01" in out.text_en
    assert out.task is not None and out.task["direction"] == "out"
    assert all(a.task and a.task.get("counted") is False for a in answers if a is not out)
    assert len(loads(gateway)) == 1

    # The same pallet brought back in a minute later: not loaded again, and the operator
    # warned that it is still booked as loaded.
    answers = portal.reads(OUTGOING, IN_PASS, at=60.0)
    decided = [a for a in answers if a.task and a.task.get("direction")]
    assert [(a.task["direction"], a.task["counted"]) for a in decided if a.task] == [("in", False)]
    assert "came back in" in decided[0].text_en and decided[0].beep == "warn"
    assert len(loads(gateway)) == 1

    # A pallet parked by the door for half a minute, read all along on both sides, its signal
    # fading now and then (a forklift crossing the beam): never counted.
    levels = {1: -48.0, 2: -50.0, 3: -55.0, 4: -57.0}
    fades = {n: 10.0 for start in (17, 45, 46, 80, 81, 103) for n in range(start, start + 4)}
    parked = [
        (1 + n % 4, levels[1 + n % 4] - n % 3 - fades.get(n, 0.0), n * 0.25) for n in range(120)
    ]
    answers = portal.reads(PARKED, parked, at=120.0)
    assert all(a.task and a.task.get("counted") is False for a in answers)
    assert not any(a.task and a.task.get("direction") for a in answers)
    assert len(loads(gateway)) == 1


def test_a_pallet_hidden_at_its_outer_peak_is_loaded_when_it_is_gone(
    gateway: GatewayProcess, portal: Portal
) -> None:
    """Carried out into a truck whose body hides the tag just after the outer antennas'
    peak: no read shows it leaving, so the pass is decided when the tag has not been read
    for the window, answered on its own to the portal's station."""
    portal.tag_pallet(HIDDEN, "2019A01", 20)
    assert portal.cmd(PORTAL, "LOAD:101", door="D02").result == "ok"
    answers = portal.reads(HIDDEN, OUT_PASS[:24], at=0.0)  # up to the outer peak at 1.18 s
    assert not any(a.task and a.task.get("direction") for a in answers)
    while True:  # the pass, a few seconds later on its own
        ended = parse_answer(portal.client.next(timeout=10).payload)
        if ended.task and ended.task.get("ended"):
            break
    assert ended.task["direction"] == "out" and "Loaded batch 2019A01" in ended.text_en
    assert len(loads(gateway)) == 1
