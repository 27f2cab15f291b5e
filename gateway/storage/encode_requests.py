"""Tags encoded through a station's LLRP reader, in the book: one request per received unit's
label whose door's printer has no encoder but whose reader has (`encoder` of the printer).

Once the label is printed its request is `to_send`; the gateway's sender publishes it on the
reader's command topic (kernel/encoding.py) and marks it `sent`, and sends it again, under
the same id and with the same expiry (set at the attempt's first send: a blank tag put on the
reader later may be another unit's), when no outcome came within a while (the station answers
a repeated id with the outcome it gave, never writing twice). An attempt whose expiry passed
with no outcome is `failed` as `expired` here, never sent again. The outcome (from the
reader's encoded topic: the device is the topic's, not the body's) makes it `verified`, and
the tag is registered to the unit, received; or `failed` with its reason, shown on the floor
overview until the operator asks again: a new attempt, under a new id (the station would
repeat the failure under the old one). A tag that already carries the EPC wanted (the reader
answers `same_epc`, or `epc_in_field`: an earlier attempt wrote it though its outcome was
`write_unconfirmed`) is verified: the wanted EPC is on a tag, and no other unit has it.

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from gateway.storage import print_queue
from kernel.encoding import REASONS, EncodeOutcome

SCHEMA = """
CREATE TABLE IF NOT EXISTS encode_requests (
    job_id     INTEGER PRIMARY KEY,
    device     TEXT NOT NULL,
    epc        TEXT NOT NULL,
    item       TEXT NOT NULL,
    attempt    INTEGER NOT NULL DEFAULT 1,
    request_id TEXT NOT NULL UNIQUE,
    state      TEXT NOT NULL DEFAULT 'to_send',
    reason     TEXT,
    text_zh    TEXT NOT NULL DEFAULT '',
    text_en    TEXT NOT NULL DEFAULT '',
    sent_at    REAL,
    done_at    REAL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS encode_requests_open ON encode_requests (state)
    WHERE state IN ('to_send', 'sent');
"""
NAMESPACE = uuid.UUID("0c9a7d52-3e1b-4f55-8d2a-6b7f0e4c9a31")
ALREADY_THERE = ("same_epc", "epc_in_field")  # the wanted EPC is on a tag already


def request_id(sscc: str, attempt: int) -> str:
    """The id of a label's encode request: the same for a resend, new for another attempt."""
    return str(uuid.uuid5(NAMESPACE, f"{sscc}:{attempt}"))


@dataclass(frozen=True, slots=True)
class Pending:
    """A request to send now: its print job, the reader to send it to, the request's id, the
    EPC to write and the expiry it was first sent with (None: not sent yet)."""

    job_id: int
    device: str
    request_id: str
    epc: str
    expires_at: float | None = None


def ask(db: sqlite3.Connection, job: print_queue.Job, device: str, item: str) -> None:
    """The job's label is printed: its tag is to be encoded by `device` (the blank tag in its
    field). Asked once per job (a label printed again asks nothing more)."""
    label = job.unit_label
    assert label is not None and label.epc_hex is not None
    db.execute(
        "INSERT INTO encode_requests (job_id, device, epc, item, request_id) VALUES (?,?,?,?,?) "
        "ON CONFLICT (job_id) DO NOTHING",
        (job.id, device, label.epc_hex, item, request_id(label.sscc, 1)),
    )


def due(db: sqlite3.Connection, now: float, resend_after: float) -> list[Pending]:
    """The requests to send now: new ones, and those sent without an outcome for a while; a
    sent one whose expiry passed with no outcome is failed as `expired` instead."""
    zh, en = REASONS["expired"]
    db.execute(
        "UPDATE encode_requests SET state = 'failed', reason = 'expired', text_zh = ?, "
        "text_en = ?, done_at = ? WHERE state = 'sent' AND expires_at IS NOT NULL "
        "AND expires_at <= ?",
        (zh, en, now, now),
    )
    rows = db.execute(
        "SELECT job_id, device, epc, request_id, expires_at FROM encode_requests "
        "WHERE state = 'to_send' OR (state = 'sent' AND sent_at < ?) ORDER BY job_id",
        (now - resend_after,),
    )
    return [
        Pending(int(j), str(d), str(r), str(e), None if x is None else float(x))
        for j, d, e, r, x in rows
    ]


def sent(db: sqlite3.Connection, job_id: int, now: float, expires_at: float) -> None:
    """Sent now; the expiry it carries kept from the attempt's first send."""
    db.execute(
        "UPDATE encode_requests SET state = 'sent', sent_at = ?, "
        "expires_at = coalesce(expires_at, ?) WHERE job_id = ? AND state IN ('to_send', 'sent')",
        (now, expires_at, job_id),
    )


def answered(
    db: sqlite3.Connection, device: str, outcome: EncodeOutcome, now: float
) -> tuple[print_queue.Job, str] | None:
    """A reader's outcome: the request it names, from that very device and still open, is
    verified (returned: the job whose label's EPC the tag now carries, and the unit's item,
    for the tag to be registered) or failed with its reason; nothing when it names none (an
    old attempt's, another device's, or one already settled). An attempt failed here as
    expired still takes its outcome: the reader may have started it just before its expiry."""
    row = db.execute(
        "SELECT job_id, epc, item FROM encode_requests WHERE request_id = ? AND device = ? "
        "AND (state IN ('to_send', 'sent') OR (state = 'failed' AND reason = 'expired'))",
        (outcome.re, device),
    ).fetchone()
    if row is None:
        return None
    job_id, epc, item = int(row[0]), str(row[1]), str(row[2])
    there = (outcome.reason or "").split(":", 1)[0] in ALREADY_THERE and outcome.epc == epc
    good = (bool(outcome.written and outcome.verified) and outcome.epc == epc) or there
    reason = None if good else (outcome.reason or "wrong_epc")
    db.execute(
        "UPDATE encode_requests SET state = ?, reason = ?, text_zh = ?, text_en = ?, "
        "done_at = ? WHERE job_id = ?",
        ("verified" if good else "failed", reason, outcome.text_zh, outcome.text_en, now, job_id),
    )
    job = print_queue.job(db, job_id)
    return (job, item) if good and job is not None else None


def retry(db: sqlite3.Connection, job_id: int) -> bool:
    """The operator asks again for a failed encode (a blank tag on the reader): a new
    attempt under a new id."""
    row = db.execute(
        "SELECT r.attempt, j.sscc FROM encode_requests r JOIN print_jobs j ON j.id = r.job_id "
        "WHERE r.job_id = ? AND r.state = 'failed'",
        (job_id,),
    ).fetchone()
    if row is None:
        return False
    attempt = int(row[0]) + 1
    db.execute(
        "UPDATE encode_requests SET state = 'to_send', attempt = ?, request_id = ?, "
        "reason = NULL, text_zh = '', text_en = '', sent_at = NULL, done_at = NULL, "
        "expires_at = NULL "
        "WHERE job_id = ?",
        (attempt, request_id(str(row[1]), attempt), job_id),
    )
    return True


def failed(db: sqlite3.Connection) -> list[dict[str, object]]:
    """The encodes that failed, oldest first, each with its job, reader, SSCC and the
    reader's reason in both languages (for the floor overview)."""
    rows = db.execute(
        "SELECT r.job_id, r.device, j.sscc, r.reason, r.text_zh, r.text_en FROM encode_requests "
        "r JOIN print_jobs j ON j.id = r.job_id WHERE r.state = 'failed' ORDER BY r.job_id"
    )
    names = ("job_id", "device", "sscc", "reason", "zh", "en")
    return [dict(zip(names, row, strict=True)) for row in rows]
