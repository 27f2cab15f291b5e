"""Tags encoded through a station's LLRP reader: the requests sent to the readers and their
outcomes taken (gateway/storage/encode_requests.py keeps them, kernel/encoding.py is the
contract).

The sender, a thread of the gateway process, publishes each request due (new, or sent
without an outcome for `resend_after` seconds: the same id and the same expiry again) on its
reader's command topic while the gateway is on the broker, and marks it sent; one whose
expiry passed with no outcome is failed (`expired`) for the operator to ask again. An outcome
from a reader's encoded topic settles its request in one transaction with the tag's
registration.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from gateway.storage import encode_requests, received_labels
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel.contract import cmd_topic
from kernel.encoding import EncodeOutcome, EncodeRequest

log = logging.getLogger(__name__)
EXPIRES_S = 120.0  # a request's life at the station (kernel.encoding.MAX_TTL at most)

Publish = Callable[[str, bytes], bool]  # topic, payload: whether it went out


def expires_at(now: float) -> float:
    """When a request first sent now may no longer be started: a blank tag on the encoder
    later may be another unit's (the reader answers `expired`; a resend keeps this expiry,
    and once it passes with no outcome the request is failed, for the operator to ask again)."""
    return now + EXPIRES_S


def expiry_text(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


def take_outcomes(store: GatewayStore, outcomes: Sequence[tuple[str, EncodeOutcome]]) -> int:
    """Readers' outcomes, each with the device of the topic it came on; how many tags they
    registered (a failure is kept with its reason; an outcome naming no open request, an
    old attempt's, a repeat or another device's, changes nothing)."""
    registered = 0
    with store.transaction() as db:
        now = store.clock()
        book = Book(db)
        for device, outcome in outcomes:
            done = encode_requests.answered(db, device, outcome, now)
            if done is not None:
                received_labels.register(db, book, *done, now)
                registered += 1
            elif not (outcome.written and outcome.verified):
                log.warning("encode %s on %s: %s", outcome.re, device, outcome.reason)
    return registered


class EncodeSender:
    """Sends the due encode requests to their readers, on a thread of its own."""

    def __init__(
        self,
        store: GatewayStore,
        site: str,
        publish: Publish,
        every: float = 0.5,
        resend_after: float = 30.0,
    ) -> None:
        self.store = store
        self.site = site
        self.publish = publish
        self.every = every
        self.resend_after = resend_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="encode-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.run_once()
            except Exception:  # one bad round must not end encoding: logged, tried again
                log.exception("encode sender round failed")

    def run_once(self) -> int:
        """Send what is due; how many went out."""
        with self.store.transaction() as db:
            due = encode_requests.due(db, self.store.clock(), self.resend_after)
        out = 0
        for pending in due:
            topic = cmd_topic(self.site, pending.device)
            ends = pending.expires_at or expires_at(self.store.clock())
            request = EncodeRequest(pending.request_id, pending.epc, expiry_text(ends))
            if not self.publish(topic, request.to_json()):
                break  # off the broker: the rest wait for the next round
            with self.store.transaction() as db:
                encode_requests.sent(db, pending.job_id, self.store.clock(), ends)
            out += 1
        return out
