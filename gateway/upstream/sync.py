"""Keeping the local book current: `GET /api/v1/sync`, incremental from the last cursor.

The first call (or one after the server refused the cursor) brings the whole copy; later
ones what changed. Each call names the highest SSCC serial the gateway has used under the
depot's GS1 prefix and extension ([labels]), and the answer gives back the highest the server
has heard for the depot under each: a gateway rebuilt from nothing numbers its labels after
the ones already printed. Labels and bin cards asked for on the dashboard come with the answer
(`print_requests`) and are handed to `take_prints` once it is applied
(gateway/services/dashboard_prints.py). The answer is applied in one transaction with the
reads, so a read is decided against either the old copy or the new, never half of each. When
the server is out of reach the floor goes on with the copy it has; failures back off like the
forwarder's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import httpx

from gateway.config import ServerLink
from gateway.storage import print_queue, server_copy
from gateway.storage.store import GatewayStore
from gateway.upstream.worker import Worker
from kernel.clock import Clock

log = logging.getLogger(__name__)


class Syncer(Worker):
    name = "sync"

    def __init__(
        self,
        link: ServerLink,
        store: GatewayStore,
        interval: float,
        exchange: threading.Lock | None = None,
        *,
        clock: Clock,
        numbering: tuple[str, int] | None = None,
        take_prints: Callable[[object], int] | None = None,
    ) -> None:
        super().__init__(link, exchange, clock=clock)
        self.store = store
        self.interval = interval
        self.numbering = numbering  # the depot's GS1 prefix and extension: what it reports
        self.take_prints = take_prints  # the dashboard's print requests, once applied

    def once(self, http: httpx.Client) -> float:
        """One sync; returns how long to wait before the next."""
        with self.exchange:
            return self._sync(http)

    def _sync(self, http: httpx.Client) -> float:
        with self.store.transaction() as db:
            cursor, master = server_copy.cursor(db), server_copy.master_tag(db)
            used = [
                u for u in print_queue.used_serials(db) if (u.prefix, u.extension) == self.numbering
            ]
        started = self.store.clock()
        params: list[tuple[str, str | int | float | bool | None]] = [
            (k, v) for k, v in (("cursor", cursor), ("master", master)) if v
        ]
        params += [("sscc", u.to_param()) for u in used]  # the server keeps the highest
        try:
            response = http.get(
                "/api/v1/sync",
                params=params,
                headers=self.headers(),
            )
            if response.status_code == 422 and cursor and "cursor" in response.text:
                log.warning("the server refused the sync cursor; taking the whole copy again")
                with self.store.transaction() as db:
                    server_copy.forget_cursor(db)
                return 0.0
            if response.status_code != 200:
                raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")
            answer = response.json()
            with self.store.transaction() as db:
                server_copy.apply_sync(db, answer, started)
        except (httpx.HTTPError, RuntimeError, ValueError, KeyError, TypeError, OSError) as exc:
            return self.failed("sync with the server", exc)
        self.succeeded()
        if self.take_prints is not None and answer.get("print_requests"):
            self.take_prints(answer["print_requests"])  # each taken once, none stops the rest
        log.info(
            "synced (%s): %d stock lines, %d pick lines, %d stocktakes",
            "full" if answer.get("full") else "changes",
            len(answer["stock"]),
            len(answer["pick_lists"]),
            len(answer["stocktakes"]),
        )
        return self.interval
