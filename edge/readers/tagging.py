"""What both RFID readers share: folding tag reads into one message per tag, antenna and
window, and emitting them as reads with their RFID details."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from edge.clock import iso_at
from edge.decode.rfid import TagRead, TagSeen, TagWindow
from edge.readers import Emit, RawRead
from edge.readers.kinds import Table
from kernel.contract import RfidInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ms(at: float) -> int:
    """A moment in whole milliseconds since the epoch, exactly as iso_at writes it."""
    written = datetime.fromisoformat(iso_at(at))
    return (written - EPOCH) // timedelta(milliseconds=1)


def levels(seen: TagSeen) -> tuple[tuple[int, float], ...] | None:
    """The smoothed RSSI profile as the message carries it: ms after the first read, dBm."""
    if not seen.levels:
        return None
    most = _ms(seen.last) - _ms(seen.first)  # within first_seen..last_seen, as written
    return tuple(
        (min(max(0, round((at - seen.first) * 1000)), most), round(dbm, 1))
        for at, dbm in seen.levels
    )


def seen_read(seen: TagSeen) -> RawRead:
    info = RfidInfo(
        antenna=seen.antenna,
        rssi=seen.rssi,
        reads=seen.reads,
        first_seen=iso_at(seen.first),
        last_seen=iso_at(seen.last),
        peak_seen=None if seen.peak is None else iso_at(seen.peak),
        levels=levels(seen),
    )
    return RawRead(seen.epc_hex.encode("ascii"), "rfid", epc_hex=seen.epc_hex, rfid=info)


@dataclass(frozen=True, slots=True)
class Folding:
    """How an RFID reader's reads become messages: a tag's reads at one antenna no more than
    `window` seconds apart are one message, and a tag still read is reported at least every
    `report_every` seconds (a portal's gateway ends a presence heard nothing of for its own
    window: a portal's station reports within it)."""

    window: float = 0.5
    report_every: float = 5.0


def folding(table: Table) -> Folding:
    window, every = table.get("window", 0.5), table.get("report_every", 5.0)
    if isinstance(window, bool) or not isinstance(window, int | float) or not 0 <= window <= 5:
        raise table.error("window", "must be 0 to 5 seconds")
    if isinstance(every, bool) or not isinstance(every, int | float) or not 0.5 <= every <= 60:
        raise table.error("report_every", "must be 0.5 to 60 seconds")
    if every < window:
        raise table.error("report_every", "must be at least the window")
    return Folding(float(window), float(every))


class TagAggregator:
    """Thread-safe TagWindow with a ticker that closes windows as time passes."""

    def __init__(self, folding: Folding, emit: Emit, name: str) -> None:
        window = folding.window
        self._window = TagWindow(window=window, max_open=folding.report_every)
        self._emit = emit
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name=name, daemon=True)
        self._period = max(0.01, window / 4)

    def start(self) -> None:
        self._thread.start()

    def add(self, read: TagRead) -> None:
        with self._lock:
            closed = self._window.add(read)
        self._send(closed)

    def stop(self) -> None:
        """Stop ticking and emit every window still open: no read is left behind."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=3)
        with self._lock:
            closed = self._window.flush()
        self._send(closed)

    def _tick(self) -> None:
        while not self._stop.wait(self._period):
            with self._lock:
                closed = self._window.due(time.time())
            self._send(closed)

    def _send(self, closed: list[TagSeen]) -> None:
        for seen in closed:
            self._emit(seen_read(seen))
