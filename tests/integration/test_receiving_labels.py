"""Labels at receiving, through the real gateway process on a real broker: a delivery's units
are received at door D01 by their goods labels, and the door's printer-encoder (a simulated
Zebra on TCP) prints each unit's GS1 logistic label and encodes its tag; the tags then stand
for the units. The test plays the door's scanner and a handheld; the gateway's book holds the
depot's master data (its server is away: the floor works on)."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from integration.test_workflows import QUILT, sync_answer

from gateway.domain.labels import epc_uri, sscc_epc
from gateway.storage import server_copy
from gateway.storage.store import GatewayStore
from harness.depot import GatewayProcess
from harness.floor import Floor as DepotFloor
from harness.forms import submit
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import free_port, wait_until
from harness.zpl_printer import ZplPrinter as Simulator
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage, cmd_topic
from kernel.passwords import hash_password

pytestmark = pytest.mark.timeout(120)
SITE, SCANNER, HANDHELD = "LC01", "LC01-D01-SC1", "LC01-HH5"
PORTAL = "LC01-D02-RFID1"  # door D02's portal, loading order 101 (tents)
PREFIX, EXTENSION = "6901234", 3
BEIJING = timezone(timedelta(hours=8))
UNIT = ScanData(kind="gs1", gtin=QUILT, batch="2026Q1", qty=10, prod_date="2026-09-01")


class Floor(DepotFloor):
    """The door's scanner and a handheld on the broker; every read waits for its answer."""

    def __init__(
        self, broker: Mosquitto, devices: tuple[str, ...] = (SCANNER, HANDHELD, PORTAL)
    ) -> None:
        self.client = MqttTestClient(broker.port)  # the goods are the test's own
        for device in devices:  # the answers to these devices (not a reader's encode requests)
            self.client.subscribe(cmd_topic(SITE, device))
        self.seq = 0

    def scan(self, device: str, data: ScanData, door: str | None = None) -> ScanMessage:
        self.seq += 1
        now = datetime.now(BEIJING).isoformat(timespec="milliseconds")
        rfid = RfidInfo(1, -45.0, 3, now, now, now) if data.kind == "epc" else None
        source = "rfid" if rfid else "serial"
        return ScanMessage(
            str(uuid.uuid4()), SITE, device, self.seq, now, source, b"x", True, data, door,
            rfid=rfid,
        )  # fmt: skip

    def receive(self, data: ScanData = UNIT) -> Answer:
        return self.send(self.scan(SCANNER, data, "D01"))


def seed(workdir: Path) -> Path:
    """The gateway's book with the depot's master data (as its last sync brought) and a
    keeper, li, who signs on to the floor pages."""
    workdir.mkdir()
    store = GatewayStore(workdir / "gateway.sqlite", time.time)
    with store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
        db.execute(
            "INSERT INTO floor_people VALUES (?,?,?,?)",
            ("li", "Li Na", "keeper", hash_password("1357-2468")),
        )
    store.close()
    return workdir


def printing(printer: Simulator, door: str, more: str, labels: str = "") -> str:
    """gateway.toml's [labels] (with `labels` lines more) and the door's printer (`more`)."""
    return (
        f'\n[labels]\ncompany_prefix = "{PREFIX}"\n{labels}'
        f'\n[printers.P-{door}]\nkind = "zpl"\ndoor = "{door}"\nhost = "{printer.host}"\n'
        f"port = {printer.port}\ntimeout = 2\n{more}\n"
    )


def printer_trouble(client: httpx.Client) -> list[tuple[str, str, str]]:
    """The label printers' trouble the floor overview shows: (printer, zh, en)."""
    shown = client.get("/floor/api/overview").json()["printers"]
    return [(p["printer"], p["zh"], p["en"]) for p in shown if p["reason"]]


def test_each_unit_received_by_its_label_gets_its_label_and_its_tag(
    broker: Mosquitto, tmp_path: Path
) -> None:
    printer = Simulator(rfid=True).start()
    workdir = seed(tmp_path / "gateway")
    settings = printing(printer, "D01", "rfid = true", f"extension = {EXTENSION}\n")
    away = f"http://127.0.0.1:{free_port()}"  # the server is not there today
    gateway = GatewayProcess(workdir, broker.port, away, "token", settings=settings).start()
    floor = Floor(broker)
    pages = httpx.Client(base_url=gateway.url, timeout=10)
    try:
        login = {"username": "li", "pin": "1357-2468"}
        assert submit(pages, "/floor/login", "/floor/login", login).status_code == 303
        printer.fail_next_encodes(1)  # the first unit's tag does not take: VOID, printed again
        first, second = floor.receive(), floor.receive()
        for answer in (first, second):
            assert answer.result == "ok"
            assert answer.text_en.endswith("Label on its way"), answer.text_en
            assert answer.text_zh.endswith("标签打印中")
        wait_until(
            lambda: gateway.book("SELECT count(*) FROM print_jobs WHERE state = 'printed'")
            == [(2,)],
            30, "the first two units' labels printed (the printer's status after them read)",
        )  # fmt: skip

        printer.run_out_of_paper()
        assert floor.receive().result == "ok"
        wait_until(
            lambda: printer_trouble(pages)
            == [("P-D01", "打印机缺纸，请装纸", "printer out of paper: load labels")],
            30, "the printer's trouble on the floor overview",
        )  # fmt: skip
        assert "printer out of paper: load labels" in pages.get("/floor").text
        fourth = floor.scan(SCANNER, UNIT, "D01")
        waiting = floor.send(fourth)
        assert waiting.result == "ok"
        assert waiting.text_en.endswith("Label waits: printer out of paper: load labels")
        assert waiting.text_zh.endswith("标签待打印：打印机缺纸，请装纸")
        assert floor.send(fourth) == waiting  # resent: answered again, nothing queued again
        unknown = floor.receive(ScanData(kind="gs1", gtin="06901234567939", batch="X1", qty=5))
        assert unknown.result == "refused"  # a refused read queues no label
        assert gateway.book("SELECT count(*) FROM print_jobs") == [(4,)]
        assert len(printer.good) == 2

        printer.refill()
        wait_until(lambda: len(printer.good) == 4, 30, "the labels after the refill")
        wait_until(lambda: printer_trouble(pages) == [], 10, "the trouble gone from the floor")
        # the tags are registered once the printer reports them written and read back
        wait_until(lambda: gateway.book("SELECT count(*) FROM units") == [(4,)], 10, "tags")
        seen = floor.send(floor.scan(HANDHELD, ScanData(kind="epc", epc_uri=_uri(printer, 3))))
        assert seen.text_en == "Registered unit: batch 2026Q1"
        load = ScanData(kind="command", command="LOAD:101")
        assert floor.send(floor.scan(PORTAL, load, "D02")).result == "ok"
        pallet = floor.send(
            floor.scan(PORTAL, ScanData(kind="epc", epc_uri=_uri(printer, 0)), "D02")
        )
        # the loading door's portal knows the pallet: quilts, not on the order of tents
        assert pallet.result == "refused"
        assert pallet.text_en == "Wrong unit: Quilt is not on order 101"
    finally:
        pages.close()
        floor.client.close()
        gateway.stop()
        printer.stop()

    assert [p.void for p in printer.printed] == [True, False, False, False, False]
    labels = [(p.format.scans, p.epc) for p in printer.good]
    ssccs = [scans[-1].sscc or "" for scans, _ in labels]
    assert [int(code[8:17]) for code in ssccs] == [1, 2, 3, 4]  # consecutive, no gap
    assert all(code.startswith(f"{EXTENSION}{PREFIX}") for code in ssccs)
    for (scans, epc), code in zip(labels, ssccs, strict=True):
        content = scans[0]
        assert (content.gtin, content.batch, content.qty) == (QUILT, "2026Q1", 10)
        assert scans[-1].prod_date == "2026-09-01"
        assert epc == sscc_epc(code, PREFIX)  # the tag carries the SSCC-96 of its label
    units = gateway.book("SELECT epc, item, batch, qty, state FROM units ORDER BY epc")
    assert units == sorted(
        (epc_uri(sscc_epc(code, PREFIX)), "CQ-0001", "2026Q1", 10, "received") for code in ssccs
    )
    assert gateway.book("SELECT count(*) FROM print_voids") == [(1,)]


def _uri(printer: Simulator, index: int) -> str:
    epc = printer.good[index].epc
    assert epc is not None
    return epc_uri(epc)
