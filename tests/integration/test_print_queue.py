"""The gateway's print queue in its own SQLite book, printing to simulated Zebra printers over
TCP: a delivery's labels and tags, SSCC serials that never repeat or skip across a restart and
two printers, a failed encode voided and redone, a printer out of paper reported and its jobs
printed once it is refilled."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gateway.domain.labels import LabelRefused, UnitsToLabel, epc_key
from gateway.domain.zpl import ZplSetup
from gateway.services.label_queue import Numbering, confirm_job, queue_labels
from gateway.services.print_worker import PdfDevice, PrintWorker, ZplDevice
from gateway.services.printing import Link, PdfSpool, TcpLink, Unreachable, ZplPrinter
from gateway.storage import print_queue, received_labels
from gateway.storage.store import GatewayStore
from harness.procs import wait_until
from harness.zpl import sample_label
from harness.zpl_printer import ZplPrinter as Simulator

pytestmark = pytest.mark.timeout(60)
DEPOT = Numbering("6901234", 3)


@pytest.fixture
def printers() -> Iterator[tuple[Simulator, Simulator]]:
    with Simulator(rfid=True) as a, Simulator(rfid=True) as b:
        yield a, b


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GatewayStore]:
    book = GatewayStore(tmp_path / "gateway.db", time.time)
    yield book
    book.close()


def devices(*sims: Simulator, settle: float = 5.0) -> dict[str, ZplDevice]:
    return {
        f"door-{n}": ZplDevice(
            ZplPrinter(s.host, s.port, timeout=1, settle=settle, poll=0.05), ZplSetup(rfid=True)
        )
        for n, s in enumerate(sims, 1)
    }


def pallets(units: int) -> UnitsToLabel:
    return UnitsToLabel(units, sample_label(0), encode=True)


def serials(codes: list[str]) -> list[int]:
    return sorted(int(code[8:17]) for code in codes)


def test_a_deliverys_pallets_get_labels_and_tags_one_sscc_each(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    queue_labels(store, "door-1", pallets(5), DEPOT)
    assert not PrintWorker(store, devices(door)).run_once()
    ssccs = [scan.sscc for p in door.printed for scan in p.format.scans if scan.sscc]
    assert serials(ssccs) == [1, 2, 3, 4, 5] and all(c.startswith("36901234") for c in ssccs)
    assert [epc_key(epc).sscc for epc in door.state.tags] == ssccs  # each tag its label's
    with store.reading() as db:
        assert {job.state for job in print_queue.jobs(db)} == {"printed"}


def test_serials_never_repeat_or_skip_across_a_restart_and_two_printers(
    tmp_path: Path, printers: tuple[Simulator, Simulator]
) -> None:
    path = tmp_path / "gateway.db"
    first = GatewayStore(path, time.time)
    queue_labels(first, "door-1", pallets(3), DEPOT)
    queue_labels(first, "door-2", pallets(2), DEPOT)
    first.close()
    again = GatewayStore(path, time.time)  # the gateway restarted
    queuers = [
        threading.Thread(target=queue_labels, args=(again, f"door-{1 + n % 2}", pallets(4), DEPOT))
        for n in range(6)
    ]
    for t in queuers:
        t.start()
    for t in queuers:
        t.join()
    PrintWorker(again, devices(*printers)).run_once()
    printed = [scan.sscc for s in printers for p in s.printed for scan in p.format.scans]
    codes = [c for c in printed if c]
    assert serials(codes) == list(range(1, 30))  # 5 before the restart, 24 after: no gap
    assert len({*printers[0].state.tags, *printers[1].state.tags}) == 29
    again.close()


def test_a_failed_encode_is_voided_and_the_same_unit_printed_again(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    door.fail_next_encodes(1)
    [job_id] = queue_labels(store, "door-1", pallets(1), DEPOT)
    PrintWorker(store, devices(door)).run_once()
    first, second = door.printed
    assert first.void and not second.void
    assert first.format.epc_written == second.format.epc_written == door.state.tags[0]
    with store.reading() as db:
        [(voided_job, sscc, read_back, reason)] = print_queue.voids(db)
        [job] = print_queue.jobs(db)
    assert (voided_job, reason, read_back) == (job_id, "encode_failed", "")  # read nothing
    assert sscc == job.label.sscc and job.state == "printed"


def test_a_tag_that_keeps_failing_waits_for_the_operator(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    door.fail_next_encodes(print_queue.MAX_VOIDS)
    queue_labels(store, "door-1", pallets(1), DEPOT)
    worker = PrintWorker(store, devices(door))
    worker.run_once()
    with store.reading() as db:
        assert [job.state for job in print_queue.jobs(db)] == ["held"]
    assert len(door.printed) == print_queue.MAX_VOIDS and door.good == []
    with store.transaction() as db:
        assert print_queue.retry(db, "door-1") == 1
    worker.run_once()
    assert len(door.good) == 1


def test_paper_running_out_after_the_send_prints_each_label_once_and_asks_a_supervisor(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    door.run_out_of_paper(after=1)  # the second label finds the roll empty, in the printer
    worker = PrintWorker(store, devices(door, settle=0.3), idle=0.05, after_problem=0.1)
    worker.start()
    try:
        [first, held, third] = queue_labels(store, "door-1", pallets(3), DEPOT)
        worker.wake()
        wait_until(lambda: "door-1" in worker.problems(), 10, "the printer's trouble")
        problem = worker.problems()["door-1"]
        assert (problem.reason, problem.zh) == ("paper_out", "打印机缺纸，请装纸")
        wait_until(lambda: door.state.status_asked > 30, 10, "a few more rounds")
        assert len(door.good) == 1 and len(door.buffered) == 1  # the printer holds the second
        with store.reading() as db:
            states = [(j.state, j.reason) for j in print_queue.jobs(db)]
        assert states == [("printed", None), ("unconfirmed", "paper_out"), ("queued", "paper_out")]
        door.refill()  # the printer prints what it held, the gateway sends the third
        wait_until(lambda: len(door.good) == 3, 10, "the jobs printed after the refill")
        wait_until(lambda: worker.problems() == {}, 10, "the trouble cleared")
    finally:
        worker.stop()
    ssccs = [p.format.scans[-1].sscc or "" for p in door.printed]
    assert serials(ssccs) == [1, 2, 3] and not any(p.void for p in door.printed)  # once each
    assert confirm_job(store, held, printed_ok=True)  # the supervisor saw it come out
    assert not confirm_job(store, first, printed_ok=False)  # a printed job is not unconfirmed
    with store.reading() as db:
        assert [j.state for j in print_queue.jobs(db)] == ["printed"] * 3
        assert print_queue.job(db, third) is not None


class ResetAfterSend:
    """A printer connection that drops as soon as the format is sent (a printer reset)."""

    def __init__(self) -> None:
        self.sent = False

    def connect(self, host: str, port: int, timeout: float) -> Link:
        link, outer = TcpLink.connect(host, port, timeout), self

        class Dropping:
            def send(self, data: bytes) -> None:
                link.send(data)
                outer.sent = outer.sent or data.startswith(b"^XA")

            def receive_until(self, done: Callable[[bytes], bool], timeout: float) -> bytes:
                if outer.sent:
                    raise Unreachable("connection reset")
                return link.receive_until(done, timeout)

            def close(self) -> None:
                link.close()

        return Dropping()


def test_a_job_the_printer_took_is_never_sent_again_unasked(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    reset = ResetAfterSend()
    printer = ZplPrinter(door.host, door.port, timeout=1, connect=reset.connect, settle=0.3)
    worker = PrintWorker(store, {"door-1": ZplDevice(printer, ZplSetup(rfid=True))})
    [job_id] = queue_labels(store, "door-1", pallets(1), DEPOT)
    for _ in range(3):
        worker.run_once()
    assert len(door.printed) == 1  # printed by the printer, sent once
    with store.reading() as db:
        job = print_queue.job(db, job_id)
    assert job is not None and (job.state, job.reason) == ("unconfirmed", "unreachable")
    assert confirm_job(store, job_id, printed_ok=False)  # a supervisor asks for it again
    reset.sent = False
    worker = PrintWorker(store, devices(door))
    worker.run_once()
    assert len(door.printed) == 2


def test_a_job_left_being_sent_by_a_stopped_gateway_waits_for_a_supervisor(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    [job_id] = queue_labels(store, "door-1", pallets(1), DEPOT)
    with store.transaction() as db:
        print_queue.sending(db, job_id)  # the gateway stopped with the job on its way
    worker = PrintWorker(store, devices(door), idle=0.05)
    worker.start()
    try:
        queue_labels(store, "door-1", pallets(1), DEPOT)
        worker.wake()
        wait_until(lambda: len(door.printed) == 1, 10, "the next job printed")
    finally:
        worker.stop()
    with store.reading() as db:
        job = print_queue.job(db, job_id)
    assert job is not None and (job.state, job.reason) == ("unconfirmed", "interrupted")
    assert door.printed[0].format.epc_written != job.label.epc_hex  # only the later one went


def test_a_printed_job_the_book_fails_to_record_is_recorded_again_not_printed_again(
    store: GatewayStore, printers: tuple[Simulator, Simulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    door, _ = printers
    failures = [OSError("disk I/O error")]
    recorded = received_labels.printed

    def failing_once(*args: object) -> None:
        if failures:
            raise failures.pop()
        recorded(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(received_labels, "printed", failing_once)
    [job_id] = queue_labels(store, "door-1", pallets(1), DEPOT)
    worker = PrintWorker(store, devices(door))
    assert worker.run_once()  # in trouble: printed, not recorded
    problem = worker.problems()["door-1"]
    assert problem.reason == "not_recorded" and problem.zh
    with store.reading() as db:
        job = print_queue.job(db, job_id)
    assert job is not None and (job.state, job.reason) == ("sent", "not_recorded")
    assert not worker.run_once()
    with store.reading() as db:
        job = print_queue.job(db, job_id)
    assert job is not None and job.state == "printed" and len(door.printed) == 1
    assert worker.problems() == {}


def test_a_spool_folder_that_cannot_be_written_keeps_the_job(
    store: GatewayStore, tmp_path: Path
) -> None:
    (tmp_path / "spool").write_text("a file where the folder should be")
    [job_id] = queue_labels(store, "office", pallets(1), DEPOT)
    worker = PrintWorker(store, {"office": PdfDevice(PdfSpool(tmp_path / "spool"))})
    assert worker.run_once()
    assert worker.problems()["office"].reason == "spool_failed"
    with store.reading() as db:
        job = print_queue.job(db, job_id)
    assert job is not None and (job.state, job.reason) == ("queued", "spool_failed")


def test_a_printer_that_hangs_holds_up_no_other_door(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    with socket.socket() as silent:  # takes the connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hung = ZplPrinter("127.0.0.1", silent.getsockname()[1], timeout=30)
        worker = PrintWorker(
            store, {"door-9": ZplDevice(hung, ZplSetup(rfid=True)), **devices(door)}, idle=0.05
        )
        worker.start()
        try:
            queue_labels(store, "door-9", pallets(1), DEPOT)
            queue_labels(store, "door-1", pallets(2), DEPOT)
            worker.wake()
            wait_until(lambda: len(door.good) == 2, 10, "the other door's labels")
        finally:
            silent.close()  # the hung printer's wait ends
            worker.stop()


def test_a_request_the_rules_refuse_takes_no_serial(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    with pytest.raises(LabelRefused):
        queue_labels(store, "door-1", pallets(0), DEPOT)
    queue_labels(store, "door-1", pallets(1), DEPOT)
    with store.reading() as db:
        assert serials([j.label.sscc for j in print_queue.jobs(db)]) == [1]


def test_a_pdf_printer_gets_each_unit_as_a_file(store: GatewayStore, tmp_path: Path) -> None:
    queue_labels(store, "office", UnitsToLabel(2, sample_label(0)), DEPOT)
    PrintWorker(store, {"office": PdfDevice(PdfSpool(tmp_path / "spool"))}).run_once()
    files = sorted(p.name for p in (tmp_path / "spool").iterdir())
    with store.reading() as db:
        assert files == sorted(f"label-{j.label.sscc}.pdf" for j in print_queue.jobs(db))


def test_a_job_the_rules_no_longer_take_is_set_aside_and_the_next_one_prints(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    first, _second = queue_labels(store, "door-1", pallets(2), DEPOT)
    with store.transaction() as db:  # as an earlier release might have kept it
        db.execute('UPDATE print_jobs SET label = \'{"sscc": "1"}\' WHERE id = ?', (first,))
    PrintWorker(store, devices(door)).run_once()
    with store.reading() as db:
        assert [j.state for j in print_queue.jobs(db)] == ["printed"]
        [(state, reason)] = db.execute(
            "SELECT state, reason FROM print_jobs WHERE id = ?", (first,)
        )
    assert state == "refused" and reason.startswith("label_refused")
    assert len(door.good) == 1
