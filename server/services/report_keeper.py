"""Making each finished month's reports soon after the month ends, so that nobody waits for
them: a thread of the server process checks every hour that last month's report is kept for
the whole network and for each depot, and makes those that are not (server/services/reports.py).
Several server processes may all do it: a report made twice is the same report. "Last
month" is by the depots' calendar (server.domain.depot_time)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import Engine, select

from kernel.clock import Clock
from server.domain import depot_time
from server.domain.errors import ReportError
from server.services.periodic import Periodic
from server.services.reports import kept_monthly
from server.storage.tables import warehouses

log = logging.getLogger(__name__)
CHECK_EVERY = 3600.0


def last_finished_month(today: date) -> str:
    first = today.replace(day=1)
    previous = first.replace(year=first.year - (first.month == 1), month=(first.month - 2) % 12 + 1)
    return previous.strftime("%Y-%m")


def keep_last_month(engine: Engine, now: datetime) -> int:
    """Make last month's reports (as at `now`) that are not kept yet; returns how many scopes
    it checked."""
    month = last_finished_month(depot_time.today(now))
    with engine.connect() as conn:
        codes = list(conn.execute(select(warehouses.c.code)).scalars())
    for scope in [None, *codes]:
        try:
            kept_monthly(engine, month, scope, now)
        except ReportError as exc:  # cannot happen for last month; logged, not fatal
            log.warning("monthly report %s %s: %s", month, scope or "all", exc)
    return 1 + len(codes)


class ReportKeeper(Periodic):
    """Makes last month's reports as soon as the server starts, and checks every hour."""

    name = "report-keeper"
    failure = "could not make last month's reports"

    def __init__(self, engine: Engine, clock: Clock, every: float = CHECK_EVERY) -> None:
        super().__init__(every, log, clock)
        self.engine = engine

    def round(self, now: datetime) -> None:
        keep_last_month(self.engine, now)
