"""A camera watching labels go by: a device index, an RTSP URL or a video file (OpenCV).

Frames go through a FramePipeline (edge.decode.vision's decoders; zbar on a side thread, on
the newest frame); every fresh code becomes a read whose raw bytes are what a scanner sending
AIM identifiers would have sent. A camera that disappears, or a
stream that drops, is reopened with backoff; a video file that ends is either started again
(`loop = true`) or left finished. The camera is ready once a frame has come through after
opening it: OpenCV can open a device or a stream that then delivers nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from edge.readers import Backoff, Emit, RawRead, Report, not_ready, ready
from edge.readers.kinds import ReaderKind, Table

if TYPE_CHECKING:  # the [camera] libraries are imported when a camera starts
    import cv2
    import numpy as np

    from edge.decode.vision import Code


@dataclass(frozen=True, slots=True)
class CameraSettings:
    source: str  # a device index ("0"), an RTSP URL or a video file
    roi: tuple[int, int, int, int] | None = None  # x, y, width, height in full-frame pixels
    scale: float = 1.0  # downscale wanted; never below 2 px per module (min_module_px)
    min_module_px: float = 4.0  # narrowest bar of the smallest label at full resolution
    dedupe_seconds: float = 2.0  # a code seen again within this time is the same read
    max_fps: float = 0.0  # 0: as fast as frames come
    loop: bool = False  # a video file starts again at its end (demo, bench)
    fallback_every: int = 2  # zbar looks at every n-th frame for what zxing-cpp missed


def camera_settings(table: Table) -> CameraSettings:
    roi = table.get("roi")
    if roi is not None and not (
        isinstance(roi, list) and len(roi) == 4 and all(isinstance(v, int) and v >= 0 for v in roi)
    ):
        raise table.error("roi", "must be [x, y, width, height] in whole pixels")
    scale = float(table.get("scale", 1.0))
    if not 0 < scale <= 1:
        raise table.error("scale", "must be in (0, 1]")
    return CameraSettings(
        source=str(table.required("source")),
        roi=(roi[0], roi[1], roi[2], roi[3]) if roi else None,
        scale=scale,
        min_module_px=float(table.get("min_module_px", 4.0)),
        dedupe_seconds=float(table.get("dedupe_seconds", 2.0)),
        max_fps=float(table.get("max_fps", 0.0)),
        loop=bool(table.get("loop", False)),
        fallback_every=max(1, int(table.get("fallback_every", 2))),
    )


def open_capture(source: str) -> cv2.VideoCapture:
    import cv2

    return cv2.VideoCapture(int(source) if source.isdigit() else source)


class CameraReader:
    def __init__(self, settings: CameraSettings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()  # a video file played to its end

    def start(self, emit: Emit, report: Report) -> None:
        from edge.decode.vision import effective_scale

        def on_code(code: Code) -> None:
            emit(RawRead(code.raw, "camera", symbology=code.symbology))

        scale = effective_scale(self.settings.scale, self.settings.min_module_px)
        pipeline = FramePipeline(
            on_code,
            roi=self.settings.roi,
            scale=scale,
            dedupe_seconds=self.settings.dedupe_seconds,
            fallback_every=self.settings.fallback_every,
        )
        self._thread = threading.Thread(
            target=self._loop,
            args=(pipeline, report),
            daemon=True,
            name=f"camera:{self.settings.source}",
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def feedback(self, data: bytes) -> None:
        """A camera has no beeper; answers show on the console."""

    def _loop(self, pipeline: FramePipeline, report: Report) -> None:
        try:
            finished = self._open_and_read(pipeline, report)
        finally:
            pipeline.close(drain=True)
        if finished:  # every code of the video has been emitted
            report(not_ready(f"video {self.settings.source} finished"))
            self.finished.set()

    def _open_and_read(self, pipeline: FramePipeline, report: Report) -> bool:
        """Open the source again and again until the stop (False) or a video's end (True)."""
        source = self.settings.source
        backoff = Backoff()
        while not self._stop.is_set():
            capture = open_capture(source)
            try:
                if not capture.isOpened():
                    report(not_ready(f"camera {source} unavailable; retrying"))
                else:
                    backoff.opened()
                    ended = self._frames(capture, pipeline, report)
                    if ended and not self.settings.loop:
                        return True
                    if not ended and not self._stop.is_set():
                        report(not_ready(f"camera {source} stopped sending frames"))
            finally:
                capture.release()
            backoff.wait(self._stop)
        return False

    def _frames(self, capture: cv2.VideoCapture, pipeline: FramePipeline, report: Report) -> bool:
        """Read frames until the stop, a failure (False) or the end of a file (True)."""
        interval = 1.0 / self.settings.max_fps if self.settings.max_fps > 0 else 0.0
        is_file = not self.settings.source.isdigit() and "://" not in self.settings.source
        first = True
        while not self._stop.is_set():
            started = time.monotonic()
            ok, frame = capture.read()
            if not ok:
                return is_file
            if first:
                first = False
                report(ready(f"reading frames from {self.settings.source}"))
            pipeline.process(frame, time.monotonic())
            if interval:
                self._stop.wait(max(0.0, interval - (time.monotonic() - started)))
        return False


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
        from edge.decode import vision  # needs depot-floor[camera]: imported when one starts

        self._vision = vision
        self._emit = emit
        self._roi = roi
        self._scale = scale
        self._dedupe = vision.Deduper(dedupe_seconds)
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
        gray = self._vision.prepare(frame, self._roi, self._scale)
        self.frames += 1
        if self._primary:
            self._report(self._vision.zxing_codes(gray), now)
            if self._worker is not None and self.frames % self._fallback_every == 0:
                with self._ready:
                    self._latest = (gray, now)
                    self._ready.notify()
        else:  # zbar alone (for comparison)
            self.fallback_frames += 1
            self._report(self._vision.zbar_codes(gray), now)

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
            self._report(self._vision.zbar_codes(gray), now)

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


KIND = ReaderKind(
    "camera",
    settings=camera_settings,
    reader=CameraReader,
    extra="camera",
    needs=("cv2", "numpy", "zxingcpp", "pyzbar.pyzbar"),
    what="cameras",
)
