"""A background loop that talks to the central server: the forwarder and the syncer.

`once(http)` does one round and returns how long to wait before the next; `wake()` cuts the
wait short. A round that fails backs off: 0.5 s doubling up to `max_backoff`, with jitter of
plus or minus half, so that a hundred depots coming back online do not call at once.
"""

from __future__ import annotations

import logging
import random
import threading
from abc import ABC, abstractmethod

import httpx

from gateway.config import ServerLink
from kernel.clock import Clock, seconds

log = logging.getLogger(__name__)


def backoff(failures: int, max_backoff: float, rng: random.Random) -> float:
    """Delay before the next try after `failures` failures in a row: 0.5 s doubling, +-50%."""
    base = min(max_backoff, 0.5 * 2 ** max(0, failures - 1))
    return float(base * rng.uniform(0.5, 1.5))


class Worker(ABC):
    """The loop; subclasses say what one round is (`once`)."""

    name = "worker"

    def __init__(
        self, link: ServerLink, exchange: threading.Lock | None = None, *, clock: Clock
    ) -> None:
        self.link, self.clock = link, clock  # the process's clock: when a round succeeded
        # Held for a whole exchange with the server (a delivery and its settling, or a sync
        # and its applying), so that a sync never overlaps a delivery: an event settled
        # before a sync began is in that sync's copy, one settled after it is not.
        self.exchange = exchange or threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failures = 0
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.last_success: float | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=self.link.timeout + 2)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        with httpx.Client(base_url=self.link.url, timeout=self.link.timeout) as http:
            while not self._stop.is_set():
                delay = self.once(http)
                self._wake.wait(timeout=delay)
                self._wake.clear()

    @abstractmethod
    def once(self, http: httpx.Client) -> float:
        """One round with the server; returns the seconds to wait before the next."""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.link.token()}"}

    def failed(self, what: str, exc: Exception) -> float:
        """Count a failed round; returns the delay before the next try."""
        self._failures += 1
        delay = backoff(self._failures, self.link.max_backoff, self._rng)
        log.warning("could not %s (%s); next try in %.1f s", what, exc, delay)
        return delay

    def succeeded(self) -> None:
        self._failures = 0
        self.last_success = seconds(self.clock)
