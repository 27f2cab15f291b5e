"""The print worker: each printer's queued jobs (gateway/storage/print_queue.py), labels and
bin cards, printed in order, each printer on a thread of its own.

The worker takes a printer's oldest job, records it `sent` before it goes out (a job the
printer may have taken is never sent again on its own), prints it outside any transaction (a
printer may take seconds) and records what came of it:

- printed: done; a received unit's tag the printer wrote and read back is registered to the
  unit (gateway/storage/received_labels.py);
- VOID (the tag did not take its EPC): the void is recorded and the same unit, same SSCC,
  printed again next, up to print_queue.MAX_VOIDS times in a row;
- not sent (out of paper or ribbon, head open, paused, unreachable before the send): the job
  is queued again, the reason shown to the operator (`problems`), and the printer tried again
  after `after_problem` seconds: the job prints once the printer is refilled;
- sent, and whether it printed not known (the printer held it past the wait, no read-back, a
  failure after the send): `unconfirmed`, on the floor page for a supervisor to say whether
  it printed (label_queue.confirm_job) or is to be printed again.

What came of a job that cannot be recorded (the book failing) is kept in memory and only the
recording tried again, the printer shown as `not_recorded` meanwhile: the label is not printed
again for it.

A ZPL printer prints a label as gateway/domain/zpl.py's `label_zpl` (encoding its tag where it
has an encoder) and a card as `bin_card_zpl`; any other printer takes a PDF of either into its
spool folder.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from gateway.domain.labels import LogisticLabel
from gateway.domain.zpl import ZplSetup, bin_card_zpl, label_zpl
from gateway.services.label_pdf import label_pdf
from gateway.services.printing import PdfSpool, PrintResult, ZplPrinter
from gateway.storage import print_queue, received_labels
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel.bin_card import BinCard
from kernel.bin_card_paper import bin_cards_pdf

log = logging.getLogger(__name__)


class LabelPrinter(Protocol):
    def print_label(self, label: LogisticLabel) -> PrintResult: ...

    def print_card(self, card: BinCard, name: str) -> PrintResult:
        """One bin card; `name`: the job's own, for a spooled file."""
        ...


@dataclass(frozen=True, slots=True)
class ZplDevice:
    """A ZPL printer on the network, encoding tags where it has an encoder."""

    printer: ZplPrinter
    setup: ZplSetup

    def print_label(self, label: LogisticLabel) -> PrintResult:
        epc = label.epc_hex if self.setup.rfid else None
        return self.printer.print_zpl(label_zpl(label, self.setup), epc)

    def print_card(self, card: BinCard, name: str) -> PrintResult:
        return self.printer.print_zpl(bin_card_zpl(card, self.setup))


@dataclass(frozen=True, slots=True)
class PdfDevice:
    """Any other printer: a PDF per label into its spool folder."""

    spool: PdfSpool

    def print_label(self, label: LogisticLabel) -> PrintResult:
        return self._spool(f"label-{label.sscc}", label_pdf([label]))

    def print_card(self, card: BinCard, name: str) -> PrintResult:
        return self._spool(name, bin_cards_pdf([card]))

    def _spool(self, name: str, pdf: bytes) -> PrintResult:
        try:
            return self.spool.print_pdf(name, pdf)
        except OSError as exc:  # the file never reached the spool folder: not printed
            log.warning("spool %s: %s", self.spool.folder, exc)
            return PrintResult(False, "spool_failed")


class PrintWorker:
    """Prints the queued jobs of each printer, in order, each printer on a thread of its own
    (a printer that cannot be reached holds up no other door)."""

    def __init__(
        self,
        store: GatewayStore,
        printers: dict[str, LabelPrinter],
        idle: float = 1.0,
        after_problem: float = 5.0,
    ) -> None:
        self.store = store
        self.printers = printers
        self.idle = idle
        self.after_problem = after_problem
        self._problems: dict[str, PrintResult] = {}
        self._unrecorded: dict[str, tuple[print_queue.Job, PrintResult]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wakes = {name: threading.Event() for name in printers}
        self._threads = [
            threading.Thread(target=self._loop, args=(name,), name=f"print-{name}", daemon=True)
            for name in printers
        ]

    def problems(self) -> dict[str, PrintResult]:
        """Each printer's trouble now, for the operator (zh, en on each result)."""
        with self._lock:
            return dict(self._problems)

    def wake(self) -> None:
        """New jobs: print them now rather than at the next round."""
        for event in self._wakes.values():
            event.set()

    def start(self) -> None:
        with self.store.transaction() as db:  # what a stopped gateway left mid-job
            left = print_queue.interrupted(db)
        if left:
            log.warning("%s print jobs were being sent when the gateway stopped: unconfirmed", left)
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        deadline = time.monotonic() + 30
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _loop(self, name: str) -> None:
        device, wake = self.printers[name], self._wakes[name]
        while not self._stop.is_set():
            try:
                troubled = not self._drain(name, device)
            except Exception:  # one bad round must not end printing: logged, tried again
                log.exception("printer %s: print round failed", name)
                troubled = True
            wake.wait(self.after_problem if troubled else self.idle)
            wake.clear()

    def run_once(self) -> bool:
        """Print what each printer has queued, one printer after another; whether any printer
        is in trouble."""
        troubled = False
        for name, device in self.printers.items():
            if self._stop.is_set():
                break
            troubled |= not self._drain(name, device)
        return troubled

    def _drain(self, name: str, device: LabelPrinter) -> bool:
        """Print the printer's jobs until none is left (True) or it is in trouble (False)."""
        with self._lock:
            left = self._unrecorded.pop(name, None)
        if left is not None and not self._record(name, *left):
            return False
        while not self._stop.is_set():
            with self.store.transaction() as db:
                job = print_queue.next_job(db, name)
                if job is not None:
                    print_queue.sending(db, job.id)
            if job is None:
                self._settle(name, None)
                return True
            try:
                result = _print(device, job)
            except Exception:  # whether anything went out is not known: never sent again
                log.exception("printer %s: job %s failed", name, job.id)
                result = PrintResult(False, "print_error", sent=True, unconfirmed=True)
            if not self._record(name, job, result):
                return False
            if not (result.printed or result.voided):
                log.warning("printer %s: %s (job %s %s)", name, result.reason, job.id,
                            "unconfirmed" if result.sent else "kept")  # fmt: skip
                self._settle(name, result)
                return False
            self._settle(name, None)
        return True

    def _record(self, name: str, job: print_queue.Job, result: PrintResult) -> bool:
        """What came of the job, in the book; where that fails, kept to record again."""
        try:
            with self.store.transaction() as db:
                now = self.store.clock()
                if result.printed:
                    print_queue.printed(db, job.id, now)
                    received_labels.printed(db, Book(db), job, now)
                elif result.voided:
                    print_queue.voided(db, job, result.epc_read, result.reason or "", now)
                elif result.sent:
                    print_queue.unconfirmed(db, job.id, result.reason or "unknown")
                else:
                    print_queue.kept(db, job.id, result.reason or "unknown")
        except Exception:
            log.exception("printer %s: what came of job %s not recorded", name, job.id)
            with self._lock:
                self._unrecorded[name] = (job, result)
            try:
                with self.store.transaction() as db:
                    print_queue.noted(db, job.id, "not_recorded")
            except Exception:  # noqa: S110 - the book is failing: the worker's problems say so
                pass
            self._settle(name, PrintResult(False, "not_recorded", sent=result.sent))
            return False
        return True

    def _settle(self, name: str, problem: PrintResult | None) -> None:
        with self._lock:
            if problem is None:
                self._problems.pop(name, None)
            else:
                self._problems[name] = problem


def _print(device: LabelPrinter, job: print_queue.Job) -> PrintResult:
    if isinstance(job.label, BinCard):
        return device.print_card(job.label, job.key)  # 'card-<uuid>': never another's file
    return device.print_label(job.label)
