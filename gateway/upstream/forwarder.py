"""The outbox, drained to the central server's POST /api/v1/events.

Events leave in batches, in the order they were made. A batch that cannot be delivered
(server down, network out, 5xx) is retried with exponential backoff and jitter; an event is
marked sent only after the server answered for it, and a rejected one is kept with its
reason, never dropped (as `malformed` where the server says it cannot read it).

A batch the server refuses as a whole as malformed (400, 413, 422: something in it the
server cannot read) is halved and sent again at once, until the event it cannot read is
alone; that one is set aside (`rejected`, result `malformed`, with the server's reason) and
the rest go on. One broken event never holds the events behind it.

A phone order made at the depot while it could not reach the centre (gateway/storage/
phone_orders.py), and a handover note made for one (gateway/storage/handover_notes.py), wait
in the outbox among the events, in the order things happened: a batch stops before one, and
it goes alone to its own route (`ROUTES`), so that the centre knows the order before the
picking and loading done for it, has every event made before it (a move of the stock it
planned) first, and the loads a note hands over before the note. The centre answers once per
number (a second sending is a duplicate); one it refuses is kept with its reason, shown on
the order's floor page, and what is behind it goes on.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import httpx

from gateway.config import ServerLink
from gateway.domain import handover_notes, phone_orders
from gateway.storage.store import GatewayStore, OutboxRow
from gateway.upstream.worker import Worker
from kernel.clock import Clock

log = logging.getLogger(__name__)

GATHER = 0.25  # seconds to let events gather after a batch that was not full
MALFORMED = (400, 413, 422)  # the server cannot read what was sent
ROUTES = {  # what goes alone, to its own route
    phone_orders.OUTBOX_TYPE: "/api/v1/gateway/phone-orders",
    handover_notes.OUTBOX_TYPE: "/api/v1/gateway/handovers",
}
RETRIED_REASONS = ("busy",)  # a refusal that may not hold next time (the stock moved under it)


class Malformed(Exception):
    """The server refused the batch as a whole as something it cannot read."""


class Forwarder(Worker):
    name = "forwarder"

    def __init__(
        self,
        site: str,
        link: ServerLink,
        store: GatewayStore,
        exchange: threading.Lock | None = None,
        *,
        clock: Clock,
    ) -> None:
        super().__init__(link, exchange, clock=clock)
        self.site = site
        self.store = store
        self.limit = link.batch_size  # smaller while a malformed event is being found

    def once(self, http: httpx.Client) -> float:
        """Send one batch if any is due; return how long to wait before the next try."""
        with self.exchange:
            return self._deliver(http)

    def _deliver(self, http: httpx.Client) -> float:
        rows = self.store.due(self.limit)
        if not rows:
            return 1.0
        if rows[0].type in ROUTES:
            return self._deliver_alone(http, rows[0])
        rows = rows[: next((n for n, r in enumerate(rows) if r.type in ROUTES), len(rows))]
        ids = [r.event_id for r in rows]
        try:
            # The events as stored, not decoded and encoded again.
            events = ",".join(r.text for r in rows)
            body = f'{{"gateway":{json.dumps(self.site)},"events":[{events}]}}'
            response = http.post(
                "/api/v1/events",
                content=body.encode(),
                headers={**self.headers(), "Content-Type": "application/json"},
            )
            if response.status_code in MALFORMED:
                raise Malformed(f"{response.status_code}: {_reason(response)}")
            if response.status_code != 200:
                raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")
            results = self._results(response.json(), ids)
        except Malformed as exc:
            return self._malformed(ids, str(exc))
        except (httpx.HTTPError, RuntimeError, ValueError, OSError) as exc:
            delay = self.failed(f"deliver {len(ids)} events", exc)
            self.store.defer(ids, delay, str(exc))
            return delay
        self.store.settle(results)
        self.succeeded()
        self.limit = min(self.link.batch_size, self.limit * 2)
        rejected = {k: v for k, v in results.items() if v[0] == "rejected"}
        for event_id, (_, reason) in rejected.items():
            log.error("server rejected event %s: %s", event_id, reason)
        log.info("delivered %d events (%d rejected)", len(results), len(rejected))
        # A full batch: more are waiting, go on at once. Otherwise let the next gather (fewer,
        # fuller posts; the reads' transactions seldom wait for the outbox's).
        return 0.0 if len(rows) == self.link.batch_size else GATHER

    def _deliver_alone(self, http: httpx.Client, row: OutboxRow) -> float:
        """A phone order or handover note made here, alone, before what is behind it."""
        try:
            response = http.post(
                ROUTES[row.type],
                content=row.text.encode(),
                headers={**self.headers(), "Content-Type": "application/json"},
            )
            if _refused(response):
                reason = f"{response.status_code}: {_reason(response)}"
                log.error("server refused %s %s: %s", row.type, row.event_id, reason)
                self.store.settle({row.event_id: ("rejected", reason)})
                self.succeeded()
                return 0.0
            if response.status_code not in (200, 201):
                raise RuntimeError(f"server answered {response.status_code}: {response.text[:200]}")
            result = str(response.json().get("result", "accepted"))
        except (httpx.HTTPError, RuntimeError, ValueError, OSError) as exc:
            delay = self.failed(f"deliver {row.type} {row.event_id}", exc)
            self.store.defer([row.event_id], delay, str(exc))
            return delay
        self.store.settle({row.event_id: (result, None)})
        self.succeeded()
        log.info("delivered %s %s (%s)", row.type, row.event_id, result)
        return 0.0

    def _malformed(self, ids: list[str], reason: str) -> float:
        """Halve the batch and go on at once; an event refused alone is set aside."""
        if len(ids) > 1:
            self.limit = max(1, len(ids) // 2)
            log.warning("server refused %d events as malformed; sending %d", len(ids), self.limit)
            return 0.0
        log.error("server cannot read event %s (%s): set aside", ids[0], reason)
        self.store.settle({ids[0]: ("malformed", f"malformed: {reason}")})
        self.succeeded()
        return 0.0

    @staticmethod
    def _results(body: Any, ids: list[str]) -> dict[str, tuple[str, str | None]]:
        sent = set(ids)
        results: dict[str, tuple[str, str | None]] = {}
        for item in body.get("results", []):
            if item.get("event_id") in sent:
                result = str(item["result"])
                if result == "duplicate" and item.get("original") == "rejected":
                    result = "rejected"  # sent before, and refused then
                if result == "rejected" and item.get("malformed") is True:
                    result = "malformed"  # the server cannot read it: set aside as such
                results[item["event_id"]] = (result, item.get("reason"))
        if not results:
            raise ValueError("the server's answer named none of the events sent")
        return results


def _refused(response: httpx.Response) -> bool:
    """The server will not take it, however often it is sent: it cannot read it, or it
    refused it by a rule (its answer names the reason: not a route it lacks, not `busy`)."""
    if response.status_code in MALFORMED:
        return True
    if response.status_code not in (404, 409):
        return False
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return False
    return isinstance(detail, dict) and detail.get("reason") not in (None, *RETRIED_REASONS)


def _reason(response: httpx.Response) -> str:
    """The server's reason, from its JSON `detail` where it gives one."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    text = detail if isinstance(detail, str) else json.dumps(detail) if detail else response.text
    return text[:300]
