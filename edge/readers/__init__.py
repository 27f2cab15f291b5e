"""Readers: the things at a station that produce reads.

Each reader runs its own thread, hands every read to `emit` as a RawRead, survives its device
going away (it reopens with backoff), and may accept feedback bytes for a beeper or LED.
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
from edge.contract import RfidInfo


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


class Reader(Protocol):
    def start(self, emit: Emit) -> None: ...

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
