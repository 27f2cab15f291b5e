"""Split a serial byte stream into reads (pure, no IO).

Scanners end each read with a configurable suffix (CR, CR LF, ...) and may start it with a
prefix. Everything in between is kept byte for byte: the GS separator (0x1D) of GS1 codes
must survive, it is what separates variable-length fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_FRAME = 4096


@dataclass(frozen=True, slots=True)
class Frame:
    data: bytes
    error: str | None = None  # "too_long" when the scanner never sent a suffix


@dataclass(slots=True)
class Framer:
    suffix: bytes = b"\r"
    prefix: bytes = b""
    max_frame: int = MAX_FRAME
    _buffer: bytearray = field(default_factory=bytearray)
    _discarding: bool = False  # after an overflow: drop bytes up to the next suffix

    def __post_init__(self) -> None:
        if not self.suffix:
            raise ValueError("a scanner frame needs a non-empty suffix")

    def feed(self, chunk: bytes) -> list[Frame]:
        """Add bytes as they came from the port; return every read they completed."""
        self._buffer.extend(chunk)
        frames: list[Frame] = []
        while True:
            end = self._buffer.find(self.suffix)
            if end < 0:
                break
            body = bytes(self._buffer[:end])
            del self._buffer[: end + len(self.suffix)]
            if self._discarding:  # the tail of an overlong read is not a read of its own
                self._discarding = False
                continue
            frame = self._strip(body)
            if frame is not None:
                frames.append(frame)
        if len(self._buffer) > self.max_frame:
            # Reported once per buffer-full, so a scanner that never sends the expected suffix
            # keeps producing errors; the rest of this read, up to its suffix, is dropped.
            frames.append(Frame(bytes(self._buffer[: self.max_frame]), "too_long"))
            self._discarding = True
            keep = len(self.suffix) - 1  # the suffix may be arriving split across chunks
            del self._buffer[: len(self._buffer) - keep]
        return frames

    def _strip(self, body: bytes) -> Frame | None:
        # Line-ending noise (a LF after a CR suffix) is not a read.
        body = body.lstrip(b"\n") if self.suffix == b"\r" else body
        if self.prefix and body.startswith(self.prefix):
            body = body[len(self.prefix) :]
        if not body:
            return None
        if len(body) > self.max_frame:
            return Frame(body[: self.max_frame], "too_long")
        return Frame(body)
