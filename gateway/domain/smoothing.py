"""RFID at the doors: many reads of a tag become one "seen" (pure, no IO).

A portal reads a pallet's tag dozens of times while it passes, from several antennas, and
now and then catches a tag at the next door through the wall. Per door and tag, reads no more
than `window` seconds apart belong to one presence; the presence is seen once, when it has at
least `min_reads` reads and its best RSSI reaches `rssi_floor` (a tag read through the wall
stays below it). A tag that leaves and comes back after more than `window` seconds is seen
again. Readers that give no RSSI are judged by their read count alone.

A door whose portal has its antennas in zones (inner and outer, `Rules.zones`) tells in from
out (gateway.domain.direction): its presence is seen once, when its direction is decided,
and the Seen says which; a tag standing near the door is never seen. Its reads are timed by
the station (the moment of the read's peak, or with an RSSI profile its last read and the
profile's own moments), not by the gateway: a group of messages taken together has one
gateway time, and direction is the order of a tag's reads. A presence that is decided only
when it ends (its tag not read for `window` seconds, and a `GRACE` for reads on their way)
is ended by `Smoother.sweep`, which the gateway runs after each group of reads and four times
a second when idle: its pass is answered and acted on as a message of its own (`Ended`, made
from the presence's last message), never on a read of another presence. A presence ends when
nothing of it came for the window and the grace both on the gateway's clock and on its
station's, as the station's newest message and the time since it came make it
(`StationClock`): a station falling behind a busy reader, its reads coming late, has its
presences ended by its own reads, not cut short while they are on their way; a read stamped
ahead ends nothing early. A station silent for longer (cut off from the broker) has its
presences ended; what it sends after is a new presence. `Smoother.state` and
`restore` put the smoothing back when the transaction of what it decided fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gateway.domain import direction
from kernel.contract import ScanMessage


@dataclass(frozen=True, slots=True)
class Rules:
    window: float = 2.0  # seconds: longer gaps start a new presence
    rssi_floor: float = -70.0  # dBm: a presence never this strong is not at this door
    min_reads: int = 2  # reads before a presence counts
    zones: direction.Zones | None = None  # the portal's antennas, inner and outer: direction
    tuning: tuple[tuple[str, float], ...] = ()  # a zoned door's own direction.Rules values

    def ways(self) -> direction.Rules | None:
        """The direction rules of a door with zones."""
        if self.zones is None:
            return None
        rules = direction.Rules(self.zones, self.window, self.rssi_floor, self.min_reads)
        settings: dict[str, Any] = dict(self.tuning)
        return replace(rules, **settings)


@dataclass(frozen=True, slots=True)
class TagRead:
    door: str
    epc: str
    at: float  # seconds, one clock per gateway
    rssi: float | None = None
    reads: int = 1  # reads this message stands for (the station folds its own window)
    antenna: int | None = None
    levels: tuple[tuple[float, float], ...] = ()  # (at, dBm): the reads' smoothed profile
    since: float | None = None  # at a door with zones: the message's first read (with levels)


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
    direction: str | None = None  # at a door with zones: direction.IN or direction.OUT
    ended: bool = False  # decided when its presence ended (answered as a message of its own)


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


def tag_read(scan: ScanMessage, epc: str, now: float, zoned: bool) -> TagRead | None:
    """A portal's tag read as the smoothing takes it: at `now` (the gateway's clock), or at a
    door with zones on the station's clock: at its last read with its RSSI profile, else at
    the moment of its peak (else of its last read, else the message's time); None when that
    moment is not one a clock can have."""
    rfid = scan.rfid
    at, since = now, None
    levels: tuple[tuple[float, float], ...] = ()
    if zoned:
        try:
            levels = rfid.profile() if rfid else ()
            if levels and rfid and rfid.first_seen:
                since = datetime.fromisoformat(rfid.first_seen).timestamp()
            peak = None if levels or rfid is None else rfid.peak_seen
            moment = (peak or (rfid.last_seen if rfid else None)) or scan.ts
            at = datetime.fromisoformat(moment).timestamp()
        except (ValueError, OverflowError, OSError):
            return None
    if rfid is None:
        return TagRead(str(scan.door), epc, at)
    return TagRead(str(scan.door), epc, at, rfid.rssi, rfid.reads, rfid.antenna, levels, since)


@dataclass(frozen=True, slots=True)
class Ended:
    """A presence that ended and was decided after its last read: its pass (`seen`) is
    answered and acted on as a message of its own (`scan`, made from its last message, with
    an id of its own), never on a read of another presence."""

    scan: ScanMessage | None
    seen: Seen


@dataclass(frozen=True, slots=True)
class StationClock:
    """A station's clock as the gateway knows it: its newest read's moment (`at`, on the
    station's clock) and when that read came (`came`, on the gateway's)."""

    at: float
    came: float

    def now(self, gateway_now: float) -> float:
        return self.at + max(0.0, gateway_now - self.came)


ENDED_ID = uuid.UUID("0d7a3c52-4a51-4e0f-9a53-2b6c1f4e8a17")
GRACE = 1.0  # seconds after the window, on the gateway's clock: a read still on its way
# A read this far behind its station's newest is the station's clock set back (reads come in
# order, give or take a station's report_every): the clock goes on from it.
CLOCK_SET_BACK = 120.0


def ended_message(scan: ScanMessage) -> ScanMessage:
    """The message a pass decided at the end of its presence is taken as."""
    return replace(scan, event_id=str(uuid.uuid5(ENDED_ID, f"{scan.event_id}:ended")))


class Smoother:
    """The gateway's running smoothing state, with the rules of each door. At a door with
    zones each presence keeps the gateway's time of its last read and that read's message;
    `sweep` ends the presences not read for a window and gives the passes they decide."""

    def __init__(self, rules: Rules, doors: Mapping[str, Rules] | None = None) -> None:
        self.rules = rules
        self.doors = dict(doors or {})
        self.presences: dict[tuple[str, str], Presence] = {}
        self.tracks: dict[tuple[str, str], direction.Track] = {}  # doors with zones
        # a presence's source (door/device), its last message and when that came (gateway)
        self.heard: dict[tuple[str, str], tuple[str, ScanMessage | None, float]] = {}
        self.clocks: dict[str, StationClock] = {}  # a source's (station's) clock
        self.ended: list[Ended] = []  # decided, not yet taken by `sweep`
        self.made: dict[str, Seen] = {}  # ended messages' ids -> their pass, until taken
        self._reads = 0

    def state(self) -> tuple[Any, ...]:
        """A copy of the state, to put back with `restore` if what it decided is not kept
        (the tracks are immutable: the copy is of the maps only)."""
        return (
            dict(self.presences),
            dict(self.tracks),
            dict(self.heard),
            dict(self.clocks),
            list(self.ended),
            dict(self.made),
        )

    def restore(self, state: tuple[Any, ...]) -> None:
        presences, tracks, heard, clocks, ended, made = state
        self.presences, self.tracks, self.heard = dict(presences), dict(tracks), dict(heard)
        self.clocks, self.ended, self.made = dict(clocks), list(ended), dict(made)

    def rules_for(self, door: str) -> Rules:
        return self.doors.get(door, self.rules)

    def zoned(self, door: str) -> bool:
        """The door's portal tells in from out (its reads are timed by the station)."""
        return self.rules_for(door).zones is not None

    def observe_scan(self, scan: ScanMessage, epc: str, now: float) -> Seen | None:
        """A tag read from a door's portal (its message): the Seen it makes, if any; the
        message of an ended presence (`sweep`) is its pass."""
        made = self.made.pop(scan.event_id, None)
        if made is not None:
            return made
        read = tag_read(scan, epc, now, self.zoned(str(scan.door)))
        return None if read is None else self.observe(read, now, scan)

    def observe(
        self, read: TagRead, now: float | None = None, scan: ScanMessage | None = None
    ) -> Seen | None:
        """One read, received at `now` on the gateway's clock (by default its own time)."""
        rules = self.rules_for(read.door)
        ways = rules.ways()
        if ways is not None:
            return self._pass(read, ways, read.at if now is None else now, scan)
        self.presences, seen = step(self.presences, read, rules)
        self._reads += 1
        if self._reads % 1000 == 0:  # keep memory bounded on a busy portal
            self.presences = expire(self.presences, read.at, Rules(window=self._longest()))
        return seen

    def sweep(self, now: float) -> list[Ended]:
        """End every presence at a door with zones not read for its window (and a grace
        for reads on their way) by `now` (the gateway's clock) on its station's clock: the
        passes they decide, with those decided since the last sweep. Each is answered as its
        own message."""
        for key in [k for k, heard in self.heard.items() if self._over(k, heard, now)]:
            self._close(key)
        out, self.ended = self.ended, []
        self.made.update((e.scan.event_id, e.seen) for e in out if e.scan is not None)
        return out

    def _over(
        self, key: tuple[str, str], heard: tuple[str, ScanMessage | None, float], now: float
    ) -> bool:
        """The presence is over: nothing of it for its window and a grace on its station's
        clock (a station behind its reader is not cut short) and on the gateway's (a read
        stamped ahead, or a station's clock set back, ends nothing early)."""
        source, _, came = heard
        track = self.tracks.get(key)
        if track is None:
            return True
        limit = self.rules_for(key[0]).window + GRACE
        return now - came > limit and self.clocks[source].now(now) - track.last > limit

    def _close(self, key: tuple[str, str]) -> None:
        track = self.tracks.pop(key, None)
        _, scan, _ = self.heard.pop(key, ("", None, 0.0))
        ways = self.rules_for(key[0]).ways()
        if track is None or ways is None:
            return
        p = direction.close(track, ways)
        if p is not None:
            seen = Seen(key[0], key[1], p.first, p.last, p.reads, p.best, p.direction, True)
            self.ended.append(Ended(None if scan is None else ended_message(scan), seen))

    def _pass(
        self, read: TagRead, rules: direction.Rules, now: float, scan: ScanMessage | None
    ) -> Seen | None:
        key = (read.door, read.epc)
        track = self.tracks.get(key)
        step = direction.Read(read.antenna, read.rssi, read.at, read.reads, read.levels, read.since)
        if track is not None and direction.ended(track, step, rules):
            self._close(key)  # its pass, if any, is answered on its own, not on this read
            track = None
        track, decided = direction.fold(track, step, rules)
        source = read.door if scan is None else f"{read.door}/{scan.device}"
        clock = self.clocks.get(source)
        if clock is None or read.at >= clock.at or read.at < clock.at - CLOCK_SET_BACK:
            self.clocks[source] = StationClock(read.at, now)  # newer, or the clock set back
        if track is not None:
            self.tracks[key] = track
            self.heard[key] = (source, scan, now)
        if decided is None:
            return None
        p = decided
        return Seen(read.door, read.epc, p.first, p.last, p.reads, p.best, p.direction)

    def _longest(self) -> float:
        return max([self.rules.window, *(r.window for r in self.doors.values())])
