"""A device's encode requests: taken from its command topic, run one at a time on its own
thread (an encode waits for the tag, seconds at most; reads and answers go on meanwhile), and
each outcome published on the device's encoded topic (kernel/encoding.py).

A request id seen before gets its outcome again, without writing the tag again, also after
a restart (the outcomes are kept in the device's spool, edge/station/spool.py); one still
running is not started twice. A reader that cannot encode answers so at once; a full queue
answers busy.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from edge.clock import now_iso
from edge.readers.llrp_encode import EncodeResult
from kernel.contract import ContractError
from kernel.encoding import (
    EncodeRequest,
    outcome,
    parse_encode_request,
    request_id,
    too_late,
)

log = logging.getLogger(__name__)
console = logging.getLogger("depot.console")
QUEUE = 4  # requests waiting behind the one running
STOP_WAIT = 45  # seconds: the longest encode (its waits, encode_timeout at most 30 s)


@runtime_checkable
class CanEncode(Protocol):
    """A reader that can write a tag's EPC (edge/readers/rfid_llrp.py)."""

    def encode(self, current_epc: str | None, new_epc: str, password: int = 0) -> EncodeResult: ...


class KeptOutcomes(Protocol):
    """Where outcomes outlive the station (edge/station/spool.py's Spool)."""

    def encoded(self, request_id: str) -> bytes | None: ...

    def keep_encoded(self, request_id: str, payload: bytes) -> None: ...


class EncodeDesk:
    def __init__(
        self, device: str, reader: object, publish: Callable[[bytes], None], kept: KeptOutcomes
    ) -> None:
        self.device = device
        self.reader = reader if isinstance(reader, CanEncode) else None
        self._publish = publish
        self._queue: queue.Queue[EncodeRequest | None] = queue.Queue(QUEUE)
        self._kept = kept
        self._stopping = threading.Event()
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name=f"encode:{device}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Requests still waiting are answered busy (sent again, they run after the restart);
        the one running is let finish, its outcome kept and published."""
        self._stopping.set()
        while True:
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                break
            if waiting is not None:
                self._refuse_busy(waiting)
        self._queue.put(None)  # room for it now: nothing is queued once stopping
        self._thread.join(timeout=STOP_WAIT)
        if self._thread.is_alive():
            log.warning("%s: an encode still runs after %d s at stop", self.device, STOP_WAIT)

    def _refuse_busy(self, request: EncodeRequest) -> None:
        with self._lock:
            self._running.discard(request.id)
        self._answer(request, EncodeResult(False, False, "busy"))

    def take(self, payload: bytes) -> None:
        """One encode request from the command topic; refused ones answered with why."""
        try:
            request = parse_encode_request(payload)
        except ContractError as exc:
            log.warning("%s refused an encode request: %s", self.device, exc)
            rid = request_id(payload)
            with self._lock:  # a request of that id running or done: its outcome, no other
                taken = rid is None or rid in self._running or self._kept.encoded(rid)
            if not taken:
                assert rid is not None
                self._answer(EncodeRequest(rid, "", ""), EncodeResult(False, False, "bad_request"))
            return
        with self._lock:
            if request.id in self._running:
                return  # the broker delivered it twice; its outcome comes once it is done
            again = self._kept.encoded(request.id)
            if again is None:
                self._running.add(request.id)
        late = too_late(request, datetime.now(UTC)) if again is None else None
        if again is not None:
            self._publish(again)
        elif late:
            self._finish(request, EncodeResult(False, False, late))
        elif self.reader is None:
            self._finish(request, EncodeResult(False, False, "cannot_encode"))
        elif self._stopping.is_set():
            self._refuse_busy(request)
        else:
            try:
                self._queue.put_nowait(request)
            except queue.Full:
                self._refuse_busy(request)

    def _work(self) -> None:
        while (request := self._queue.get()) is not None:
            assert self.reader is not None
            if self._stopping.is_set():
                self._refuse_busy(request)
                continue
            late = too_late(request, datetime.now(UTC))  # waited in the queue past it
            if late:
                self._finish(request, EncodeResult(False, False, late))
                continue
            # kept until its outcome replaces it: a station stopped meanwhile answers so
            unsure = EncodeResult(None, False, "write_unconfirmed: the station stopped")
            self._kept.keep_encoded(request.id, self._said(request, unsure, quiet=True))
            try:
                result = self.reader.encode(request.current, request.epc, request.password)
            except Exception:  # a reader's fault must not end the desk
                log.exception("%s: encode %s failed", self.device, request.id)
                result = EncodeResult(False, False, "reader_error")
            self._finish(request, result)

    def _finish(self, request: EncodeRequest, result: EncodeResult) -> None:
        payload = self._said(request, result)
        with self._lock:  # kept before it is said: a repeat never writes a second tag
            self._kept.keep_encoded(request.id, payload)
            self._running.discard(request.id)
        self._publish(payload)

    def _answer(self, request: EncodeRequest, result: EncodeResult) -> None:
        self._publish(self._said(request, result))

    def _said(self, request: EncodeRequest, result: EncodeResult, quiet: bool = False) -> bytes:
        said = outcome(
            request,
            self.device,
            now_iso(),
            result.written,
            result.verified,
            result.reason,
            result.previous,
            result.words_written,
            result.tag_epc,
        )
        if not quiet:
            level = logging.INFO if said.written and said.verified else logging.WARNING
            texts = (said.text_zh, said.text_en)
            console.log(level, "%s 写标签 encode %s: %s / %s", self.device, said.epc, *texts)
        return said.to_json()
