"""Labels queued and printed: the SSCCs of a delivery's units taken with their jobs, and the
worker that prints each printer's jobs in order (gateway/storage/print_queue.py keeps them).

The worker takes a printer's oldest job, prints it outside any transaction (a printer may
take seconds), and records what came of it:

- printed: done;
- VOID (the tag did not take its EPC): the void is recorded and the same unit, same SSCC,
  printed again next, up to print_queue.MAX_VOIDS times in a row;
- anything else (out of paper or ribbon, head open, paused, unreachable): the job is kept,
  the reason shown to the operator (`problems`), and the printer tried again after
  `after_problem` seconds: the job prints once the printer is refilled.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from gateway.domain.labels import LogisticLabel, UnitsToLabel, unit_labels
from gateway.domain.zpl import ZplSetup, label_zpl
from gateway.services.label_pdf import label_pdf
from gateway.services.printing import PdfSpool, PrintResult, ZplPrinter
from gateway.storage import print_queue
from gateway.storage.store import GatewayStore

log = logging.getLogger(__name__)


class LabelPrinter(Protocol):
    def print_label(self, label: LogisticLabel) -> PrintResult: ...


@dataclass(frozen=True, slots=True)
class ZplDevice:
    """A ZPL printer on the network, encoding tags where it has an encoder."""

    printer: ZplPrinter
    setup: ZplSetup

    def print_label(self, label: LogisticLabel) -> PrintResult:
        epc = label.epc_hex if self.setup.rfid else None
        return self.printer.print_zpl(label_zpl(label, self.setup), epc)


@dataclass(frozen=True, slots=True)
class PdfDevice:
    """Any other printer: a PDF per label into its spool folder."""

    spool: PdfSpool

    def print_label(self, label: LogisticLabel) -> PrintResult:
        return self.spool.print_pdf(f"label-{label.sscc}", label_pdf([label]))


@dataclass(frozen=True, slots=True)
class Numbering:
    """The depot's GS1 company prefix and the SSCC extension digit it numbers units under."""

    company_prefix: str
    extension: int = 0


def queue_labels(
    store: GatewayStore, printer: str, request: UnitsToLabel, numbering: Numbering
) -> list[int]:
    """Take the units' serials and queue their labels, in one transaction; the job ids.
    A label the rules refuse (LabelRefused) takes no serial and queues nothing."""
    with store.transaction() as db:
        first = print_queue.take_serials(
            db, numbering.company_prefix, numbering.extension, request.units
        )
        labels = unit_labels(request, numbering.company_prefix, numbering.extension, first)
        return print_queue.enqueue(db, printer, labels, store.clock())


class PrintWorker:
    """Prints the queued jobs of each printer, in order, on a thread of its own."""

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
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="print-worker", daemon=True)

    def problems(self) -> dict[str, PrintResult]:
        """Each printer's trouble now, for the operator (zh, en on each result)."""
        with self._lock:
            return dict(self._problems)

    def wake(self) -> None:
        """New jobs: print them now rather than at the next round."""
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                troubled = self.run_once()
            except Exception:  # one bad round must not end printing: logged, tried again
                log.exception("print worker round failed")
                troubled = True
            self._wake.wait(self.after_problem if troubled else self.idle)
            self._wake.clear()

    def run_once(self) -> bool:
        """Print what each printer has queued; whether any printer is in trouble."""
        troubled = False
        for name, device in self.printers.items():
            if self._stop.is_set():
                break
            troubled |= not self._drain(name, device)
        return troubled

    def _drain(self, name: str, device: LabelPrinter) -> bool:
        """Print the printer's jobs until none is left (True) or it is in trouble (False)."""
        while not self._stop.is_set():
            with self.store.transaction() as db:
                job = print_queue.next_job(db, name)
            if job is None:
                self._settle(name, None)
                return True
            result = device.print_label(job.label)
            with self.store.transaction() as db:
                now = self.store.clock()
                if result.printed:
                    print_queue.printed(db, job.id, now)
                elif result.voided:
                    print_queue.voided(db, job, result.epc_read, result.reason or "", now)
                else:
                    print_queue.kept(db, job.id, result.reason or "unknown")
            if not (result.printed or result.voided):
                log.warning("printer %s: %s (job %s kept)", name, result.reason, job.id)
                self._settle(name, result)
                return False
            self._settle(name, None)
        return True

    def _settle(self, name: str, problem: PrintResult | None) -> None:
        with self._lock:
            if problem is None:
                self._problems.pop(name, None)
            else:
                self._problems[name] = problem
