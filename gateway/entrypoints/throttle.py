"""Failed attempts, kept in memory: enrolments by address (a limit within a period), and
floor sign-ons, slowed by the rule the central server's login follows (kernel/guessing.py).
Each call is given the moment it happens at (seconds since the epoch, from the clock the
floor app was built with: kernel/clock.py)."""

from __future__ import annotations

import threading
from collections import deque

from kernel.guessing import POLICY, Attempt, Failures, Policy, source_key, wait


class Throttle:
    """`limit` failures for a name (an address) within `period` seconds: wait."""

    def __init__(self, limit: int = 5, period: float = 900.0) -> None:
        self.limit, self.period = limit, period
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str, now: float) -> bool:
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < self.period]
            self._failures[name] = recent
            return len(recent) >= self.limit

    def failed(self, name: str, now: float) -> None:
        with self._lock:
            self._failures.setdefault(name, []).append(now)


class SignOnGuard:
    """Failed floor sign-ons kept in memory and counted as kernel/guessing.py says (by name and
    address, by address, by name from addresses it never signed on from), and the addresses
    each name signed on from. The depot's network is small: the newest `capacity` failures
    are kept and scanned on each attempt."""

    def __init__(self, policy: Policy = POLICY, capacity: int = 20_000) -> None:
        self.policy = policy
        self._failures: deque[tuple[float, str, str]] = deque(maxlen=capacity)  # at, name, source
        self._known: dict[str, dict[str, float]] = {}  # name: {source: last sign-on}
        self._lock = threading.Lock()

    def wait(self, name: str, host: str | None, now: float) -> float:
        """Seconds before `name` may be tried from `host` at `now`; 0: at once."""
        with self._lock:
            return self._wait(name, source_key(host), now)

    def attempt(self, name: str, host: str | None, now: float) -> float:
        """As `wait`; when it is 0, the attempt is counted as a failure at once (until
        `succeeded` strikes it out), so that attempts made at the same moment see each other."""
        source = source_key(host)
        with self._lock:
            pause = self._wait(name, source, now)
            if pause == 0:
                self._failures.append((now, name, source))
        return pause

    def failed(self, name: str, host: str | None, now: float) -> None:
        with self._lock:
            self._failures.append((now, name, source_key(host)))

    def _wait(self, name: str, source: str, now: float) -> float:
        pair, by_source, elsewhere = _Count(), _Count(), _Count()
        while self._failures and now - self._failures[0][0] >= self.policy.window:
            self._failures.popleft()
        known = {
            s for s, at in self._known.get(name, {}).items() if now - at < self.policy.known_for
        }
        for at, failed_name, failed_source in self._failures:
            if failed_source == source:
                by_source.add(at)
            if failed_name == name:
                if failed_source == source:
                    pair.add(at)
                if failed_source not in known:
                    elsewhere.add(at)
        attempt = Attempt(
            pair.failures(), by_source.failures(), elsewhere.failures(), source in known
        )
        return wait(attempt, now, self.policy)

    def succeeded(self, name: str, host: str | None, now: float) -> None:
        """A sign-on: the address becomes known for the name, its failures there are struck."""
        source = source_key(host)
        with self._lock:
            self._known.setdefault(name, {})[source] = now
            kept = [f for f in self._failures if (f[1], f[2]) != (name, source)]
            self._failures.clear()
            self._failures.extend(kept)


class _Count:
    def __init__(self) -> None:
        self.count, self.last = 0, 0.0

    def add(self, at: float) -> None:
        self.count, self.last = self.count + 1, max(self.last, at)

    def failures(self) -> Failures:
        return Failures(self.count, self.last)
