"""RFID at the doors: many reads of a tag become one "seen" (pure, no IO).

A portal reads a pallet's tag dozens of times while it passes, from several antennas, and
now and then catches a tag at the next door through the wall. Per door and tag, reads no more
than `window` seconds apart belong to one presence; the presence is seen once, when it has at
least `min_reads` reads and its best RSSI reaches `rssi_floor` (a tag read through the wall
stays below it). A tag that leaves and comes back after more than `window` seconds is seen
again. Readers that give no RSSI are judged by their read count alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Rules:
    window: float = 2.0  # seconds: longer gaps start a new presence
    rssi_floor: float = -70.0  # dBm: a presence never this strong is not at this door
    min_reads: int = 2  # reads before a presence counts


@dataclass(frozen=True, slots=True)
class TagRead:
    door: str
    epc: str
    at: float  # seconds, one clock per gateway
    rssi: float | None = None
    reads: int = 1  # reads this message stands for (the station folds its own window)


@dataclass(frozen=True, slots=True)
class Presence:
    first: float
    last: float
    reads: int
    best: float | None
    seen: bool = False


@dataclass(frozen=True, slots=True)
class Seen:
    door: str
    epc: str
    first: float
    last: float
    reads: int
    best_rssi: float | None


def _best(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


def qualifies(presence: Presence, rules: Rules) -> bool:
    strong = presence.best is None or presence.best >= rules.rssi_floor
    return presence.reads >= rules.min_reads and strong


def step(
    presences: Mapping[tuple[str, str], Presence], read: TagRead, rules: Rules
) -> tuple[dict[tuple[str, str], Presence], Seen | None]:
    """Fold one read in; returns the presences after it and a Seen if it made one."""
    key = (read.door, read.epc)
    now = dict(presences)
    before = now.get(key)
    if before is None or read.at - before.last > rules.window:
        presence = Presence(read.at, read.at, read.reads, read.rssi)
    else:
        presence = replace(
            before,
            last=max(before.last, read.at),
            reads=before.reads + read.reads,
            best=_best(before.best, read.rssi),
        )
    seen = None
    if not presence.seen and qualifies(presence, rules):
        presence = replace(presence, seen=True)
        seen = Seen(
            read.door, read.epc, presence.first, presence.last, presence.reads, presence.best
        )
    now[key] = presence
    return now, seen


def expire(
    presences: Mapping[tuple[str, str], Presence], now: float, rules: Rules
) -> dict[tuple[str, str], Presence]:
    """Forget presences that ended more than a window ago (they cannot grow any more)."""
    return {k: p for k, p in presences.items() if now - p.last <= rules.window}


def smooth(reads: Iterable[TagRead], rules: Rules) -> list[Seen]:
    """Everything seen in a sequence of reads (in time order)."""
    presences: dict[tuple[str, str], Presence] = {}
    out = []
    for read in reads:
        presences, seen = step(presences, read, rules)
        if seen is not None:
            out.append(seen)
    return out


class Smoother:
    """The gateway's running smoothing state, with the rules of each door."""

    def __init__(self, rules: Rules, doors: Mapping[str, Rules] | None = None) -> None:
        self.rules = rules
        self.doors = dict(doors or {})
        self.presences: dict[tuple[str, str], Presence] = {}
        self._reads = 0

    def rules_for(self, door: str) -> Rules:
        return self.doors.get(door, self.rules)

    def observe(self, read: TagRead) -> Seen | None:
        rules = self.rules_for(read.door)
        self.presences, seen = step(self.presences, read, rules)
        self._reads += 1
        if self._reads % 1000 == 0:  # keep memory bounded on a busy portal
            longest = max([self.rules.window, *(r.window for r in self.doors.values())])
            self.presences = expire(self.presences, read.at, Rules(window=longest))
        return seen
