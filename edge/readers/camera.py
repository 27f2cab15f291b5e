"""A camera watching labels go by: a device index, an RTSP URL or a video file (OpenCV).

Frames go through edge.vision.FramePipeline; every fresh code becomes a read whose raw bytes
are what a scanner sending AIM identifiers would have sent. A camera that disappears, or a
stream that drops, is reopened with backoff; a video file that ends is either started again
(`loop = true`) or left finished.
"""

from __future__ import annotations

import logging
import threading
import time

import cv2

from edge.config import CameraSettings
from edge.readers import Emit, RawRead
from edge.vision import Code, FramePipeline, effective_scale

log = logging.getLogger(__name__)


def open_capture(source: str) -> cv2.VideoCapture:
    return cv2.VideoCapture(int(source) if source.isdigit() else source)


class CameraReader:
    def __init__(self, settings: CameraSettings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Event()  # a video file played to its end

    def start(self, emit: Emit) -> None:
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
            target=self._loop, args=(pipeline,), daemon=True, name=f"camera:{self.settings.source}"
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def feedback(self, data: bytes) -> None:
        """A camera has no beeper; answers show on the console."""

    def _loop(self, pipeline: FramePipeline) -> None:
        delay = 0.5
        try:
            while not self._stop.is_set():
                capture = open_capture(self.settings.source)
                if not capture.isOpened():
                    log.warning("camera %s unavailable; retrying", self.settings.source)
                else:
                    log.info("camera connected: %s", self.settings.source)
                    delay = 0.5
                    ended = self._frames(capture, pipeline)
                    if ended and not self.settings.loop:
                        log.info("video %s finished", self.settings.source)
                        self.finished.set()
                        return
                capture.release()
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)
        finally:
            pipeline.close(drain=True)

    def _frames(self, capture: cv2.VideoCapture, pipeline: FramePipeline) -> bool:
        """Read frames until the stop, a failure (False) or the end of a file (True)."""
        interval = 1.0 / self.settings.max_fps if self.settings.max_fps > 0 else 0.0
        is_file = not self.settings.source.isdigit() and "://" not in self.settings.source
        while not self._stop.is_set():
            started = time.monotonic()
            ok, frame = capture.read()
            if not ok:
                return is_file
            pipeline.process(frame, time.monotonic())
            if interval:
                self._stop.wait(max(0.0, interval - (time.monotonic() - started)))
        return False
