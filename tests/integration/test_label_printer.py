"""The gateway's printing against the printer simulator over TCP on loopback, as a Zebra
printer-encoder on 9100 takes it: host status checked before and after, the tag encoded and
read back, a printer out of paper or ribbon reported and the label printed after the refill."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.domain.labels import sscc_epc, symbols
from gateway.domain.zpl import ZplSetup, label_zpl
from gateway.services.printing import PdfSpool, ZplPrinter
from harness.zpl import sample_label
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(60)
PREFIX = "6901234"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(rfid=True) as printer:
        yield printer


def job(serial: int) -> tuple[str, str]:
    """A unit's label with its SSCC-96 to encode: (ZPL, EPC)."""
    label = sample_label(serial)
    epc = sscc_epc(label.sscc, PREFIX)
    label = sample_label(serial, epc_hex=epc)
    return label_zpl(label, ZplSetup(rfid=True)), epc


def client(sim: Simulator, timeout: float = 2.0) -> ZplPrinter:
    return ZplPrinter(sim.host, sim.port, timeout=timeout)


def test_a_label_prints_its_barcodes_and_encodes_its_tag(sim: Simulator) -> None:
    zpl, epc = job(1)
    result = client(sim).print_zpl(zpl, epc)
    assert result.printed and result.reason is None and result.epc_read == epc
    [printed] = sim.printed
    assert sim.state.tags == [epc] and not printed.void
    form = printed.format
    assert form.epc_written == epc and form.has("HV") and form.params("RS") == "8,,,1"
    assert form.barcodes == symbols(sample_label(1))
    content, unit = form.scans  # as the station's decoder reads them
    assert (content.gtin, content.qty, content.batch) == ("06901234567892", 40, "LOT-2026A")
    assert (unit.sscc, unit.prod_date, unit.expiry) == (
        sample_label(1).sscc, "2026-03-01", "2031-02-28",
    )  # fmt: skip
    assert "棉被" in form.texts and any("SSCC" in t and unit.sscc in t for t in form.texts)


def test_a_printer_out_of_paper_is_sent_nothing_and_prints_after_the_refill(
    sim: Simulator,
) -> None:
    sim.run_out_of_paper()
    zpl, epc = job(2)
    result = client(sim).print_zpl(zpl, epc)
    assert (result.printed, result.reason) == (False, "paper_out")
    assert result.zh == "打印机缺纸，请装纸" and "paper" in result.en
    assert sim.printed == [] and sim.state.dropped == []  # nothing sent, nothing lost
    sim.refill()
    assert client(sim).print_zpl(zpl, epc).printed
    assert [p.epc for p in sim.good] == [epc]


def test_paper_running_out_mid_job_is_reported_and_that_label_printed_again(
    sim: Simulator,
) -> None:
    sim.run_out_of_paper(after=1)
    first, second = job(3), job(4)
    assert client(sim).print_zpl(*first).printed
    result = client(sim).print_zpl(*second)
    assert (result.printed, result.reason) == (False, "paper_out")
    assert len(sim.state.dropped) == 1
    assert client(sim).status().reason == "paper_out"
    sim.refill()
    assert client(sim).print_zpl(*second).printed
    assert [p.epc for p in sim.good] == [first[1], second[1]]


def test_a_failed_encode_voids_the_label_and_the_unit_is_printed_again(sim: Simulator) -> None:
    sim.fail_next_encodes(1)
    zpl, epc = job(5)
    failed = client(sim).print_zpl(zpl, epc)
    assert (failed.printed, failed.reason, failed.voided) == (False, "encode_failed", True)
    assert failed.epc_read in (None, "")
    assert client(sim).print_zpl(zpl, epc).printed
    assert [p.void for p in sim.printed] == [True, False]
    assert sim.state.tags == [epc]


@pytest.mark.parametrize("trouble", ["ribbon_out", "head_open", "paused"])
def test_each_printer_trouble_is_reported_before_anything_is_sent(
    sim: Simulator, trouble: str
) -> None:
    setattr(sim.state, trouble, True)
    result = client(sim).print_zpl(*job(6))
    assert (result.printed, result.reason) == (False, trouble) and result.zh
    assert sim.printed == []


def test_a_label_without_a_tag_on_a_printer_without_an_encoder() -> None:
    plain = Simulator(rfid=False).start()
    try:
        zpl = label_zpl(sample_label(7), ZplSetup(rfid=False))
        result = ZplPrinter(plain.host, plain.port, timeout=2).print_zpl(zpl)
        assert result.printed and plain.printed[0].format.epc_written is None
    finally:
        plain.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_printer_that_is_not_there_is_unreachable_within_the_timeout() -> None:
    started = time.monotonic()
    result = ZplPrinter("127.0.0.1", free_port(), timeout=1).print_zpl(*job(8))
    assert result.reason == "unreachable" and time.monotonic() - started < 3


def test_a_printer_that_does_not_answer_its_status_is_given_up_on_in_time() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        held: list[socket.socket] = []
        threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True).start()
        started = time.monotonic()
        result = ZplPrinter("127.0.0.1", port, timeout=0.5).print_zpl(*job(9))
        assert result.reason == "no_status" and time.monotonic() - started < 3
        for conn in held:
            conn.close()


def test_a_pdf_printer_spools_the_file_and_runs_its_command(tmp_path: Path) -> None:
    copied = tmp_path / "printed.pdf"
    spool = PdfSpool(tmp_path / "spool", command=f"cp {{file}} {copied}")
    assert spool.print_pdf("label-1", b"%PDF-1.4 label").printed
    assert (tmp_path / "spool" / "label-1.pdf").read_bytes() == copied.read_bytes()
    failing = PdfSpool(tmp_path / "spool", command="false").print_pdf("label-2", b"%PDF")
    assert (failing.printed, failing.reason) == (False, "spool_command_failed")
    assert PdfSpool(tmp_path / "only").print_pdf("label-3", b"%PDF").printed
    with pytest.raises(ValueError):
        spool.print_pdf("../elsewhere", b"%PDF")
