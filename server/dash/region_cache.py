"""Live regions worked out once per change, however many people watch.

When the floor changes, every page open on /live fetches its regions again at about the same
moment: twenty supervisors watching one depot ask for the same overview twenty times. The
overview's figures are kept by the ledger writer (stock_summary, stock_bands), so each answer
is already cheap; this cache makes the other nineteen cheaper still. A region's values are
kept under a key that holds what they were worked out from (the depot, the language, the
day) and the ledger's markers (server.storage.dashboard.markers: the newest event, the last
posting of each ledger, the last audit entry, the gateways' last reports) read *before* the
values: a kept value is never older than its key, and a change on the floor moves the
markers, so the next request works the region out again. Nothing is shared between server
instances, so a second instance is as right as the first. Entries also expire after
`max_age` seconds, for what moves without a marker (a name changed in the master data).

Requests for the same key that arrive together wait for the first one's answer instead of
each working it out (the burst after a change). The overview, the goods waiting for
acceptance and the approvals inbox are kept this way (`region`); what differs by person (which
rounds are one's own to approve) is worked out after, from the kept values."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from fastapi import Request
from sqlalchemy import Engine

from server.dash.common import lang_of
from server.domain import depot_time
from server.storage.dashboard import markers
from server.web.deps import engine_of, now_of

SIZE = 128  # keys kept: depots × languages × regions, with room
MAX_AGE = 30.0  # seconds


class RegionCache:
    """Values by key, the oldest dropped beyond `size`, each expiring after `max_age` s."""

    def __init__(
        self,
        size: int = SIZE,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._size, self._max_age, self._monotonic = size, max_age, monotonic
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.made = 0  # how many times a value was worked out (for the tests and the bench)

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._kept.get(key)
            if entry is None or self._monotonic() - entry[0] > self._max_age:
                return False, None
            self._kept.move_to_end(key)
            return True, entry[1]

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept under `key`, or `make()`'s, kept; one maker per key at a time."""
        found, value = self._fresh(key)
        if found:
            return value
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            found, value = self._fresh(key)
            if found:
                return value
            value = make()
            with self._lock:
                self.made += 1
                self._kept[key] = (self._monotonic(), value)
                self._kept.move_to_end(key)
                while len(self._kept) > self._size:
                    self._kept.popitem(last=False)
                self._making.pop(key, None)
        return value


def regions_of(request: Request) -> RegionCache:
    """The app's cache of live regions (made in server/web/app.py create_app)."""
    regions: RegionCache = request.app.state.regions
    return regions


def region(
    request: Request,
    name: Hashable,
    depot: str | None,
    make: Callable[[], Any],
    marked_by: Callable[[Engine, str | None], Hashable] = markers,
) -> Any:
    """`make()`'s values for the live region `name` of `depot` (None: the network), worked
    out once per change: kept under the region, the depot, the page's language, the depot's
    day and what `marked_by` reads first (by default the ledger's markers, which move with
    anything on the floor). `name` holds whatever else the values depend on (a notice,
    whether the person may decide)."""
    engine = engine_of(request)
    today = depot_time.today(now_of(request))
    key = (name, depot, lang_of(request), today, marked_by(engine, depot))
    return regions_of(request).get(key, make)
