"""The server's periodic jobs (server/services/periodic.py) are built with a clock and each
round is given the moment it runs at; a round that fails does not stop the next."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from harness.procs import wait_until
from kernel.clock import FixedClock
from server.services.periodic import Periodic

log = logging.getLogger(__name__)


class Recorder(Periodic):
    name = "recorder"

    def __init__(self, clock: FixedClock, fail_first: bool = False) -> None:
        super().__init__(0.01, log, clock)
        self.seen: list[datetime] = []
        self.fail_first = fail_first
        self.fixed = clock  # the same clock, as the FixedClock a test moves

    def round(self, now: datetime) -> None:
        self.seen.append(now)
        if self.fail_first and len(self.seen) == 1:
            raise RuntimeError("the database is away")
        self.fixed.advance(timedelta(hours=1))  # the next round is an hour later


def test_each_round_is_given_the_moment_of_the_clock_it_was_built_with() -> None:
    start = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    job = Recorder(FixedClock(start), fail_first=True)
    job.start()
    try:
        wait_until(lambda: len(job.seen) >= 3, 10, "three rounds")
    finally:
        job.stop()
    # the first round failed (logged) before moving the clock: the second ran at its moment
    assert job.seen[:3] == [start, start, start + timedelta(hours=1)]
