"""The print queue and the SSCC serials, in the book.

A unit's SSCC serial is taken from `sscc_serials` in the same transaction as its job is
written to `print_jobs`: the serials of a depot's prefix and extension go up by one, never
repeat and leave no gap, across a restart (they are in the file) and across printers (every
writer takes the store's one lock, BEGIN IMMEDIATE). A job stays `queued` until its printer
is sent it: it is `sent` (recorded before the send), then `printed`, or `unconfirmed` where
the printer took it but whether it printed is not known (a supervisor says: `confirm` it
printed, or `again` to queue it once more); a job the printer never took goes back to
`queued` (`kept`). A label voided by a failed encode is kept in `print_voids` and the same
unit, with the same SSCC, is printed again; after MAX_VOIDS voids in a row the job is `held`
until the operator asks for it again (`retry`).

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass

from gateway.domain.labels import LabelRefused, LogisticLabel, label_from_dict, label_to_dict
from kernel.bin_card import BinCard, card_from_dict, card_to_dict
from kernel.sscc_serials import UsedSerials

SCHEMA = """
CREATE TABLE IF NOT EXISTS sscc_serials (
    prefix TEXT NOT NULL, extension INTEGER NOT NULL, next_serial INTEGER NOT NULL,
    PRIMARY KEY (prefix, extension)
);
CREATE TABLE IF NOT EXISTS print_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    printer     TEXT NOT NULL,
    sscc        TEXT NOT NULL UNIQUE,  -- a label's SSCC; a card's own key ('card-...')
    label       TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'label',
    state       TEXT NOT NULL DEFAULT 'queued',
    attempts    INTEGER NOT NULL DEFAULT 0,
    voids       INTEGER NOT NULL DEFAULT 0,
    reason      TEXT,
    created_at  REAL NOT NULL,
    printed_at  REAL
);
CREATE INDEX IF NOT EXISTS print_jobs_queued ON print_jobs (printer, id) WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS print_voids (
    job_id INTEGER NOT NULL, sscc TEXT NOT NULL, epc TEXT, read_back TEXT,
    reason TEXT NOT NULL, at REAL NOT NULL
);
"""
ADDED = {"kind": "TEXT NOT NULL DEFAULT 'label'"}  # for a book made before bin cards
MAX_VOIDS = 3  # voided labels in a row before a job waits for the operator
LABEL, CARD = "label", "card"


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    printer: str
    label: LogisticLabel | BinCard
    attempts: int
    voids: int
    state: str
    reason: str | None
    key: str = ""  # a label's SSCC, a card's own key ('card-...'): unique across the book

    @property
    def unit_label(self) -> LogisticLabel | None:
        """The unit's label, None for a bin card."""
        return self.label if isinstance(self.label, LogisticLabel) else None


def used_serials(db: sqlite3.Connection) -> list[UsedSerials]:
    """The highest serial used under each prefix and extension: reported with each sync."""
    rows = db.execute(
        "SELECT prefix, extension, next_serial - 1 FROM sscc_serials WHERE next_serial > 1 "
        "ORDER BY prefix, extension"
    )
    return [UsedSerials(str(p), int(e), int(high)) for p, e, high in rows]


def go_on_after(db: sqlite3.Connection, used: list[UsedSerials]) -> None:
    """The serials the server says the depot has used (a gateway rebuilt from nothing learns
    them with its first sync): the next serial comes after them, never before one taken."""
    if not used:
        return
    db.executemany(
        "INSERT INTO sscc_serials (prefix, extension, next_serial) VALUES (?,?,?) "
        "ON CONFLICT (prefix, extension) DO UPDATE SET "
        "next_serial = max(next_serial, excluded.next_serial)",
        [(u.prefix, u.extension, u.high + 1) for u in used],
    )


def take_serials(db: sqlite3.Connection, prefix: str, extension: int, count: int) -> int:
    """The first of `count` serials, taken for good (the next ones go on from after them)."""
    row = db.execute(
        "SELECT next_serial FROM sscc_serials WHERE prefix = ? AND extension = ?",
        (prefix, extension),
    ).fetchone()
    first = int(row[0]) if row else 1
    db.execute(
        "INSERT INTO sscc_serials (prefix, extension, next_serial) VALUES (?,?,?) "
        "ON CONFLICT (prefix, extension) DO UPDATE SET next_serial = excluded.next_serial",
        (prefix, extension, first + count),
    )
    return first


def enqueue(
    db: sqlite3.Connection, printer: str, labels: list[LogisticLabel], now: float
) -> list[int]:
    """Queue these labels (their SSCCs already taken) on `printer`; their job ids."""
    return [_insert(db, printer, x.sscc, label_to_dict(x), LABEL, now) for x in labels]


def enqueue_cards(
    db: sqlite3.Connection, printer: str, cards: list[BinCard], now: float
) -> list[int]:
    """Queue these bin cards on `printer`; their job ids."""
    return [
        _insert(db, printer, f"card-{uuid.uuid4().hex}", card_to_dict(x), CARD, now) for x in cards
    ]


def _insert(
    db: sqlite3.Connection, printer: str, key: str, values: dict[str, object], kind: str,
    now: float,
) -> int:  # fmt: skip
    cursor = db.execute(
        "INSERT INTO print_jobs (printer, sscc, label, kind, created_at) VALUES (?,?,?,?,?)",
        (printer, key, json.dumps(values, ensure_ascii=False), kind, now),
    )
    return int(cursor.lastrowid or 0)


def _job(row: tuple[object, ...]) -> Job:
    id_, printer, text, attempts, voids, state, reason, kind, key = row
    values = json.loads(str(text))
    made = card_from_dict(values) if kind == CARD else label_from_dict(values)
    return Job(
        int(str(id_)), str(printer), made, int(str(attempts)), int(str(voids)), str(state),
        None if reason is None else str(reason), str(key),
    )  # fmt: skip


_COLUMNS = "id, printer, label, attempts, voids, state, reason, kind, sscc"


def next_job(db: sqlite3.Connection, printer: str) -> Job | None:
    """The printer's oldest job still to print. A job whose label the rules no longer take
    (kept by an earlier release) is set aside as `refused` with the reason, never blocking
    the jobs behind it."""
    while True:
        row = db.execute(
            f"SELECT {_COLUMNS} FROM print_jobs WHERE printer = ? AND state = 'queued' "  # noqa: S608
            "ORDER BY id LIMIT 1",
            (printer,),
        ).fetchone()
        if row is None:
            return None
        try:
            return _job(row)
        except (LabelRefused, ValueError, TypeError) as exc:
            db.execute(
                "UPDATE print_jobs SET state = 'refused', reason = ? WHERE id = ?",
                (f"label_refused: {exc}"[:200], row[0]),
            )


def job(db: sqlite3.Connection, job_id: int) -> Job | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,)).fetchone()  # noqa: S608
    return _job(row) if row else None


def jobs(db: sqlite3.Connection, printer: str | None = None) -> list[Job]:
    """Every job (of one printer) but those set aside as refused, oldest first."""
    where, args = ("AND printer = ?", (printer,)) if printer else ("", ())
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE state != 'refused' {where} ORDER BY id",  # noqa: S608
        args,
    )
    return [_job(row) for row in rows]


def printed(db: sqlite3.Connection, job_id: int, now: float) -> None:
    db.execute(
        "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, reason = NULL, "
        "printed_at = ? WHERE id = ?",
        (now, job_id),
    )


def kept(db: sqlite3.Connection, job_id: int, reason: str) -> None:
    """Not sent (the printer out of paper, unreachable ...): kept for the next round."""
    db.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, reason = ?, state = 'queued' WHERE id = ?",
        (reason, job_id),
    )


def sending(db: sqlite3.Connection, job_id: int) -> None:
    """The job is about to go to its printer: from here on it is never sent again unasked."""
    db.execute("UPDATE print_jobs SET state = 'sent' WHERE id = ?", (job_id,))


def unconfirmed(db: sqlite3.Connection, job_id: int, reason: str) -> None:
    """The printer took the job; whether it printed is for a supervisor to say."""
    db.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, reason = ?, state = 'unconfirmed' "
        "WHERE id = ?",
        (reason, job_id),
    )


def interrupted(db: sqlite3.Connection) -> int:
    """Jobs left `sent` by a gateway that stopped mid-job: unconfirmed; how many."""
    cursor = db.execute(
        "UPDATE print_jobs SET state = 'unconfirmed', reason = 'interrupted' WHERE state = 'sent'"
    )
    return cursor.rowcount


def noted(db: sqlite3.Connection, job_id: int, reason: str) -> None:
    """A reason on the job, its state left as it is (what came of it was not recorded)."""
    db.execute("UPDATE print_jobs SET reason = ? WHERE id = ?", (reason, job_id))


def unconfirmed_jobs(db: sqlite3.Connection) -> list[Job]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE state = 'unconfirmed' ORDER BY id"  # noqa: S608
    )
    return [_job(row) for row in rows]


def settle(db: sqlite3.Connection, job_id: int, printed_ok: bool, now: float) -> Job | None:
    """A supervisor looked at an unconfirmed job's printer: the label printed (`printed`), or
    it did not and is queued again; the job, None if it is not unconfirmed (any more)."""
    found = job(db, job_id)
    if found is None or found.state != "unconfirmed":
        return None
    if printed_ok:
        db.execute(
            "UPDATE print_jobs SET state = 'printed', reason = NULL, printed_at = ? WHERE id = ?",
            (now, job_id),
        )
    else:
        db.execute("UPDATE print_jobs SET state = 'queued', reason = NULL WHERE id = ?", (job_id,))
    return found


def voided(
    db: sqlite3.Connection, job: Job, read_back: str | None, reason: str, now: float
) -> None:
    """A label came out VOID: recorded; the unit is printed again, or held after MAX_VOIDS."""
    label = job.unit_label
    db.execute(
        "INSERT INTO print_voids (job_id, sscc, epc, read_back, reason, at) VALUES (?,?,?,?,?,?)",
        (
            job.id,
            label.sscc if label else "",
            label.epc_hex if label else None,
            read_back,
            reason,
            now,
        ),
    )
    state = "held" if job.voids + 1 >= MAX_VOIDS else "queued"
    db.execute(
        "UPDATE print_jobs SET attempts = attempts + 1, voids = voids + 1, reason = ?, "
        "state = ? WHERE id = ?",
        (reason, state, job.id),
    )


def voids(db: sqlite3.Connection) -> list[tuple[int, str, str | None, str]]:
    """(job, SSCC, read-back, reason) of every voided label, in order."""
    rows = db.execute("SELECT job_id, sscc, read_back, reason FROM print_voids ORDER BY rowid")
    return [(int(j), str(s), r, str(why)) for j, s, r, why in rows]


def retry(db: sqlite3.Connection, printer: str) -> int:
    """The operator asks for the held jobs of a printer again; how many."""
    cursor = db.execute(
        "UPDATE print_jobs SET state = 'queued', voids = 0 WHERE printer = ? AND state = 'held'",
        (printer,),
    )
    return cursor.rowcount


def trouble(db: sqlite3.Connection, printer: str) -> str | None:
    """The trouble (a kernel.print_outcomes.PROBLEMS code) the printer's oldest job to print is
    waiting out; None: printing (a voided label printed again is no trouble)."""
    row = db.execute(
        "SELECT reason FROM print_jobs WHERE printer = ? AND state = 'queued' ORDER BY id LIMIT 1",
        (printer,),
    ).fetchone()
    reason = row[0] if row else None
    return None if reason in (None, "encode_failed") else str(reason)


def summary(db: sqlite3.Connection) -> list[dict[str, object]]:
    """Each printer with jobs still to print: how many queued and held, and the trouble its
    oldest one met (None: not tried yet, or nothing wrong), for the floor pages."""
    rows = db.execute(
        "SELECT printer, sum(state = 'queued'), sum(state = 'held'), "
        "(SELECT reason FROM print_jobs o WHERE o.printer = j.printer "
        " AND o.state IN ('queued', 'held') ORDER BY o.id LIMIT 1) "
        "FROM print_jobs j WHERE state IN ('queued', 'held') GROUP BY printer ORDER BY printer"
    )
    return [
        {"printer": p, "queued": int(q), "held": int(h), "reason": reason}
        for p, q, h, reason in rows
    ]


def waiting(db: sqlite3.Connection, printer: str) -> int:
    """How many of the printer's labels are still to print (queued, held, being sent)."""
    row = db.execute(
        "SELECT count(*) FROM print_jobs WHERE printer = ? AND state IN ('queued', 'held', 'sent')",
        (printer,),
    ).fetchone()
    return int(row[0])
