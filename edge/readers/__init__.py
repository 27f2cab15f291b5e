"""Readers: the things at a station that produce reads.

Each reader runs its own thread, hands every read to `emit` as a RawRead, survives its device
going away (it reopens with backoff), and may accept feedback bytes for a beeper or LED. It
tells `report` whenever it becomes able to take reads (its port open, its camera delivering
frames, its LLRP reader running inventory, its keyboard device open and grabbed) and whenever
it stops being able to, with a ReaderState; reopening after a loss makes a new ready report.

Each kind of reader is one module here that declares its KIND (edge/readers/kinds.py): its
settings, how they are read from the station's TOML, the reader, and the extra it needs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kernel.contract import RfidInfo


@dataclass(frozen=True, slots=True)
class RawRead:
    """One read as the reader got it, before decoding."""

    raw: bytes
    source: str  # serial | camera | rfid | keyboard
    error: str | None = None  # the reader already knows it is bad (e.g. too_long)
    symbology: str | None = None  # an AIM identifier the reader knows but did not put in raw
    epc_hex: str | None = None  # RFID: the tag's EPC bank, to be decoded as an EPC
    rfid: RfidInfo | None = None


Emit = Callable[[RawRead], None]


@dataclass(frozen=True, slots=True)
class ReaderState:
    """Whether a reader can take reads now, and what it is reading or why it cannot."""

    ready: bool
    detail: str  # "reading /dev/ttyACM0", "scanner on /dev/ttyACM0 unavailable: ..."


def ready(detail: str) -> ReaderState:
    return ReaderState(True, detail)


def not_ready(detail: str) -> ReaderState:
    return ReaderState(False, detail)


Report = Callable[[ReaderState], None]


class Reader(Protocol):
    def start(self, emit: Emit, report: Report) -> None: ...

    def stop(self) -> None: ...

    def feedback(self, data: bytes) -> None: ...


class Backoff:
    """How long a reader waits before it opens its device again: `first` seconds, doubled
    after each failure up to `most`, and `first` again once the device is open."""

    def __init__(self, first: float = 0.5, most: float = 10.0) -> None:
        self.first = first
        self.most = most
        self.delay = first

    def opened(self) -> None:
        self.delay = self.first

    def wait(self, stop: threading.Event) -> None:
        """Wait (or until `stop`) before the next attempt."""
        stop.wait(self.delay)
        self.delay = min(self.delay * 2, self.most)
