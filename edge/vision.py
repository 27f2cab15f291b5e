"""Barcodes in camera frames (no capture here: frames in, codes out).

zxing-cpp reads first: it reads Data Matrix, which zbar cannot, and reports the AIM symbology
identifier (so GS1 content is known as such). pyzbar then reads what zxing-cpp missed: zbar
still reads some dense or low-resolution 1D labels that zxing-cpp does not. The fallback runs
on its own thread on the newest frame (both libraries release the GIL while decoding), so it
costs the primary decoder little of its frame rate; codes stay in view for several frames,
so the fallback still sees them.

The fallback is offered every `fallback_every`-th frame (2 by default), which keeps it from
competing with the primary decoder for the station's cores; a label in view for a few frames
is still seen by both. A code seen again within `dedupe_seconds` of its last sighting is the
same read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

log = logging.getLogger(__name__)

# zbar reports a type, not an AIM identifier; these are the unambiguous ones. A zbar CODE128
# read may or may not be GS1-128 (zbar drops the FNC1), so it gets none and the decoder
# recognises GS1 element strings by their content.
ZBAR_AIM = {
    "EAN13": "]E0",
    "EAN8": "]E4",
    "UPCA": "]E0",
    "UPCE": "]E0",
    "ISBN13": "]E0",
    "QRCODE": "]Q1",
    "CODE39": "]A0",
    "I25": "]I0",
    "DATABAR": "]e0",
    "DATABAR_EXP": "]e0",
    "CODE93": "]G0",
    "CODABAR": "]F0",
    "PDF417": "]L2",
}


@dataclass(frozen=True, slots=True)
class Code:
    data: bytes  # the decoded content (GS separators kept)
    symbology: str | None  # AIM identifier, e.g. ']C1', ']d2', ']E0'
    format: str  # the decoder's name for the symbology, e.g. 'Code 128', 'EAN13'
    decoder: str  # 'zxing' or 'zbar'

    @property
    def raw(self) -> bytes:
        """What a scanner transmitting AIM identifiers would have sent."""
        return (self.symbology or "").encode("ascii") + self.data


def effective_scale(scale: float, min_module_px: float) -> float:
    """The downscale to use: as asked, but never below 2 pixels per module of the smallest
    1D label (min_module_px is its narrowest bar at full resolution)."""
    floor = 2.0 / min_module_px if min_module_px > 0 else 1.0
    return min(1.0, max(scale, floor))


def prepare(frame: np.ndarray, roi: tuple[int, int, int, int] | None, scale: float) -> np.ndarray:
    """Crop to the region of interest, turn grey, downscale."""
    if roi is not None:
        x, y, w, h = roi
        frame = frame[y : y + h, x : x + w]
    if frame.ndim == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if scale < 1.0:
        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(frame)


def zxing_codes(gray: np.ndarray) -> list[Code]:
    return [
        Code(bytes(r.bytes), r.symbology_identifier or None, str(r.format), "zxing")
        for r in zxingcpp.read_barcodes(gray)
        if r.valid
    ]


# What zbar is asked for: the warehouse formats it reads (it cannot read Data Matrix, and its
# DataBar decoder trips assertions on busy frames).
ZBAR_SYMBOLS = [
    pyzbar.ZBarSymbol[name]
    for name in ("EAN13", "EAN8", "UPCA", "UPCE", "CODE128", "CODE39", "I25", "QRCODE")
]


def zbar_codes(gray: np.ndarray) -> list[Code]:
    return [
        Code(bytes(r.data), ZBAR_AIM.get(r.type), r.type, "zbar")
        for r in pyzbar.decode(gray, symbols=ZBAR_SYMBOLS)
    ]


def combined_codes(gray: np.ndarray) -> list[Code]:
    """Both decoders on one image, zxing first: zbar adds only what zxing did not read."""
    found = zxing_codes(gray)
    seen = {c.data for c in found}
    return found + [c for c in zbar_codes(gray) if c.data not in seen]


@dataclass(slots=True)
class Deduper:
    """Reports each code once while it stays in view (pure: time is passed in)."""

    seconds: float = 2.0
    _last: dict[bytes, float] = field(default_factory=dict)

    def fresh(self, codes: list[Code], now: float) -> list[Code]:
        out = []
        for code in codes:
            last = self._last.get(code.data)
            if last is None or now - last > self.seconds:
                out.append(code)
            self._last[code.data] = now
        if len(self._last) > 1000:
            self._last = {k: t for k, t in self._last.items() if now - t <= self.seconds}
        return out


class FramePipeline:
    """Frames in, fresh codes out through `emit`; zbar on a side thread on the newest frame."""

    def __init__(
        self,
        emit: Callable[[Code], None],
        *,
        roi: tuple[int, int, int, int] | None,
        scale: float,
        dedupe_seconds: float,
        primary: bool = True,
        fallback: bool = True,
        fallback_every: int = 2,
    ) -> None:
        self._emit = emit
        self._roi = roi
        self._scale = scale
        self._dedupe = Deduper(dedupe_seconds)
        self._lock = threading.Lock()
        self._primary = primary
        self._fallback = fallback
        self._latest: tuple[np.ndarray, float] | None = None
        self._fallback_every = max(1, fallback_every)
        self._ready = threading.Condition()
        self._closed = False
        self._worker: threading.Thread | None = None
        self.frames = 0
        self.fallback_frames = 0
        if fallback and primary:
            self._worker = threading.Thread(target=self._zbar_loop, name="zbar", daemon=True)
            self._worker.start()

    def process(self, frame: np.ndarray, now: float) -> None:
        gray = prepare(frame, self._roi, self._scale)
        self.frames += 1
        if self._primary:
            self._report(zxing_codes(gray), now)
            if self._worker is not None and self.frames % self._fallback_every == 0:
                with self._ready:
                    self._latest = (gray, now)
                    self._ready.notify()
        else:  # zbar alone (for comparison)
            self.fallback_frames += 1
            self._report(zbar_codes(gray), now)

    def _zbar_loop(self) -> None:
        while True:
            with self._ready:
                while self._latest is None and not self._closed:
                    self._ready.wait()
                if self._closed:
                    return
                assert self._latest is not None
                gray, now = self._latest
                self._latest = None
            self.fallback_frames += 1
            self._report(zbar_codes(gray), now)

    def _report(self, codes: list[Code], now: float) -> None:
        with self._lock:
            fresh = self._dedupe.fresh(codes, now)
        for code in fresh:
            self._emit(code)

    def close(self, drain: bool = False) -> None:
        """Stop the side thread; with drain, let it finish the frame it has first."""
        if self._worker is None:
            return
        if drain:
            with self._ready:
                while self._latest is not None:
                    self._ready.wait(0.01)
        with self._ready:
            self._closed = True
            self._ready.notify_all()
        self._worker.join(timeout=5)
