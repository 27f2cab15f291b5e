"""Station benchmarks: camera decoding and serial-scanner throughput. Prints figures.

    .venv/bin/python tests/benchmarks/bench_edge.py [--frames 150] [--variants 6]

1. Decode rate per format (GS1-128, EAN-13, QR, GS1 Data Matrix) on rendered labels degraded
   by blur, noise, rotation, perspective and low resolution: zxing-cpp alone, zbar alone, and
   the combined pipeline (zxing-cpp on every frame, zbar on a side thread on the newest frame,
   each label in view for 5 frames). Target: combined >= 98% of the union of the two alone.
2. Frames per second at 1280x720 and 1920x1080 with three labels in view: zxing-cpp alone and
   zbar alone on decoded frames, and the pipeline from an MJPG video file (capture, decode,
   dedupe, queue). Target: pipeline >= 0.8 x zxing-cpp's bare rate.
3. Serial scanner to broker: reads per second from a pseudo-terminal scanner through
   `depot edge run` to a subscriber, against raw paho publishing the same messages.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.exampledata import generate, gs1_128_label
from edge.decode.vision import Code, prepare, zbar_codes, zxing_codes
from edge.readers.camera import FramePipeline
from harness.depot import PtyScanner, StationProcess, device_toml
from harness.labels import Label, frame_with, render, standard_labels, write_video
from harness.mosquitto import Mosquitto
from kernel.mqtt import BrokerSettings, connect, make_client

# -- degraded label set -----------------------------------------------------------------------


def on_canvas(image: np.ndarray, pad: int = 60) -> np.ndarray:
    return cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=235)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, matrix, (nw, nh), borderValue=235)


def perspective(image: np.ndarray, amount: float) -> np.ndarray:
    h, w = image.shape
    d = amount * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[d, d * 0.3], [w - d, 0], [w, h], [0, h - d * 0.3]])
    return cv2.warpPerspective(
        image, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=235
    )


def noisy(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def degraded(image: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    base = on_canvas(image)
    h, w = base.shape
    return {
        "clean": base,
        "blur": cv2.GaussianBlur(base, (0, 0), 1.6),
        "noise": noisy(base, 40, rng),
        "rotation": rotate(base, 17),
        "perspective": perspective(base, 0.12),
        "low-res": cv2.resize(
            cv2.resize(base, (int(w * 0.42), int(h * 0.42)), interpolation=cv2.INTER_AREA), (w, h)
        ),
        "all-of-it": noisy(
            cv2.GaussianBlur(rotate(perspective(base, 0.08), 9), (0, 0), 1.1), 20, rng
        ),
    }


def label_set(variants: int) -> list[tuple[Label, str, np.ndarray]]:
    rng = np.random.default_rng(2026)
    items = generate().items
    out = []
    for n in range(variants):
        for label in standard_labels(items[n % len(items)].gtin):
            for name, image in degraded(render(label, 2), rng).items():
                out.append((label, name, image))
    return out


def read_by(codes: list[Code], label: Label) -> bool:
    return any(c.data == label.data for c in codes)


def pipeline_reads(image: np.ndarray, label: Label, frames: int = 5) -> bool:
    seen: list[Code] = []
    pipeline = FramePipeline(seen.append, roi=None, scale=1.0, dedupe_seconds=10)
    for i in range(frames):
        pipeline.process(image, float(i))
        time.sleep(0.002)  # the camera's frame interval lets the side thread run
    pipeline.close(drain=True)
    return read_by(seen, label)


def decode_rates(variants: int) -> None:
    print(
        "\n1. decode rate per format (labels degraded by blur, noise, rotation, perspective, "
        "low resolution)"
    )
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for label, _, image in label_set(variants):
        zx = read_by(zxing_codes(image), label)
        zb = read_by(zbar_codes(image), label)
        t = tally[label.name]
        t["total"] += 1
        t["zxing"] += zx
        t["zbar"] += zb
        t["union"] += zx or zb
        t["pipeline"] += pipeline_reads(image, label)
    print(
        f"{'format':<16}{'labels':>7}{'zxing':>8}{'zbar':>8}{'union':>8}{'pipeline':>10}"
        f"{'of union':>10}"
    )
    totals: dict[str, int] = defaultdict(int)
    for name, t in tally.items():
        for key, value in t.items():
            totals[key] += value
        share = t["pipeline"] / t["union"] if t["union"] else math.nan
        print(
            f"{name:<16}{t['total']:>7}{t['zxing']:>8}{t['zbar']:>8}{t['union']:>8}"
            f"{t['pipeline']:>10}{share:>10.1%}"
        )
    share = totals["pipeline"] / totals["union"]
    print(
        f"{'all':<16}{totals['total']:>7}{totals['zxing']:>8}{totals['zbar']:>8}"
        f"{totals['union']:>8}{totals['pipeline']:>10}{share:>10.1%}   (target >= 98%)"
    )


# -- frame rates --------------------------------------------------------------------------------


def busy_frames(size: tuple[int, int], count: int) -> list[np.ndarray]:
    labels = standard_labels(generate().items[3].gtin)
    images = [render(labels[0], 2), render(labels[1], 2), render(labels[2], 3)]
    rng = np.random.default_rng(1)
    base = frame_with(images, size)
    return [noisy(base, 6, rng) for _ in range(count)]


def decoded_frames(video: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def rate(work: object, frames: list[np.ndarray]) -> float:
    started = time.perf_counter()
    for frame in frames:
        work(prepare(frame, None, 1.0))  # type: ignore[operator]
    return len(frames) / (time.perf_counter() - started)


def pipeline_rate(video: Path) -> tuple[float, int, int]:
    codes: list[Code] = []
    pipeline = FramePipeline(codes.append, roi=None, scale=1.0, dedupe_seconds=2.0)
    capture = cv2.VideoCapture(str(video))
    started = time.perf_counter()
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        pipeline.process(frame, time.perf_counter())
    elapsed = time.perf_counter() - started
    pipeline.close(drain=True)
    return pipeline.frames / elapsed, pipeline.fallback_frames, len(codes)


def frame_rates(count: int, work_dir: Path) -> None:
    print("\n2. frames per second, three labels in view")
    print(
        f"{'size':<11}{'zxing':>8}{'zbar':>8}{'pipeline':>10}{'ratio':>8}"
        f"{'zbar saw':>10}{'codes':>7}"
    )
    for size in ((1280, 720), (1920, 1080)):
        video = write_video(work_dir / f"bench-{size[0]}.avi", busy_frames(size, count), fps=30)
        frames = decoded_frames(video)  # the bare decoders see exactly what the camera delivers
        zx = rate(zxing_codes, frames)
        zb = rate(zbar_codes, frames)
        fps, fallback, found = pipeline_rate(video)
        print(
            f"{size[0]}x{size[1]:<6}{zx:>8.1f}{zb:>8.1f}{fps:>10.1f}{fps / zx:>8.2f}"
            f"{fallback:>7}/{count:<3}{found:>6}   (target ratio >= 0.8)"
        )


# -- serial to broker ---------------------------------------------------------------------------


def serial_rate(reads: int, work_dir: Path) -> None:
    print("\n3. serial scanner -> station -> broker")
    broker = Mosquitto(work_dir / "broker").start()
    scanner = PtyScanner()
    got = threading.Event()
    count = [0]

    def on_message(*args: object) -> None:
        count[0] += 1
        if count[0] >= reads:
            got.set()

    listener = make_client(BrokerSettings(port=broker.port), "bench-listener")
    listener.on_connect = lambda c, *a: c.subscribe("wh/v1/LC01/scan/+", qos=1)
    listener.on_message = on_message
    connect(listener, BrokerSettings(port=broker.port))
    station = StationProcess(
        work_dir / "station",
        broker.port,
        [
            device_toml("LC01-D01-FIX1", "serial", port=scanner.port),
        ],
        resend_after=600,
    ).start()
    try:
        time.sleep(0.5)
        label = gs1_128_label(generate().items[0].gtin, "BENCH1", date(2026, 1, 1), 10)
        started = time.perf_counter()
        for _ in range(reads):
            scanner.scan(label)
        got.wait(120)
        station_rate = count[0] / (time.perf_counter() - started)
        count[0] = 0
        got.clear()
        raw = make_client(BrokerSettings(port=broker.port), "bench-raw")
        connect(raw, BrokerSettings(port=broker.port))
        time.sleep(0.5)
        payload = b"x" * 420  # the size of one scan message
        started = time.perf_counter()
        for _ in range(reads):
            raw.publish("wh/v1/LC01/scan/RAW", payload, qos=1)
        got.wait(120)
        raw_rate = count[0] / (time.perf_counter() - started)
        raw.disconnect()
        raw.loop_stop()
        print(
            f"station: {station_rate:8.1f} reads/s (each framed, decoded, fsynced to the "
            f"spool, published)"
        )
        print(f"raw paho publish: {raw_rate:8.1f} messages/s   ratio {station_rate / raw_rate:.2f}")
    finally:
        station.stop()
        listener.disconnect()
        listener.loop_stop()
        broker.stop()
        scanner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--variants", type=int, default=6, help="label contents per format")
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    work_dir = Path(tempfile.mkdtemp(prefix="depot-bench-edge-"))
    print(f"OpenCV {cv2.__version__}; {args.variants} contents x 4 formats x 7 conditions")
    decode_rates(args.variants)
    frame_rates(args.frames, work_dir)
    serial_rate(args.reads, work_dir)


if __name__ == "__main__":
    main()
