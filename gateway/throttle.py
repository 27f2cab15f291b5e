"""Failed attempts per name (a user, an address) within a period: past the limit, wait."""

from __future__ import annotations

import threading
import time


class Throttle:
    """Five failed logins for a name within 15 minutes: wait."""

    def __init__(self, limit: int = 5, period: float = 900.0) -> None:
        self.limit, self.period = limit, period
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        now = time.time()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < self.period]
            self._failures[name] = recent
            return len(recent) >= self.limit

    def failed(self, name: str) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(time.time())
