"""Making each finished month's reports soon after the month ends, so that nobody waits for
them: a thread of the server process checks every hour that last month's report is kept for
the whole network and for each depot, and makes those that are not (server/services/reports.py).
Several server processes may all do it: a report made twice is the same report. "Last
month" is by the depots' calendar (server.domain.depot_time)."""

from __future__ import annotations

import logging
import threading
from datetime import date

from sqlalchemy import Engine, select

from server.domain import depot_time
from server.domain.errors import ReportError
from server.services.reports import kept_monthly
from server.storage.tables import warehouses

log = logging.getLogger(__name__)
CHECK_EVERY = 3600.0


def last_finished_month(today: date) -> str:
    first = today.replace(day=1)
    previous = first.replace(year=first.year - (first.month == 1), month=(first.month - 2) % 12 + 1)
    return previous.strftime("%Y-%m")


def keep_last_month(engine: Engine, today: date) -> int:
    """Make last month's reports that are not kept yet; returns how many scopes it checked."""
    month = last_finished_month(today)
    with engine.connect() as conn:
        codes = list(conn.execute(select(warehouses.c.code)).scalars())
    for scope in [None, *codes]:
        try:
            kept_monthly(engine, month, scope, today)
        except ReportError as exc:  # cannot happen for last month; logged, not fatal
            log.warning("monthly report %s %s: %s", month, scope or "all", exc)
    return 1 + len(codes)


class ReportKeeper:
    def __init__(self, engine: Engine, every: float = CHECK_EVERY) -> None:
        self.engine = engine
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="report-keeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                keep_last_month(self.engine, depot_time.today())
            except Exception:  # a database away for a while: try again at the next round
                log.exception("could not make last month's reports")
            self._stop.wait(self.every)
