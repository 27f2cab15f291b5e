"""The gateway's printing against the printer simulator over TCP on loopback, as a Zebra
printer-encoder on 9100 takes it: host status checked before the send and polled after it until
the printer's buffer is empty, the tag encoded and read back, a printer out of paper or ribbon
reported, and a label it holds printed once after the refill, never sent twice."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.domain.labels import sscc_epc, symbols
from gateway.domain.zpl import ZplSetup, label_zpl
from gateway.services.printing import Link, PdfSpool, TcpLink, Unreachable, ZplPrinter
from harness.procs import wait_until
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


def client(sim: Simulator, timeout: float = 2.0, settle: float = 10.0) -> ZplPrinter:
    return ZplPrinter(sim.host, sim.port, timeout=timeout, settle=settle, poll=0.05)


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
    assert not result.sent and sim.printed == [] and sim.buffered == []  # nothing sent
    sim.refill()
    assert client(sim).print_zpl(zpl, epc).printed
    assert [p.epc for p in sim.good] == [epc]


def test_paper_running_out_after_the_send_is_waited_out_and_the_label_printed_once(
    sim: Simulator,
) -> None:
    sim.run_out_of_paper(after=1)
    first, second = job(3), job(4)
    assert client(sim).print_zpl(*first).printed
    refilled = threading.Thread(
        target=lambda: (wait_until(lambda: sim.buffered != [], 10, "the held label"), sim.refill())
    )
    refilled.start()
    result = client(sim).print_zpl(*second)  # the printer holds the format until the refill
    refilled.join()
    assert (result.printed, result.sent, result.epc_read) == (True, True, second[1])
    assert [p.epc for p in sim.printed] == [first[1], second[1]]  # one label each, no VOID


def test_a_label_held_past_the_wait_is_unconfirmed_never_sent_again(sim: Simulator) -> None:
    sim.run_out_of_paper(after=1)
    first, second = job(3), job(4)
    assert client(sim).print_zpl(*first).printed
    result = client(sim, settle=0.3).print_zpl(*second)
    assert (result.printed, result.sent, result.unconfirmed) == (False, True, True)
    assert result.reason == "paper_out" and result.zh == "打印机缺纸，请装纸"
    assert len(sim.buffered) == 1 and client(sim).status().reason == "paper_out"
    sim.refill()  # the printer prints what it kept
    wait_until(lambda: len(sim.good) == 2, 10, "the held label printed")
    assert [p.epc for p in sim.good] == [first[1], second[1]]


def test_a_read_back_later_than_the_timeout_is_still_heard() -> None:
    with Simulator(rfid=True, print_seconds=0.6) as slow:
        zpl, epc = job(10)
        result = ZplPrinter(slow.host, slow.port, timeout=0.2, poll=0.05).print_zpl(zpl, epc)
        assert (result.printed, result.voided, result.epc_read) == (True, False, epc)
        assert [p.void for p in slow.printed] == [False]


def test_a_printer_that_prints_without_a_read_back_leaves_the_label_unconfirmed() -> None:
    with Simulator(rfid=False) as silent:  # no encoder: the ^HV is never answered
        zpl, epc = job(11)
        result = ZplPrinter(silent.host, silent.port, timeout=0.3, poll=0.05).print_zpl(zpl, epc)
        assert (result.printed, result.voided, result.unconfirmed) == (False, False, True)
        assert result.reason == "no_readback" and len(silent.printed) == 1


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


class HalfSend:
    """A connection that breaks off halfway through the first format it sends."""

    def __init__(self, sim: Simulator) -> None:
        self.sim, self.broken = sim, False

    def connect(self, host: str, port: int, timeout: float) -> Link:
        link = TcpLink.connect(host, port, timeout)
        if self.broken:
            return link
        outer = self

        class Breaking:
            def send(self, data: bytes) -> None:
                if not data.startswith(b"^XA"):
                    return link.send(data)
                outer.broken = True
                link.send(data[: len(data) // 2])
                wait_until(lambda: outer.sim.status().partial_format, 5, "the half format")
                link.close()
                wait_until(lambda: outer.sim.state.partial != "", 5, "the connection closed")
                raise Unreachable("connection reset mid-format")

            def receive_until(self, done: Callable[[bytes], bool], timeout: float) -> bytes:
                return link.receive_until(done, timeout)

            def close(self) -> None:
                link.close()

        return Breaking()


def test_a_format_cut_off_mid_send_is_cancelled_and_the_label_sent_whole_once(
    sim: Simulator,
) -> None:
    cut = HalfSend(sim)
    printer = ZplPrinter(sim.host, sim.port, timeout=1, connect=cut.connect, poll=0.05)
    zpl, epc = job(12)
    result = printer.print_zpl(zpl, epc)
    assert (result.printed, result.sent, result.reason) == (False, False, "partial_send")
    assert not client(sim).status().status.partial_format  # type: ignore[union-attr]
    assert printer.print_zpl(zpl, epc).printed
    assert [(p.void, p.epc) for p in sim.printed] == [(False, epc)]  # one whole label


def test_a_printer_that_drops_the_connection_before_the_send_is_sent_nothing() -> None:
    with socket.socket() as server:  # takes the connection, reads the ~HS, hangs up
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def hang_up() -> None:
            conn = server.accept()[0]
            conn.recv(16)
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            conn.close()  # a reset, not a quiet close

        threading.Thread(target=hang_up, daemon=True).start()
        result = ZplPrinter("127.0.0.1", port, timeout=2).print_zpl(*job(13))
    assert (result.printed, result.sent, result.unconfirmed) == (False, False, False)
    assert result.reason == "unreachable"
