"""The gateway tells the central server how its depot's floor is: each device (online or
not, its door, when last seen, reads in the last ten minutes), the outbox's depth and age, the
disk, and where the depot prints labels, its printers and what came of the labels and bin cards
asked for on the dashboard. The supervisors' dashboard shows it on its doors page; a gateway
that stops reporting shows there as silent, with the age of its last report and of its last
sync."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from typing import Any

import httpx

from gateway.config import ServerLink
from gateway.services.dashboard_prints import DashboardPrints
from gateway.storage import people
from gateway.storage.disk import MB, DiskGuard
from gateway.storage.store import GatewayStore
from gateway.upstream.worker import Worker
from kernel.clock import Clock
from kernel.print_outcomes import PrintOutcome

log = logging.getLogger(__name__)
RECENT_SECONDS = 600
MAX_UNKNOWN_BROKEN = 20  # devices known only by their broken messages, worst first


def iso(moment: float | None) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, UTC).isoformat()


class Reporter(Worker):
    name = "reporter"

    def __init__(
        self,
        link: ServerLink,
        store: GatewayStore,
        disk: DiskGuard,
        workers: dict[str, Worker],
        interval: float,
        *,
        clock: Clock,
        prints: DashboardPrints | None = None,
    ) -> None:
        super().__init__(link, clock=clock)
        self.store = store
        self.disk = disk
        self.workers = workers  # "sync", "delivery": whose last success to report
        self.interval = interval
        self.prints = prints  # the printers, and the dashboard's print requests' outcomes
        self._outcomes: list[PrintOutcome] = []  # what the report being sent carries

    def report(self) -> dict[str, Any]:
        now = self.store.clock()
        recent = self.store.recent_reads(now - RECENT_SECONDS)
        broken = self.store.broken_counts(now - RECENT_SECONDS)
        with self.store.reading() as db:
            known = people.devices(db)
        devices = []
        for d in known:
            count, last = recent.get(d["device"], (0, None))
            devices.append({
                "device": d["device"], "state": d["state"], "door": d["door"],
                "last_seen": iso(d["last_seen"]), "reads_10min": count, "last_read": iso(last),
            })  # fmt: skip
        named = {d["device"] for d in known}
        for device, (count, last) in recent.items():
            if device not in named:  # reads, but no status yet
                devices.append({"device": device, "state": "unknown", "door": None,
                                "last_seen": iso(last), "reads_10min": count,
                                "last_read": iso(last)})  # fmt: skip
                named.add(device)
        worst = sorted(broken, key=lambda device: -broken[device].broken)[:MAX_UNKNOWN_BROKEN]
        for device in worst:
            if device not in named:  # only broken messages: still a device to look at
                devices.append({"device": device, "state": "unknown", "door": None,
                                "last_seen": None, "reads_10min": 0,
                                "last_read": None})  # fmt: skip
        for d in devices:
            counts = broken.get(d["device"])
            d["broken_10min"] = counts.broken if counts else 0
            d["flooding"] = bool(counts and counts.flooding)
        stats = self.store.stats()
        printing: dict[str, Any] = {}
        if self.prints is not None:
            printing, self._outcomes = self.prints.report()
        return {
            **printing,
            "at": iso(now),
            "devices": devices,
            "outbox": {
                "pending": stats.pending,
                "rejected": stats.rejected,
                "oldest_pending_age": stats.oldest_pending_age,
                "rejected_recent": [
                    {**r, "at": iso(r["at"])} for r in self.store.rejected_recent()
                ],
            },
            "disk": {"free_mb": self.disk.free() // MB, "alarm": self.disk.alarm},
            **{f"last_{k}": iso(w.last_success) for k, w in self.workers.items()},
        }

    def once(self, http: httpx.Client) -> float:
        try:
            answer = http.post("/api/v1/gateway/report", json=self.report(), headers=self.headers())
            if answer.status_code != 200:
                raise RuntimeError(f"server answered {answer.status_code}: {answer.text[:200]}")
            if self.prints is not None:  # the server has them: final ones are not sent again
                self.prints.reported(self._outcomes)
            _warn_left_out(answer)
        except (httpx.HTTPError, RuntimeError, OSError, sqlite3.Error) as exc:
            # the server away, or the gateway's own database busy: next round tries again
            return min(self.failed("report to the server", exc), self.interval)
        self.succeeded()
        return self.interval


def _warn_left_out(answer: httpx.Response) -> None:
    """Log what the server left out of a report it took (a malformed printer or outcome)."""
    try:
        left_out = answer.json().get("left_out") or []
    except (ValueError, AttributeError):  # an answer without it: nothing to say
        return
    if left_out:
        log.warning("the server left out of the report: %s", "; ".join(map(str, left_out[:5])))
