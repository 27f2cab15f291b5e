"""Labels at receiving encoded through a door's LLRP reader: door D02's printer (a simulated
Zebra without an encoder) prints a received unit's label, and the gateway asks the door's
reader, on a real station process with the LLRP simulator, to write the label's SSCC-96 into
the blank tag in its field; the tag is then registered to the unit. A failed write is shown on
the floor overview with its reason and done again from there."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from integration.test_receiving_labels import PREFIX, UNIT, Floor, printing, seed
from integration.test_workflows import QUILT

from gateway.domain.labels import epc_uri, sscc_epc
from harness.depot import GatewayProcess, StationProcess, device_toml
from harness.forms import submit
from harness.llrp_access import INSUFFICIENT_POWER
from harness.llrp_sim import field_reader
from harness.mosquitto import Mosquitto
from harness.procs import free_port, wait_until
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(120)
SCANNER, ENCODER = "LC01-D02-SC1", "LC01-D02-ENC1"
BLANK, SECOND_BLANK = "E2801160600002054E3D0000", "E2801160600002054E3D0001"


def failed_encodes(client: httpx.Client) -> list[tuple[str, str, str]]:
    """The failed encodes the floor overview shows: (reader, zh, en)."""
    return [(e["device"], e["zh"], e["en"]) for e in client.get("/floor/api/overview").json()
            ["encodes"]]  # fmt: skip


def test_a_received_units_tag_is_encoded_by_the_doors_reader(
    broker: Mosquitto, tmp_path: Path
) -> None:
    printer = Simulator(rfid=False).start()
    workdir = seed(tmp_path / "gateway")
    settings = printing(printer, "D02", f'encoder = "{ENCODER}"')
    away = f"http://127.0.0.1:{free_port()}"
    with field_reader(antennas=1) as sim:
        reader = device_toml(ENCODER, "rfid_llrp", door="D02", host="127.0.0.1", port=sim.port,
                             antennas=[1], window=0.2, encode_timeout=2.0)  # fmt: skip
        station = StationProcess(tmp_path / "station", broker.port, [reader]).start()
        gateway = GatewayProcess(workdir, broker.port, away, "token", settings=settings).start()
        floor = Floor(broker, (SCANNER,))
        pages = httpx.Client(base_url=gateway.url, timeout=10)
        try:
            login = {"username": "li", "pin": "1357-2468"}
            assert submit(pages, "/floor/login", "/floor/login", login).status_code == 303
            sim.put_tag(BLANK)  # the blank tag on the reader, next to the printer
            answer = floor.send(floor.scan(SCANNER, UNIT, "D02"))
            assert answer.result == "ok" and answer.text_en.endswith("Label on its way")
            wait_until(lambda: len(printer.good) == 1, 30, "the label")
            code = printer.good[0].format.scans[-1].sscc or ""
            epc = sscc_epc(code, PREFIX)
            assert printer.good[0].format.epc_written is None  # the printer encodes nothing
            wait_until(lambda: sim.epcs() == [epc], 30, "the tag written by the reader")
            wait_until(
                lambda: gateway.book("SELECT epc, item, state FROM units")
                == [(epc_uri(epc), "CQ-0001", "received")],
                30, "the tag registered to the unit",
            )  # fmt: skip

            sim.remove_tag(epc)  # the first pallet leaves; the next one's blank tag fails
            sim.put_tag(SECOND_BLANK)
            sim.fail_next_writes(1, INSUFFICIENT_POWER)
            assert floor.send(floor.scan(SCANNER, UNIT, "D02")).result == "ok"
            wait_until(lambda: failed_encodes(pages) != [], 30, "the failure on the floor")
            ((device, zh, en),) = failed_encodes(pages)
            assert device == ENCODER and zh.startswith("功率不足") and "power" in en
            assert sim.epcs() == [SECOND_BLANK]
            (job,) = gateway.book("SELECT job_id FROM encode_requests WHERE state = 'failed'")
            sent = submit(pages, "/floor", f"/floor/encodes/{job[0]}/retry", {},
                          follow_redirects=False)  # fmt: skip
            assert sent.status_code == 303
            second = sscc_epc(printer.good[1].format.scans[-1].sscc or "", PREFIX)
            wait_until(lambda: sim.epcs() == [second], 30, "the tag written on the retry")
            wait_until(lambda: failed_encodes(pages) == [], 10, "the failure gone")
            wait_until(lambda: len(gateway.book("SELECT epc FROM units")) == 2, 10, "registered")
        finally:
            pages.close()
            floor.client.close()
            gateway.stop()
            station.stop()
            printer.stop()
    assert [p.format.scans[0].gtin for p in printer.good] == [QUILT, QUILT]
    assert gateway.book("SELECT state, attempt FROM encode_requests ORDER BY job_id") == [
        ("verified", 1), ("verified", 2),
    ]  # fmt: skip
