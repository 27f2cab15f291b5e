"""A job the server process runs on its own every so often (signing the chains' ends, keeping
last month's reports), in a thread of its own. The job is built with the process's clock
(kernel/clock.py) and each round is given the moment it runs at: the job itself never reads
the clock."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from datetime import datetime

from kernel.clock import Clock


class Periodic(ABC):
    """Runs `round` every `every` seconds, first at start, until stopped, each time with the
    moment `clock` answers. A round that fails (a database away for a while) is logged with
    `failure` and the next one tries again."""

    name = "periodic"
    failure = "a periodic job failed"

    def __init__(self, every: float, log: logging.Logger, clock: Clock) -> None:
        self.every, self.log, self.clock = every, log, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @abstractmethod
    def round(self, now: datetime) -> None:
        """One round of the job, as at `now` (each keeper says what)."""

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.round(self.clock())
            except Exception:
                self.log.exception(self.failure)
            self._stop.wait(self.every)
