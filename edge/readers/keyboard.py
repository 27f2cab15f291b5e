"""Keyboard-wedge scanners: scanners that can only type.

Two ways in. An evdev device (/dev/input/event*, or a symlink under /dev/input/by-id/) is read
directly and grabbed, so the scanner's keystrokes do not also land in whatever has the focus;
its key events are turned back into text with a US layout. Or a terminal (/dev/tty1, a serial
console) is read line by line. Either way each Enter ends a read.

The GS separator of GS1 labels does not survive most scanners' keyboard mode: prefer serial
(USB-CDC) mode. See docs/edge.md.

The reader is ready once the device is open and, for an evdev device, grabbed (a station
that may not grab says so in its ready report: the keystrokes then reach the focused window
too). Opening a FIFO standing in for a device waits for its writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import threading
from dataclasses import dataclass

from edge.decode.keymap import EVENT, KeyDecoder
from edge.readers import Backoff, Emit, RawRead, Report, not_ready, ready
from edge.readers.kinds import ReaderKind, Table

EVIOCGRAB = 0x40044590
MAX_LINE = 4096


@dataclass(frozen=True, slots=True)
class KeyboardSettings:
    input: str  # an evdev device (/dev/input/...) or a terminal (/dev/tty1)
    layout: str = "us"


def keyboard_settings(table: Table) -> KeyboardSettings:
    return KeyboardSettings(
        input=str(table.required("input")), layout=str(table.get("layout", "us"))
    )


def is_evdev(path: str) -> bool:
    real = os.path.realpath(path)
    return real.startswith("/dev/input/") or (
        os.path.exists(real) and stat.S_ISFIFO(os.stat(real).st_mode)
    )


def grab(fd: int) -> str:
    """Take the device for this reader alone; what came of it, for the ready report."""
    try:
        fcntl.ioctl(fd, EVIOCGRAB, 1)
    except OSError as exc:  # a FIFO, or a station without the right to grab
        return f"not grabbed: {exc.strerror}"
    return "grabbed"


class KeyboardReader:
    def __init__(self, settings: KeyboardSettings) -> None:
        if settings.layout != "us":
            raise ValueError(f"keyboard layout {settings.layout!r} is not supported; use 'us'")
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None

    def start(self, emit: Emit, report: Report) -> None:
        self._thread = threading.Thread(
            target=self._loop,
            args=(emit, report),
            daemon=True,
            name=f"keyboard:{self.settings.input}",
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._thread:
            self._thread.join(timeout=3)

    def feedback(self, data: bytes) -> None:
        """A keyboard-wedge scanner takes no commands; answers show on the console only."""

    def _loop(self, emit: Emit, report: Report) -> None:
        source = self.settings.input
        backoff = Backoff()
        while not self._stop.is_set():
            try:
                self._fd = os.open(source, os.O_RDONLY)
                backoff.opened()
                if is_evdev(source):
                    report(ready(f"reading key events from {source} ({grab(self._fd)})"))
                    self._read_events(self._fd, emit)
                else:
                    report(ready(f"reading lines from {source}"))
                    self._read_lines(self._fd, emit)
            except OSError as exc:
                if not self._stop.is_set():
                    report(not_ready(f"keyboard scanner {source} unavailable: {exc}"))
            fd, self._fd = self._fd, None
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            backoff.wait(self._stop)

    def _read_events(self, fd: int, emit: Emit) -> None:
        decoder = KeyDecoder()
        pending = b""
        while not self._stop.is_set():
            data = os.read(fd, EVENT.size * 64)
            if not data:
                raise OSError("the keyboard device closed")
            pending += data
            whole = len(pending) - len(pending) % EVENT.size
            for line in decoder.events(pending[:whole]):
                if line:
                    emit(RawRead(line, "keyboard"))
            pending = pending[whole:]

    def _read_lines(self, fd: int, emit: Emit) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            data = os.read(fd, 1024)
            if not data:
                raise OSError("the terminal closed")
            buffer.extend(data)
            while (
                end := min(
                    (i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1
                )
            ) >= 0:
                line = bytes(buffer[:end])
                del buffer[: end + 1]
                if line:
                    emit(RawRead(line, "keyboard"))
            if len(buffer) > MAX_LINE:
                emit(RawRead(bytes(buffer[:MAX_LINE]), "keyboard", error="too_long"))
                buffer.clear()


KIND = ReaderKind("keyboard", settings=keyboard_settings, reader=KeyboardReader)
