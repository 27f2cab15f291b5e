"""Barcodes in camera frames (no capture here: frames in, codes out; the camera reader,
edge/readers/camera.py, captures them and runs the fallback on its side thread).

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

from dataclasses import dataclass, field

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

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
