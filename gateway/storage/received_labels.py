"""The labels of units received at a door, in the book: queued in the read's transaction at
the door's printer, and their tags registered to the units once written and read back.

A unit received by its goods label at a door with a printer gets a logistic label: its SSCC
serial taken and its job queued (gateway/storage/print_queue.py) in the read's savepoint,
with a row in `label_units` naming the unit's item, the door and the read. Where the door
encodes tags (`tag` 'printer': its printer-encoder), the job's SSCC-96 is registered to the
unit, received, when the printer reports the tag written and read back; a label voided and
printed again is the same job and registers its EPC once. Where the door's LLRP reader encodes
(`tag` 'reader'), the printed label's EPC is asked of that reader and registered once it
reports the tag written and verified (gateway/storage/encode_requests.py).

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from gateway.domain.floor import LabelNote, LabelWanted, TaggedUnit, Tags
from gateway.domain.labels import LabelRefused, LogisticLabel, UnitsToLabel, epc_uri, sscc
from gateway.domain.labels import unit_labels as numbered
from gateway.storage import encode_requests, print_queue
from kernel.print_outcomes import PROBLEMS

SCHEMA = """
CREATE TABLE IF NOT EXISTS label_units (
    job_id  INTEGER PRIMARY KEY, item TEXT NOT NULL, door TEXT NOT NULL, read_id TEXT NOT NULL,
    tag     TEXT NOT NULL DEFAULT 'none', encoder TEXT, registered_at REAL
);
"""
PRINTER, READER, NONE = "printer", "reader", "none"  # who encodes the unit's tag


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class DoorPrinter:
    """The printer that labels what a door receives, and who encodes the label's tag."""

    printer: str
    tag: str = NONE  # PRINTER: the printer's encoder; READER: `encoder`; NONE: the label only
    encoder: str = ""  # the LLRP reader (device) that encodes the label's tag after printing


@dataclass(frozen=True, slots=True)
class ReceivingLabels:
    """The depot's GS1 numbering and the printer of each door that labels what it receives;
    `wake`: the print worker, told of new jobs once they are committed."""

    company_prefix: str
    extension: int
    doors: Mapping[str, DoorPrinter]
    depot: str = ""
    wake: Callable[[], None] = field(default=_nothing, compare=False)
    gtin_prefixes: tuple[str, ...] = ()  # suppliers' prefixes: their items' SGTIN tags


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def queue(
    db: sqlite3.Connection, plan: ReceivingLabels, wanted: LabelWanted, at: float
) -> LabelNote | None:
    """Queue the unit's label at its door's printer (None: the door has none): its SSCC, and
    the trouble the printer is in now; a label the rules refuse takes no serial."""
    door = plan.doors.get(wanted.door)
    if door is None:
        return None
    prefix, extension, item = plan.company_prefix, plan.extension, wanted.item
    try:
        goods = LogisticLabel(
            sscc=sscc(prefix, extension, 0), gtin=wanted.gtin, batch=wanted.batch,
            qty=wanted.qty, item_zh=item.name_zh, item_en=item.name_en, unit_zh=item.unit_zh,
            unit_en=item.unit_en, prod_date=_day(wanted.prod_date), expiry=_day(wanted.expiry),
            depot=plan.depot, door=wanted.door, serial=wanted.serial,
        )  # fmt: skip
        first = print_queue.take_serials(db, prefix, extension, 1)
        request = UnitsToLabel(1, goods, encode=door.tag != NONE, by_item=wanted.serial is not None)
        labels = numbered(request, prefix, extension, first, plan.gtin_prefixes)
    except LabelRefused as refused:
        return LabelNote(None, refused.zh, refused.en)
    (job,) = print_queue.enqueue(db, door.printer, labels, at)
    db.execute(
        "INSERT INTO label_units (job_id, item, door, read_id, tag, encoder) VALUES (?,?,?,?,?,?)",
        (job, item.code, wanted.door, wanted.read_id, door.tag, door.encoder or None),
    )
    zh, en = PROBLEMS.get(print_queue.trouble(db, door.printer) or "", ("", ""))
    return LabelNote(labels[0].sscc, zh, en)


def asked_on_floor(
    db: sqlite3.Connection, jobs: list[int], item: str, printer: str, encoded: bool
) -> None:
    """Labels asked for on the floor pages: each job's unit of `item`, its tag registered
    like a received unit's once the printer-encoder wrote and read it back (`encoded`)."""
    db.executemany(
        "INSERT INTO label_units (job_id, item, door, read_id, tag) VALUES (?,?,?,?,?)",
        [(job, item, printer, f"floor-{job}", PRINTER if encoded else NONE) for job in jobs],
    )


def printed(db: sqlite3.Connection, tags: Tags, job: print_queue.Job, at: float) -> None:
    """The job's label printed: where its printer wrote and read back the tag, the EPC is
    registered to the unit, received (once); where a reader encodes it, the reader is asked
    to (gateway/storage/encode_requests.py)."""
    row = db.execute(
        "SELECT item, tag, encoder FROM label_units WHERE job_id = ? AND registered_at IS NULL",
        (job.id,),
    ).fetchone()
    label = job.unit_label
    if row is None or label is None or label.epc_hex is None:
        return
    if row[1] == PRINTER:
        register(db, tags, job, str(row[0]), at)
    elif row[1] == READER and row[2]:
        encode_requests.ask(db, job, str(row[2]), str(row[0]))


def register(
    db: sqlite3.Connection, tags: Tags, job: print_queue.Job, item: str, at: float
) -> None:
    """The job's tag, written and read back, stands for its unit, received."""
    label = job.unit_label
    assert label is not None and label.epc_hex is not None
    unit = TaggedUnit(
        epc_uri(label.epc_hex), item, label.gtin, label.batch, label.qty, "received", None
    )
    tags.tag_received(unit, at)
    db.execute("UPDATE label_units SET registered_at = ? WHERE job_id = ?", (at, job.id))
