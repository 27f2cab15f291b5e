"""RFID reads, before they are published (pure, no IO).

A portal reads the same tag many times a second. The station folds the reads of one tag at
one antenna within a short window into one message carrying the count, the first and last
time, the best RSSI and when it was read, and the shape of its smoothed RSSI: its first
level, its peak, its lowest after the peak and its last (kernel.sighting; a portal's
direction is the order in which a tag's RSSI rises and falls on its antennas, so a window of
a quarter second keeps it in one message per antenna and pass; a window of 0 publishes every
read). The gateway does the door-level smoothing. Text-line readers are parsed with a
configurable pattern.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from kernel import sighting

# EPC[,antenna[,rssi]], e.g. "E2801160600002054CC2096F,2,-54.5"
DEFAULT_RFID_LINE = (
    r"^(?P<epc>[0-9A-Fa-f]{8,64})(?:,(?P<antenna>\d+))?(?:,(?P<rssi>-?\d+(?:\.\d+)?))?$"
)


@dataclass(frozen=True, slots=True)
class TagRead:
    epc_hex: str
    antenna: int | None
    rssi: float | None
    at: float  # seconds (monotonic or epoch, as long as one reader uses one clock)
    count: int = 1  # reads this stands for (an LLRP report's TagSeenCount)


@dataclass(frozen=True, slots=True)
class TagSeen:
    """What one message says about a tag: reads within one window at one antenna."""

    epc_hex: str
    antenna: int | None
    rssi: float | None  # the best (highest) RSSI of the window
    reads: int
    first: float
    last: float
    peak: float | None = None  # when the best RSSI was read (None: the reader gives no RSSI)
    levels: tuple[tuple[float, float], ...] = ()  # (at, smoothed dBm): first, peak, low, last


class LineError(ValueError):
    """A line from the reader that the pattern does not describe."""


def parse_line(line: str, pattern: re.Pattern[str]) -> TagRead:
    """One text line (e.g. 'E2801160600002054CC2096F,2,-54.5') as a tag read; `at` is 0."""
    match = pattern.match(line.strip())
    if match is None:
        raise LineError(f"line does not match the reader's pattern: {line.strip()[:80]!r}")
    groups = match.groupdict()
    epc = groups.get("epc")
    if not epc:
        raise LineError("the reader's pattern has no 'epc' group")
    antenna = groups.get("antenna")
    rssi = groups.get("rssi")
    return TagRead(
        epc.upper(), int(antenna) if antenna else None, float(rssi) if rssi else None, 0.0
    )


def profile(reads: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The shape of one antenna's smoothed RSSI over a window's reads ((at, dBm) in time
    order): its first level, its peak, the lowest after the peak and the last, in time order
    (a rise and a fall, or a fade that came back, survive the folding). Each read's level is
    kernel.sighting's rule over the reads before it; a window with fewer than two reads has
    none."""
    first: tuple[float, float] | None = None
    peak = low = last = first
    for n, (at, _) in enumerate(reads):
        recent = [
            r for r in reads[max(0, n - sighting.DEPTH + 1) : n + 1] if r[0] > at - sighting.SPAN
        ]
        level = sighting.smoothed([r[1] for r in recent])
        if level is None:
            continue
        point = (at, level)
        if first is None or peak is None:
            first = peak = point
        elif level > peak[1]:
            peak, low = point, None
        elif level < peak[1] and (low is None or level < low[1]):
            low = point
        last = point
    kept = {p for p in (first, peak, low, last) if p is not None}
    return tuple(sorted(kept))


@dataclass(slots=True)
class _Open:
    first: float
    last: float
    reads: int
    rssi: float | None
    peak: float | None
    rssis: list[tuple[float, float]] = field(default_factory=list)  # (at, dBm), in time order


@dataclass(slots=True)
class TagWindow:
    """Folds tag reads into TagSeen messages: a (tag, antenna) pair is reported when it has
    not been read for `window` seconds, or when it has been open for `max_open` seconds (so a
    tag that sits in the portal is still reported regularly)."""

    window: float = 0.5
    max_open: float = 5.0
    _open: dict[tuple[str, int | None], _Open] = field(default_factory=dict)

    def add(self, read: TagRead) -> list[TagSeen]:
        key = (read.epc_hex, read.antenna)
        current = self._open.get(key)
        closed = []
        if current is not None and read.at - current.last >= self.window:
            closed.append(self._close(key))  # a new pass of the tag, not the same one
            current = None
        if current is None:
            peak = read.at if read.rssi is not None else None
            current = self._open[key] = _Open(read.at, read.at, read.count, read.rssi, peak)
        else:
            current.first, current.last = min(current.first, read.at), max(current.last, read.at)
            current.reads += read.count
            if read.rssi is not None and (current.rssi is None or read.rssi > current.rssi):
                current.rssi, current.peak = read.rssi, read.at
        if read.rssi is not None:
            bisect.insort(current.rssis, (read.at, read.rssi))  # a late report in its place
        return closed + self.due(read.at)

    def due(self, now: float) -> list[TagSeen]:
        """Close every window that has ended by `now`."""
        done = [
            key
            for key, o in self._open.items()
            if now - o.last >= self.window or now - o.first >= self.max_open
        ]
        return [self._close(key) for key in done]

    def flush(self) -> list[TagSeen]:
        return [self._close(key) for key in list(self._open)]

    def _close(self, key: tuple[str, int | None]) -> TagSeen:
        o = self._open.pop(key)
        return TagSeen(key[0], key[1], o.rssi, o.reads, o.first, o.last, o.peak, profile(o.rssis))
