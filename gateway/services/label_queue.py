"""Labels queued and printed: the SSCCs of a delivery's units taken with their jobs, and the
worker that prints each printer's jobs in order (gateway/storage/print_queue.py keeps them).

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
  it printed (`confirm_job`) or is to be printed again.

What came of a job that cannot be recorded (the book failing) is kept in memory and only the
recording tried again, the printer shown as `not_recorded` meanwhile: the label is not printed
again for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from gateway.domain.form_checks import Problem
from gateway.domain.labels import LabelRefused, LogisticLabel, UnitsToLabel, sscc, unit_labels
from gateway.domain.zpl import ZplSetup, label_zpl
from gateway.services.label_pdf import label_pdf
from gateway.services.printing import PdfSpool, PrintResult, ZplPrinter
from gateway.storage import print_queue, received_labels
from gateway.storage.book import Book
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
        try:
            return self.spool.print_pdf(f"label-{label.sscc}", label_pdf([label]))
        except OSError as exc:  # the file never reached the spool folder: not printed
            log.warning("spool %s: %s", self.spool.folder, exc)
            return PrintResult(False, "spool_failed")


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


@dataclass(frozen=True, slots=True)
class LabelDesk:
    """What the floor pages need to ask for labels: the depot's numbering, its printers
    (name: whether it has an RFID encoder), the worker to wake, how many labels one request
    may ask for unless a supervisor asks, and how many a printer may have waiting."""

    numbering: Numbering
    printers: dict[str, bool]
    wake: Callable[[], None] = field(default=lambda: None)
    supervisor_over: int = 100
    queue_cap: int = 1000


MAY_ASK_MANY = ("supervisor", "admin")


LABEL_FIELDS = ("printer", "gtin", "batch", "qty", "units", "prod_date", "expiry")
# Which field a refusal of the label's rules is about.
_FIELD_OF = {"gtin": "gtin", "batch": "batch", "qty": "qty", "units": "units", "text": "gtin"}


def _number(typed: dict[str, str], name: str, problems: list[Problem]) -> int:
    text = typed.get(name, "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 7:
        return int(text)
    problems.append(Problem(name, "须为正整数", "a whole number is needed"))
    return 0


def _day(typed: dict[str, str], name: str, problems: list[Problem]) -> date | None:
    text = typed.get(name, "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        problems.append(Problem(name, "日期无效", "not a date"))
        return None


def _too_many(desk: LabelDesk, units: int, role: str, waiting: int) -> Problem | None:
    if units > desk.supervisor_over and role not in MAY_ASK_MANY:
        n = desk.supervisor_over
        return Problem(
            "units", f"超过 {n} 张标签须由主管申请", f"over {n} labels: a supervisor asks"
        )
    if waiting + units > desk.queue_cap:
        return Problem(
            "units",
            f"该打印机已有 {waiting} 张待打印，最多 {desk.queue_cap} 张",
            f"the printer has {waiting} labels waiting, at most {desk.queue_cap}",
        )
    return None


def request_labels(
    store: GatewayStore, desk: LabelDesk, typed: dict[str, str], depot: str, role: str = ""
) -> list[int] | list[Problem]:
    """The floor asks for `units` labels of one GTIN and batch on a printer: queued (the job
    ids, each unit's tag registered once printed where the printer encodes), or what is wrong
    with the form (more than `supervisor_over` labels only for a supervisor (`role`), never
    more than the printer's `queue_cap` waiting)."""
    problems: list[Problem] = []
    printer = typed.get("printer", "")
    if printer not in desk.printers:
        problems.append(Problem("printer", "请选择打印机", "choose a printer"))
    qty, units = _number(typed, "qty", problems), _number(typed, "units", problems)
    made, expiry = _day(typed, "prod_date", problems), _day(typed, "expiry", problems)
    gtin = typed.get("gtin", "").strip().zfill(14)
    try:  # a refusal inside the transaction rolls it back: no serial taken for nothing
        with store.transaction() as db:
            item = Book(db).item_of_gtin(gtin)
            if item is None:
                problems.append(Problem("gtin", "目录中没有此商品代码", "no item has this GTIN"))
            if printer in desk.printers:
                many = _too_many(desk, units, role, print_queue.waiting(db, printer))
                problems += [many] if many else []
            if problems or item is None:
                return problems
            goods = LogisticLabel(
                sscc=sscc(desk.numbering.company_prefix, desk.numbering.extension, 0),
                gtin=gtin, batch=typed.get("batch", "").strip(), qty=qty,
                item_zh=item.name_zh, item_en=item.name_en, unit_zh=item.unit_zh,
                unit_en=item.unit_en, prod_date=made, expiry=expiry, depot=depot, door=printer,
            )  # fmt: skip
            request = UnitsToLabel(units, goods, encode=desk.printers[printer])
            prefix, extension = desk.numbering.company_prefix, desk.numbering.extension
            first = print_queue.take_serials(db, prefix, extension, units)
            labels = unit_labels(request, prefix, extension, first)
            ids = print_queue.enqueue(db, printer, labels, store.clock())
            received_labels.asked_on_floor(db, ids, item.code, printer, request.encode)
    except LabelRefused as refused:
        return [Problem(_FIELD_OF.get(refused.reason, ""), refused.zh, refused.en)]
    desk.wake()
    return ids


def confirm_job(store: GatewayStore, job_id: int, printed_ok: bool) -> bool:
    """A supervisor says whether an unconfirmed job's label printed: recorded as printed (a
    received unit's tag registered), or queued to print again; False: not unconfirmed."""
    with store.transaction() as db:
        now = store.clock()
        job = print_queue.settle(db, job_id, printed_ok, now)
        if job is not None and printed_ok:
            received_labels.printed(db, Book(db), job, now)
        return job is not None


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
                result = device.print_label(job.label)
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
