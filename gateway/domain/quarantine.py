"""Messages that break the MQTT contract: acknowledged, counted per device, some kept and
answered.

A broken message is never allowed to stop the intake or to slow another door. Each one is
acknowledged to the broker in the same group as the good reads around it. What it costs is
bounded per device and in all:

- answered: if it names its read, the station is told `refused` with the reason, so that it
  stops resending; each device gets ANSWER_RATE such answers a second (bursts of
  ANSWER_BURST), beyond that its broken messages are not answered;
- kept: each device may have KEEP_RATE messages a second set aside in the `quarantine` table
  (bursts of KEEP_BURST), each once however often it is resent (a unique digest of topic and
  payload), at most its first MAX_PAYLOAD bytes, the newest MAX_KEPT in all;
- counted: every broken message is counted per device and minute (`quarantine_minutes`).
  What is kept and the counts are written with the next read's transaction, or at least every
  COUNTS_EVERY seconds: a flood costs at most one commit of its own a second. The counts are
  what the gateway reports; the dashboard's doors page shows a device with
  FLOODING_PER_MINUTE or more in this minute and the one before as "flooding".

A broken message is acknowledged at once (it is not a read: nothing of it is owed to the
ledger); what is kept of it may be lost in a crash within the second.
"""

from __future__ import annotations

from dataclasses import dataclass

KEEP_RATE = 5.0  # broken messages a second a device may have kept
KEEP_BURST = 50.0
ANSWER_RATE = 50.0  # ... and answered
ANSWER_BURST = 500.0
COUNTS_EVERY = 1.0  # seconds at most between writes of the counts
MAX_KEPT = 10_000
MAX_PAYLOAD = 2_048
FLOODING_PER_MINUTE = 60  # broken messages in a minute that make a device "flooding"
KEEP_MINUTES = 24 * 60  # per-minute counts kept for a day


@dataclass(frozen=True, slots=True)
class Broken:
    """A message on a scan topic that does not follow the contract."""

    topic: str
    device: str  # from the topic ("?" where even the topic is not one of ours)
    payload: bytes
    error: str
    event_id: str | None  # the read it names, if it can be answered


@dataclass(frozen=True, slots=True)
class DeviceCounts:
    broken: int  # broken messages in the period
    kept: int  # of them, kept in the quarantine
    recent: int  # broken messages in this minute and the one before

    @property
    def flooding(self) -> bool:
        return self.recent >= FLOODING_PER_MINUTE


class FloodGate:
    """Per device, a token bucket: may one more of its broken messages have this?"""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # device -> (tokens, at)

    def admit(self, device: str, now: float) -> bool:
        tokens, at = self._buckets.get(device, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        admitted = tokens >= 1.0
        self._buckets[device] = (tokens - 1.0 if admitted else tokens, now)
        if len(self._buckets) > 10_000:  # devices are few; topics made up by a bad client
            self._buckets.clear()  # are not
        return admitted


@dataclass(frozen=True, slots=True)
class Verdict:
    keep: bool
    answer: bool


class Tally:
    """In memory, for the intake: each broken message's verdict, and what is still to be
    written (the messages to keep, the counts)."""

    def __init__(self) -> None:
        self.keeping = FloodGate(KEEP_RATE, KEEP_BURST)
        self.answering = FloodGate(ANSWER_RATE, ANSWER_BURST)
        self._counts: dict[str, list[int]] = {}
        self._kept: list[Broken] = []
        self._written = 0.0

    def add(self, broken: Broken, now: float) -> Verdict:
        verdict = Verdict(
            keep=self.keeping.admit(broken.device, now),
            answer=broken.event_id is not None and self.answering.admit(broken.device, now),
        )
        counts = self._counts.setdefault(broken.device, [0, 0])
        counts[0] += 1
        counts[1] += int(verdict.keep)
        if verdict.keep:
            self._kept.append(broken)
        return verdict

    def due(self, now: float) -> bool:
        """Whether what is waiting should be written even without a read to go with it."""
        return bool(self._counts) and now - self._written >= COUNTS_EVERY

    def take(self, now: float) -> tuple[list[Broken], dict[str, tuple[int, int]]]:
        """The messages to keep and the counts to write now (and forget here)."""
        kept, self._kept = self._kept, []
        counts = {device: (n, k) for device, (n, k) in self._counts.items()}
        self._counts.clear()
        self._written = now
        return kept, counts

    def give_back(self, kept: list[Broken], counts: dict[str, tuple[int, int]]) -> None:
        """What could not be written: kept for the next write."""
        self._kept = kept + self._kept
        for device, (n, k) in counts.items():
            mine = self._counts.setdefault(device, [0, 0])
            mine[0] += n
            mine[1] += k
