"""The gateway's print queue in its own SQLite book, printing to simulated Zebra printers over
TCP: a delivery's labels and tags, SSCC serials that never repeat or skip across a restart and
two printers, a failed encode voided and redone, a printer out of paper reported and its jobs
printed once it is refilled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.domain.labels import LabelRefused, UnitsToLabel, epc_key
from gateway.domain.zpl import ZplSetup
from gateway.services.label_queue import (
    Numbering,
    PdfDevice,
    PrintWorker,
    ZplDevice,
    queue_labels,
)
from gateway.services.printing import PdfSpool, ZplPrinter
from gateway.storage import print_queue
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


def devices(*sims: Simulator) -> dict[str, ZplDevice]:
    return {
        f"door-{n}": ZplDevice(ZplPrinter(s.host, s.port, timeout=1), ZplSetup(rfid=True))
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


def test_a_printer_out_of_paper_is_reported_and_prints_the_job_after_the_refill(
    store: GatewayStore, printers: tuple[Simulator, Simulator]
) -> None:
    door, _ = printers
    door.run_out_of_paper(after=1)
    worker = PrintWorker(store, devices(door), idle=0.05, after_problem=0.1)
    worker.start()
    try:
        queue_labels(store, "door-1", pallets(3), DEPOT)
        worker.wake()
        wait_until(lambda: "door-1" in worker.problems(), 10, "the printer's trouble")
        problem = worker.problems()["door-1"]
        assert (problem.reason, problem.zh) == ("paper_out", "打印机缺纸，请装纸")
        assert len(door.good) == 1
        with store.reading() as db:
            assert [j.state for j in print_queue.jobs(db)] == ["printed", "queued", "queued"]
        door.refill()
        wait_until(lambda: len(door.good) == 3, 10, "the jobs printed after the refill")
        wait_until(lambda: worker.problems() == {}, 10, "the trouble cleared")
    finally:
        worker.stop()
    assert serials([p.format.scans[-1].sscc or "" for p in door.good]) == [1, 2, 3]


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
