"""The floor pages' services: signing on and off, what a page shows, and the actions a page
takes on a device's task. Each is one transaction (the pages' reads one snapshot on the
read-only connection, never waiting on the intake); the time is passed in.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from gateway.domain import tasks
from gateway.domain.errors import NotAllowed
from gateway.domain.floor import Task
from gateway.domain.labels import LogisticLabel
from gateway.services import label_queue
from gateway.storage import encode_requests, pages, people, print_queue
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel.depot_time import depot_date
from kernel.passwords import stand_in_hash, verify_password
from kernel.print_outcomes import PROBLEMS

SESSION_HOURS = 12
MAY_SETTLE = ("supervisor", "admin")  # who says whether an unconfirmed label printed


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display: str
    role: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signed_on(store: GatewayStore, token: str, now: float) -> User | None:
    """The person a session cookie belongs to, while the session lasts."""
    with store.reading() as db:
        found = people.session(db, _hash(token), now)
    return User(*found) if found else None


def sign_on(store: GatewayStore, username: str, pin: str, now: float) -> str | None:
    """A new session's token for a person with the right floor PIN, else None. A name not on
    the list is checked against a stand-in: the same answer, the same time."""
    with store.reading() as db:
        person = people.person(db, username)
    if not verify_password(pin, person[2] if person else stand_in_hash()) or person is None:
        return None
    token = secrets.token_urlsafe(32)
    with store.transaction() as db:
        people.open_session(db, _hash(token), username, now + SESSION_HOURS * 3600)
    return token


def sign_off(store: GatewayStore, token: str) -> None:
    with store.transaction() as db:
        people.close_session(db, _hash(token))


def overview(store: GatewayStore, now: float) -> dict[str, Any]:
    """The depot's floor at a glance: devices, pick lists, notices, counts, refused events."""
    with store.reading() as db:
        return {
            "devices": pages.devices(db, now),
            "orders": pages.orders(db, depot_date(now)),
            "notices": pages.notices(db),
            "counts": pages.counts(db),
            "rejected": pages.rejected(db),
            "printers": printers(db),
            "unconfirmed": unconfirmed_labels(db),
            "encodes": encode_requests.failed(db),
        }


def printers(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """The label printers with jobs waiting, each with its trouble in both languages."""
    out = []
    for row in print_queue.summary(db):
        zh, en = PROBLEMS.get(str(row["reason"]), ("", "")) if row["reason"] else ("", "")
        out.append({**row, "zh": zh, "en": en})
    return out


def unconfirmed_labels(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Labels a printer took without saying whether they printed, for a supervisor to settle."""
    out = []
    for job in print_queue.unconfirmed_jobs(db):
        zh, en = PROBLEMS.get(job.reason or "", ("", ""))
        made = job.label
        what = (
            f"SSCC {made.sscc}"
            if isinstance(made, LogisticLabel)
            else f"标识牌 Bin card {made.location}"
        )
        out.append({"job_id": job.id, "printer": job.printer, "what": what,
                    "zh": zh, "en": en})  # fmt: skip
    return out


def settle_label(store: GatewayStore, user: User, job: int, printed_ok: bool) -> bool:
    """A supervisor looked at the printer: the unconfirmed label printed, or print it again."""
    if user.role not in MAY_SETTLE:
        raise NotAllowed(
            "只有主管可以确认标签是否已打印", "only a supervisor may settle an unconfirmed label"
        )
    return label_queue.confirm_job(store, job, printed_ok)


def retry_printer(store: GatewayStore, printer: str) -> int:
    """The operator checked the printer's labels: its held jobs are printed again."""
    with store.transaction() as db:
        return print_queue.retry(db, printer)


def retry_encode(store: GatewayStore, job: int) -> bool:
    """The operator put a blank tag on the reader again: the failed encode is asked again."""
    with store.transaction() as db:
        return encode_requests.retry(db, job)


def device_detail(store: GatewayStore, device: str, now: float) -> dict[str, Any]:
    with store.reading() as db:
        return pages.device_detail(db, device, depot_date(now))


def assign_task(store: GatewayStore, device: str, kind: str, ref: str | None, now: float) -> None:
    """Set a device's task from the page (gateway/domain/tasks.py)."""
    with store.transaction() as db:
        book = Book(db)
        book.set_task(device, tasks.assign(book.task(device), kind, ref), now)


def grant_override(store: GatewayStore, device: str, user: User, reason: str, now: float) -> None:
    """A supervisor lets the picker on `device` take another batch for one unit."""
    with store.transaction() as db:
        book = Book(db)
        granted: Task = tasks.override(book.task(device), user.username, user.role, reason, now)
        book.set_task(device, granted, now)
