"""Prints asked for on the central dashboard, in the book: each request the server sent with a
sync is taken once (its id is the key), its jobs queued in the same transaction as its row
here (a request is never queued twice, across restarts too), or refused with the reason. What
came of each is reported back with the gateway's status report until it is final (printed, or
refused) and the server has it.

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS asked_prints (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, printer TEXT NOT NULL,
    first_job INTEGER, last_job INTEGER, reason_zh TEXT, reason_en TEXT,
    taken_at REAL NOT NULL, reported TEXT
);
"""
FINAL = ("printed", "refused")
MAX_REPORTED = 200  # requests a report carries, the newest


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of a request: `state` queued (printing), printed (every job), attention (a
    job waits for a supervisor at the printer: unconfirmed, or held after voided labels), or
    refused (nothing queued: `reason_*` say why)."""

    id: int
    state: str
    jobs: int
    printed: int
    first_sscc: str | None
    last_sscc: str | None
    reason_zh: str
    reason_en: str


def known(db: sqlite3.Connection, request: int) -> bool:
    return db.execute("SELECT 1 FROM asked_prints WHERE id = ?", (request,)).fetchone() is not None


def taken(
    db: sqlite3.Connection, request: int, kind: str, printer: str, jobs: list[int], now: float
) -> None:
    """The request's jobs are queued (their ids follow each other: one transaction)."""
    db.execute(
        "INSERT INTO asked_prints (id, kind, printer, first_job, last_job, taken_at) "
        "VALUES (?,?,?,?,?,?)",
        (request, kind, printer, min(jobs), max(jobs), now),
    )


def refused(
    db: sqlite3.Connection, request: int, kind: str, printer: str, zh: str, en: str, now: float
) -> None:
    db.execute(
        "INSERT INTO asked_prints (id, kind, printer, reason_zh, reason_en, taken_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
        (request, kind[:20], printer[:40], zh[:200], en[:200], now),
    )


def outcomes(db: sqlite3.Connection) -> list[Outcome]:
    """What came of each request the server has not heard final, newest first."""
    rows = db.execute(
        "SELECT a.id, a.first_job, a.reason_zh, a.reason_en, "
        "count(j.id), coalesce(sum(j.state = 'printed'), 0), "
        "coalesce(sum(j.state IN ('unconfirmed', 'held')), 0), "
        "(SELECT sscc FROM print_jobs WHERE id = a.first_job AND kind = 'label'), "
        "(SELECT sscc FROM print_jobs WHERE id = a.last_job AND kind = 'label') "
        "FROM asked_prints a LEFT JOIN print_jobs j ON j.id BETWEEN a.first_job AND a.last_job "
        "WHERE a.reported IS NULL OR a.reported NOT IN ('printed', 'refused') "
        "GROUP BY a.id ORDER BY a.id DESC LIMIT ?",
        (MAX_REPORTED,),
    )
    out = []
    for request, first, zh, en, jobs, printed, attention, first_sscc, last_sscc in rows:
        state = (
            "refused" if first is None
            else "printed" if printed == jobs
            else "attention" if attention
            else "queued"
        )  # fmt: skip
        counts = int(jobs), int(printed)
        out.append(Outcome(int(request), state, *counts, first_sscc, last_sscc, zh or "", en or ""))
    return out


def reported(db: sqlite3.Connection, sent: list[Outcome]) -> None:
    """The server has these outcomes: a final one is not reported again."""
    db.executemany(
        "UPDATE asked_prints SET reported = ? WHERE id = ?", [(o.state, o.id) for o in sent]
    )
