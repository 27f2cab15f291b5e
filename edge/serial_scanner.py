"""A barcode scanner on a serial port (RS-232, USB-CDC, Bluetooth SPP), through pyserial.

Reads are framed by the scanner's suffix and handed to a callback. When the scanner is
unplugged or walks out of range the port is reopened with backoff, without losing the
station's other work.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

import serial

from edge.config import SerialScannerConfig
from edge.framing import Frame, Framer

log = logging.getLogger(__name__)


class SerialScanner:
    def __init__(self, config: SerialScannerConfig, on_frame: Callable[[Frame], None]) -> None:
        self.config = config
        self._on_frame = on_frame
        self._port: serial.Serial | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"serial:{config.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
        self._close()

    def write(self, data: bytes) -> None:
        """Send command bytes to the scanner (beeper, LED); ignored while it is away."""
        if not data:
            return
        with self._lock:
            if self._port is None:
                return
            try:
                self._port.write(data)
            except (serial.SerialException, OSError) as exc:
                log.warning("could not send feedback to %s: %s", self.config.port, exc)

    def _open(self) -> serial.Serial:
        port = serial.serial_for_url(self.config.port, baudrate=self.config.baudrate, timeout=0.2)
        with self._lock:
            self._port = port
        return port

    def _close(self) -> None:
        with self._lock:
            if self._port is not None:
                with contextlib.suppress(serial.SerialException, OSError):
                    self._port.close()
                self._port = None

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                port = self._open()
                log.info("scanner connected on %s", self.config.port)
                delay = 0.5
                self._read(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("scanner on %s unavailable: %s", self.config.port, exc)
            self._close()
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)

    def _read(self, port: serial.Serial) -> None:
        framer = Framer(suffix=self.config.suffix, prefix=self.config.prefix)
        while not self._stop.is_set():
            chunk = port.read(port.in_waiting or 1)
            if not chunk:
                continue
            for frame in framer.feed(chunk):
                self._on_frame(frame)
