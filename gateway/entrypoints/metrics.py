"""The gateway's figures for Prometheus (`GET /metrics`): reads, answer latency, outbox.

Counters and a latency histogram are kept in memory by the intake (thread-safe); the outbox
figures are read from the store when scraped. `render` writes the text exposition format.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass

# Seconds from a read's arrival at the gateway to its answer going out.
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class IntakeMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reads = 0
        self.latency_sum = 0.0
        self.buckets = [0] * (len(BUCKETS) + 1)

    def answered(self, seconds: float) -> None:
        with self._lock:
            self.reads += 1
            self.latency_sum += seconds
            self.buckets[bisect_left(BUCKETS, seconds)] += 1


@dataclass(frozen=True, slots=True)
class Gauges:
    outbox_pending: int
    outbox_rejected: int
    outbox_oldest_age: float | None
    last_sync_age: float | None
    disk_free_bytes: int
    disk_alarm: bool


def render(site: str, intake: IntakeMetrics, gauges: Gauges) -> str:
    label = f'site="{site}"'
    lines = [
        "# HELP depot_gateway_reads_total Reads answered (each read once, resends not counted).",
        "# TYPE depot_gateway_reads_total counter",
        f"depot_gateway_reads_total{{{label}}} {intake.reads}",
        "# HELP depot_gateway_answer_seconds From a read's arrival to its answer.",
        "# TYPE depot_gateway_answer_seconds histogram",
    ]
    with intake._lock:
        running = 0
        for bound, count in zip((*BUCKETS, float("inf")), intake.buckets, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            lines.append(f'depot_gateway_answer_seconds_bucket{{{label},le="{le}"}} {running}')
        lines.append(f"depot_gateway_answer_seconds_sum{{{label}}} {intake.latency_sum:.6f}")
        lines.append(f"depot_gateway_answer_seconds_count{{{label}}} {intake.reads}")
    gauges_out = (
        ("outbox_pending", "Events waiting to go to the server.", gauges.outbox_pending),
        ("outbox_rejected", "Events the server rejected (kept).", gauges.outbox_rejected),
        (
            "outbox_oldest_age_seconds",
            "Age of the oldest waiting event.",
            gauges.outbox_oldest_age or 0.0,
        ),
        (
            "last_sync_age_seconds",
            "Since the last sync with the server (-1: never).",
            -1.0 if gauges.last_sync_age is None else gauges.last_sync_age,
        ),
        ("disk_free_bytes", "Free space where the gateway's book is.", gauges.disk_free_bytes),
        ("disk_alarm", "1 when free space is below the alarm threshold.", int(gauges.disk_alarm)),
    )
    for name, text, value in gauges_out:
        lines += [
            f"# HELP depot_gateway_{name} {text}",
            f"# TYPE depot_gateway_{name} gauge",
            f"depot_gateway_{name}{{{label}}} {value}",
        ]
    return "\n".join(lines) + "\n"
