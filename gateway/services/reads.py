"""Taking reads: the one transaction every read runs in.

A group of reads is committed in one transaction (one sync to disk for all: group commit),
each read in order and each on its own savepoint: the read is looked up (a read seen before
gets its first answer and changes nothing), decided by its device's workflow over the book,
and its answer, the events it made and the book's changes are written together. A read whose
handling fails for any reason is rolled back alone and answered `refused`, its neighbours
unaffected. The broken messages to keep, and their counts per device, go in the same
transaction (gateway/storage/quarantine.py). The time comes from the store's clock.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.domain.floor import FloorView
from gateway.domain.quarantine import Broken
from gateway.storage import people, quarantine
from gateway.storage.book import Book
from gateway.storage.received_labels import ReceivingLabels
from gateway.storage.store import (
    READ,
    GatewayStore,
    answered,
    begin_read,
    end_read,
    insert_events,
    insert_read,
)
from kernel.contract import Answer, ScanMessage, parse_answer
from kernel.floor_events import FloorEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Intake:
    answer: Answer
    duplicate: bool
    wire: bytes  # the answer as it goes to the station (and as it is kept)


class Decision(Protocol):
    answer: Answer
    events: list[FloorEvent]


Decide = Callable[[FloorView, ScanMessage, float], Decision]


def failed_answer(event_id: str, error: Exception) -> Answer:
    """The answer to a read the gateway could not handle (a fault, not a rule)."""
    kind = type(error).__name__
    return Answer(
        event_id,
        "refused",
        f"网关无法处理此次扫描（{kind}），请重新扫描或通知管理员",
        f"The gateway could not handle this read ({kind}); scan again or tell the administrator",
        "error",
    )


def take_read(store: GatewayStore, scan: ScanMessage, payload: bytes, decide: Decide) -> Intake:
    """Record a read and what it caused, once. A read seen before gets its first answer."""
    (result,) = take_reads(store, [(scan, payload)], decide)
    return result


def take_reads(
    store: GatewayStore,
    reads: Sequence[tuple[ScanMessage, bytes]],
    decide: Decide,
    kept: Sequence[Broken] = (),
    counts: Mapping[str, tuple[int, int]] | None = None,
    labels: ReceivingLabels | None = None,
) -> list[Intake]:
    """Record several reads in one transaction, each on its own savepoint, with the broken
    messages to keep and the counts; the labels the reads queued at the doors' printers
    (`labels`) are printed once committed. Raises only if the transaction itself fails."""
    results: list[Intake] = []
    with store.transaction() as db:
        if kept or counts:
            quarantine.set_aside(db, kept, counts or {}, store.clock())
        book = Book(db, savepoint=READ, labels=labels)
        seen = answered(db, [scan.event_id for scan, _ in reads])
        for scan, payload in reads:
            wire = seen.get(scan.event_id)
            if wire is not None:  # seen before (or earlier in this group)
                results.append(Intake(parse_answer(wire), duplicate=True, wire=wire))
                continue
            begin_read(db)
            try:
                taken = _take(db, book, scan, payload, decide, store.clock())
            except Exception as exc:
                book.undo()
                log.error("read %s from %s failed: %r", scan.event_id, scan.device, exc,
                          exc_info=exc)  # fmt: skip
                taken = _refuse(db, book, scan, payload, exc, store.clock())
            seen[scan.event_id] = taken.wire
            results.append(taken)
            end_read(db)
    if labels is not None and book.labels_queued:
        labels.wake()
    return results


def _take(
    db: sqlite3.Connection,
    book: Book,
    scan: ScanMessage,
    payload: bytes,
    decide: Decide,
    now: float,
) -> Intake:
    decision = decide(book, scan, now)
    wire = decision.answer.to_json()
    insert_read(db, scan, payload, wire, now)
    insert_events(db, decision.events, now)
    return Intake(decision.answer, duplicate=False, wire=wire)


def _refuse(
    db: sqlite3.Connection,
    book: Book,
    scan: ScanMessage,
    payload: bytes,
    error: Exception,
    now: float,
) -> Intake:
    """A read the gateway could not handle: refused, and the refusal kept like any answer
    (a resend gets it again). If even that cannot be written, refused all the same."""
    answer = failed_answer(scan.event_id, error)
    wire = answer.to_json()
    try:
        insert_read(db, scan, payload, wire, now)
    except Exception:
        book.undo()
        log.exception("could not keep the refusal of read %s", scan.event_id)
    return Intake(answer, duplicate=False, wire=wire)


def take_statuses(store: GatewayStore, statuses: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Stations' retained statuses (online with their figures, or their last will)."""
    with store.transaction() as db:
        now = store.clock()
        for device, status in statuses:
            people.device_status(db, device, status, now)
