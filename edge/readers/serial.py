"""A barcode scanner on a serial port (RS-232, USB-CDC, Bluetooth SPP), through pyserial.

Reads are framed by the scanner's suffix and emitted with their bytes untouched. When the
scanner is unplugged or walks out of range the port is reopened with backoff. The port is
ready once it is open: pyserial empties its input buffer while opening it, so bytes that
arrived before are gone, and every byte after is read.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import serial

from edge.decode.framing import Framer
from edge.readers import Backoff, Emit, RawRead, Report, not_ready, ready
from edge.readers.kinds import ReaderKind, Table

log = logging.getLogger(__name__)


class SerialPort:
    """A serial port that reopens itself; bytes are handed to `on_chunk` as they come."""

    def __init__(self, port: str, baudrate: int, name: str) -> None:
        self.port = port
        self.baudrate = baudrate
        self._serial: serial.Serial | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._name = name

    def run(
        self, on_open: Callable[[], None], on_chunk: Callable[[bytes], None], report: Report
    ) -> None:
        self._thread = threading.Thread(
            target=self._loop,
            args=(on_open, on_chunk, report),
            name=f"{self._name}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=3)
        self._close()

    def write(self, data: bytes) -> None:
        """Send command bytes (beeper, LED); ignored while the device is away."""
        if not data:
            return
        with self._lock:
            if self._serial is None:
                return
            try:
                self._serial.write(data)
            except (serial.SerialException, OSError) as exc:
                log.warning("could not send feedback to %s: %s", self.port, exc)

    def _close(self) -> None:
        with self._lock:
            if self._serial is not None:
                with contextlib.suppress(serial.SerialException, OSError):
                    self._serial.close()
                self._serial = None

    def _loop(
        self, on_open: Callable[[], None], on_chunk: Callable[[bytes], None], report: Report
    ) -> None:
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                port = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.2)
                with self._lock:
                    self._serial = port
                on_open()
                report(ready(f"reading {self.port}"))
                backoff.opened()
                while not self._stop.is_set():
                    chunk = port.read(port.in_waiting or 1)
                    if chunk:
                        on_chunk(chunk)
            except (serial.SerialException, OSError) as exc:
                if not self._stop.is_set():
                    report(not_ready(f"{self._name} on {self.port} unavailable: {exc}"))
            self._close()
            backoff.wait(self._stop)


@dataclass(frozen=True, slots=True)
class SerialSettings:
    port: str
    baudrate: int = 9600
    suffix: bytes = b"\r"
    prefix: bytes = b""


def serial_settings(table: Table) -> SerialSettings:
    suffix = table.text_bytes("suffix", "\r")
    if not suffix:
        raise table.error("suffix", "must not be empty")
    return SerialSettings(
        port=str(table.required("port")),
        baudrate=int(table.get("baudrate", 9600)),
        suffix=suffix,
        prefix=table.text_bytes("prefix", ""),
    )


class SerialScanner:
    def __init__(self, settings: SerialSettings) -> None:
        self.settings = settings
        self._port = SerialPort(settings.port, settings.baudrate, "scanner")
        self._framer = Framer(suffix=settings.suffix, prefix=settings.prefix)

    def start(self, emit: Emit, report: Report) -> None:
        def on_open() -> None:
            self._framer = Framer(suffix=self.settings.suffix, prefix=self.settings.prefix)

        def on_chunk(chunk: bytes) -> None:
            for frame in self._framer.feed(chunk):
                emit(RawRead(frame.data, "serial", error=frame.error))

        self._port.run(on_open, on_chunk, report)

    def stop(self) -> None:
        self._port.stop()

    def feedback(self, data: bytes) -> None:
        self._port.write(data)


KIND = ReaderKind("serial", settings=serial_settings, reader=SerialScanner)
