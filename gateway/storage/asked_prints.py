"""Prints asked for on the central dashboard, in the book: each request the server sent with a
sync is taken once (its id is the key), its jobs queued in the same transaction as its row
here (a request is never queued twice, across restarts too), or refused with the reason. What
came of each is reported back with the gateway's status report until it is final (printed, or
refused) and the server has it.

Every function here runs inside the caller's transaction (GatewayStore.transaction).
"""

from __future__ import annotations

import sqlite3

from kernel.print_outcomes import PROBLEMS, PrintOutcome

SCHEMA = """
CREATE TABLE IF NOT EXISTS asked_prints (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, printer TEXT NOT NULL,
    reason_zh TEXT, reason_en TEXT, taken_at REAL NOT NULL, reported TEXT
);
CREATE TABLE IF NOT EXISTS asked_jobs (job INTEGER PRIMARY KEY, request INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS asked_jobs_request ON asked_jobs (request);
"""
MAX_REPORTED = 200  # requests a report carries, the newest


def known(db: sqlite3.Connection, request: int) -> bool:
    return db.execute("SELECT 1 FROM asked_prints WHERE id = ?", (request,)).fetchone() is not None


def taken(
    db: sqlite3.Connection, request: int, kind: str, printer: str, jobs: list[int], now: float
) -> None:
    """The request's jobs are queued."""
    db.execute(
        "INSERT INTO asked_prints (id, kind, printer, taken_at) VALUES (?,?,?,?)",
        (request, kind, printer, now),
    )
    db.executemany(
        "INSERT INTO asked_jobs (job, request) VALUES (?,?)", [(job, request) for job in jobs]
    )


def refused(
    db: sqlite3.Connection, request: int, kind: str, printer: str, zh: str, en: str, now: float
) -> None:
    db.execute(
        "INSERT INTO asked_prints (id, kind, printer, reason_zh, reason_en, taken_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
        (request, kind[:20], printer[:40], zh[:200], en[:200], now),
    )


_SSCC_OF = (
    "(SELECT p.sscc FROM asked_jobs x JOIN print_jobs p ON p.id = x.job "
    "WHERE x.request = a.id AND p.kind = 'label' ORDER BY p.id {} LIMIT 1)"
)
_TROUBLE_OF = (  # what the request's oldest job still to print is waiting out
    "(SELECT p.reason FROM asked_jobs x JOIN print_jobs p ON p.id = x.job "
    "WHERE x.request = a.id AND p.state IN ('queued', 'held', 'unconfirmed', 'sent') "
    "AND p.reason IS NOT NULL ORDER BY p.id LIMIT 1)"
)
SET_ASIDE = ("部分标签无法打印，已搁置", "labels the rules no longer take were set aside")


def outcomes(db: sqlite3.Connection) -> list[PrintOutcome]:
    """What came of each request the server has not heard final, newest first, one still
    printing or waiting for a supervisor with the trouble its oldest job to print is waiting
    out (the words the floor page shows). A request whose jobs were all printed but for some
    set aside (`refused` in the queue: never to
    print) is refused, final, with how many printed."""
    rows = db.execute(
        "SELECT a.id, a.reason_zh, a.reason_en, count(j.id), "  # noqa: S608
        "coalesce(sum(j.state = 'printed'), 0), "
        "coalesce(sum(j.state IN ('unconfirmed', 'held')), 0), "
        "coalesce(sum(j.state = 'refused'), 0), "
        f"{_SSCC_OF.format('ASC')}, {_SSCC_OF.format('DESC')}, {_TROUBLE_OF} "
        "FROM asked_prints a LEFT JOIN asked_jobs aj ON aj.request = a.id "
        "LEFT JOIN print_jobs j ON j.id = aj.job "
        "WHERE a.reported IS NULL OR a.reported NOT IN ('printed', 'refused') "
        "GROUP BY a.id ORDER BY a.id DESC LIMIT ?",
        (MAX_REPORTED,),
    )
    out = []
    for request, zh, en, jobs, printed, attention, aside, first, last, trouble in rows:
        state = (
            "refused" if jobs == 0 or (aside and printed + aside == jobs)
            else "printed" if printed == jobs
            else "attention" if attention
            else "queued"
        )  # fmt: skip
        if aside and not zh:
            zh, en = SET_ASIDE
        elif state in ("queued", "attention") and trouble in PROBLEMS:
            zh, en = PROBLEMS[trouble]  # out of paper, not known to have printed ...
        reasons = zh or "", en or ""
        out.append(
            PrintOutcome(int(request), state, int(jobs), int(printed), first, last, *reasons)
        )
    return out


def reported(db: sqlite3.Connection, sent: list[PrintOutcome]) -> None:
    """The server has these outcomes: a final one is not reported again."""
    db.executemany(
        "UPDATE asked_prints SET reported = ? WHERE id = ?", [(o.state, o.id) for o in sent]
    )
