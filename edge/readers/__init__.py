"""Readers: the things at a station that produce reads.

Each reader runs its own thread, hands every read to `emit` as a RawRead, survives its device
going away (it reopens with backoff), and may accept feedback bytes for a beeper or LED. It
tells `report` whenever it becomes able to take reads (its port open, its camera delivering
frames, its LLRP reader running inventory, its keyboard device open and grabbed) and whenever
it stops being able to, with a ReaderState; reopening after a loss makes a new ready report.
`make_reader` builds the reader a device's configuration names, importing the heavy
libraries (OpenCV, zxing-cpp, sllurp) only for the kinds that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from edge.config import (
    CameraSettings,
    DeviceConfig,
    KeyboardSettings,
    LlrpSettings,
    RfidSerialSettings,
    SerialSettings,
)
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


class MissingExtra(RuntimeError):
    """A reader whose libraries are not installed; says which extra brings them."""


def make_reader(device: DeviceConfig) -> Reader:
    settings = device.reader
    if isinstance(settings, SerialSettings):
        from edge.readers.serial import SerialScanner

        return SerialScanner(settings)
    if isinstance(settings, CameraSettings):
        try:
            from edge.readers.camera import CameraReader
        except ImportError as exc:
            raise MissingExtra(
                f"{device.id}: cameras need pip install 'depot-floor[camera]' "
                f"({exc.name} is missing)"
            ) from exc
        return CameraReader(settings)
    if isinstance(settings, RfidSerialSettings):
        from edge.readers.rfid_serial import RfidSerialReader

        return RfidSerialReader(settings)
    if isinstance(settings, LlrpSettings):
        try:
            from edge.readers.llrp import LlrpReader
        except ImportError as exc:
            raise MissingExtra(
                f"{device.id}: LLRP readers need pip install "
                f"'depot-floor[llrp]' ({exc.name} is missing)"
            ) from exc
        return LlrpReader(settings)
    if isinstance(settings, KeyboardSettings):
        from edge.readers.keyboard import KeyboardReader

        return KeyboardReader(settings)
    raise TypeError(f"no reader for {type(settings).__name__}")
