"""The outbox, drained to the central server's POST /api/v1/events.

Events leave in batches, in the order they were made. A batch that cannot be delivered
(server down, network out, 5xx) is retried with exponential backoff and jitter; an event is
marked sent only after the server answered for it, and a rejected one is kept with its
reason, never dropped.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import httpx

from gateway.config import ServerLink
from gateway.store import GatewayStore

log = logging.getLogger(__name__)


def backoff(failures: int, max_backoff: float, rng: random.Random) -> float:
    """Delay before the next try after `failures` failures in a row: 0.5 s doubling, +-50%."""
    base = min(max_backoff, 0.5 * 2 ** max(0, failures - 1))
    return float(base * rng.uniform(0.5, 1.5))


class Forwarder:
    def __init__(self, site: str, link: ServerLink, store: GatewayStore) -> None:
        self.site = site
        self.link = link
        self.store = store
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._failures = 0
        self._rng = random.Random()  # noqa: S311 - jitter, not a secret
        self._thread = threading.Thread(target=self._run, name="forwarder", daemon=True)
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
                delay = self.send_once(http)
                self._wake.wait(timeout=delay)
                self._wake.clear()

    def send_once(self, http: httpx.Client) -> float:
        """Send one batch if any is due; return how long to wait before the next try."""
        rows = self.store.due(self.link.batch_size)
        if not rows:
            return 1.0
        ids = [r.event_id for r in rows]
        try:
            response = http.post(
                "/api/v1/events",
                json={"gateway": self.site, "events": [r.payload for r in rows]},
                headers={"Authorization": f"Bearer {self.link.token()}"},
            )
            if response.status_code != 200:
                raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")
            results = self._results(response.json(), ids)
        except (httpx.HTTPError, RuntimeError, ValueError, OSError) as exc:
            self._failures += 1
            delay = backoff(self._failures, self.link.max_backoff, self._rng)
            self.store.defer(ids, delay, str(exc))
            log.warning(
                "could not deliver %d events (%s); next try in %.1f s", len(ids), exc, delay
            )
            return delay
        self._failures = 0
        self.store.settle(results)
        self.last_success = time.time()
        rejected = {k: v for k, v in results.items() if v[0] == "rejected"}
        for event_id, (_, reason) in rejected.items():
            log.error("server rejected event %s: %s", event_id, reason)
        log.info("delivered %d events (%d rejected)", len(results), len(rejected))
        return 0.0

    @staticmethod
    def _results(body: Any, ids: list[str]) -> dict[str, tuple[str, str | None]]:
        results: dict[str, tuple[str, str | None]] = {}
        for item in body.get("results", []):
            if item.get("event_id") in ids:
                result = str(item["result"])
                if result == "duplicate" and item.get("original") == "rejected":
                    result = "rejected"  # sent before, and refused then
                results[item["event_id"]] = (result, item.get("reason"))
        if not results:
            raise ValueError("the server's answer named none of the events sent")
        return results
