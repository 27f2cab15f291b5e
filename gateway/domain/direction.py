"""Which way a tag went through a door's portal (pure, no IO).

A portal with antennas on both sides of the door knows its antennas' zones: `outer` on the
dock (truck) side, `inner` on the warehouse side, one or more antennas each. A pallet carried
through the door is read strongest on the zone it is nearest to; the order in which its reads
peak on the two zones is its direction:

- IN: the outer zone peaks first, then the inner (from the truck into the warehouse);
- OUT: the inner zone peaks first, then the outer.

Each antenna's RSSI is smoothed over a short moving span (`span` seconds): its level is the
`support`-th strongest RSSI of its messages within the span (a message folding several reads
counts once), so one stray strong read (a reflection, a tag read through the wall) does not
make a peak by itself. A zone peaks when its strongest
antenna does; it is *past* once one of its strong antennas (a peak within `drop` dB of the
zone's) has fallen `drop` dB under its own peak. A tag's presence is decided:

- as soon as both zones are past, their peaks at least `min_gap` seconds apart (the tag went
  by one and then the other: a pallet going in is known while it moves away from the inner
  antennas, still in their reach);
- else when the presence ends (the tag read again more than `window` seconds later, or the
  end of a recorded sequence): each zone's strong antennas rose or fell `drop` dB, the peaks
  `min_gap` apart.

A tag standing near the door (a pallet parked on the dock) is read for a long time with no
clear transition: a presence longer than `linger` seconds before it is decided, one read on
one zone only, or with peaks closer than `min_gap` is never decided. Reads below the RSSI
floor and reads of antennas in no zone are not looked at. A presence is decided at most once;
a tag that goes away and comes back after `window` seconds is a new presence.

`fold` is the online step (the gateway's Smoother calls it per door and tag); `passes` is the
same over a whole sequence of one tag's reads at one door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

OUTER, INNER = "outer", "inner"
IN, OUT = "in", "out"


@dataclass(frozen=True, slots=True)
class Zones:
    outer: frozenset[int]
    inner: frozenset[int]

    def of(self, antenna: int | None) -> str | None:
        if antenna in self.outer:
            return OUTER
        if antenna in self.inner:
            return INNER
        return None


@dataclass(frozen=True, slots=True)
class Rules:
    zones: Zones
    window: float = 2.0  # seconds: longer gaps end a presence
    rssi_floor: float = -70.0  # dBm: weaker reads are not at this door
    min_reads: int = 2  # reads before a presence can be decided
    span: float = 0.3  # seconds: each zone's RSSI is smoothed over this moving span
    support: int = 2  # reads in a span that must reach a level before it counts
    drop: float = 6.0  # dB under its peak: the tag is past a zone
    min_gap: float = 0.2  # seconds between the zones' peaks, else undecided
    linger: float = 20.0  # seconds: a presence still undecided after this is a tag standing


@dataclass(frozen=True, slots=True)
class Read:
    antenna: int | None
    rssi: float | None
    at: float  # seconds, the reader's (station's) clock
    count: int = 1  # reads this stands for


@dataclass(frozen=True, slots=True)
class Antenna:
    """One antenna's smoothed RSSI in a presence."""

    port: int
    level: float  # now
    peak: float
    peak_at: float
    low: float  # the lowest level since the peak
    lowest: float  # the lowest level of the presence

    def seen(self, level: float, at: float) -> Antenna:
        if level > self.peak:
            return Antenna(self.port, level, level, at, level, min(self.lowest, level))
        return replace(self, level=level, low=min(self.low, level), lowest=min(self.lowest, level))


@dataclass(frozen=True, slots=True)
class Zone:
    """One zone's reads in a presence: its peak is its strongest antenna's."""

    recent: tuple[tuple[int, float, float, int], ...] = ()  # (antenna, at, rssi, count)
    antennas: tuple[Antenna, ...] = ()
    reads: int = 0

    @property
    def top(self) -> Antenna | None:
        return max(self.antennas, key=lambda a: a.peak, default=None)

    def past(self, rules: Rules) -> bool:
        """One of its strong antennas (a peak within `drop` dB of the zone's) has seen its
        level fall `drop` dB under its peak: the tag is moving away from the zone."""
        return any(a.low <= a.peak - rules.drop for a in self._strong(rules))

    def moved(self, rules: Rules) -> bool:
        """One of its strong antennas' level rose or fell by `drop` dB in the presence."""
        return any(a.lowest <= a.peak - rules.drop for a in self._strong(rules))

    def _strong(self, rules: Rules) -> list[Antenna]:
        top = self.top
        return [] if top is None else [a for a in self.antennas if a.peak > top.peak - rules.drop]


@dataclass(frozen=True, slots=True)
class Track:
    """A tag's presence at a door."""

    first: float
    last: float
    reads: int = 0
    best: float | None = None
    outer: Zone = Zone()
    inner: Zone = Zone()
    decided: bool = False


@dataclass(frozen=True, slots=True)
class Pass:
    direction: str  # IN or OUT
    first: float
    last: float
    reads: int
    best: float | None
    at: float  # when it was decided


def _level(recent: Iterable[tuple[int, float, float, int]], support: int) -> float | None:
    """The `support`-th strongest RSSI in the span: a message is one RSSI however many reads
    it stands for (its best could be one stray read among them)."""
    strengths = sorted((rssi for _, _, rssi, _ in recent), reverse=True)
    return strengths[support - 1] if len(strengths) >= support else None


def _zone(zone: Zone, read: Read, rules: Rules) -> Zone:
    """The zone with one more read: the read's antenna's level is the `support`-th strongest
    of its reads within the span (unchanged while it has fewer). Each antenna is smoothed
    alone: the antennas of one zone differ in gain and in their distance to the tag."""
    reads = zone.reads + read.count
    if read.rssi is None or read.antenna is None:
        return replace(zone, reads=reads)
    kept = [r for r in zone.recent if r[1] > read.at - rules.span]
    recent = (*kept, (read.antenna, read.at, read.rssi, read.count))
    level = _level((r for r in recent if r[0] == read.antenna), rules.support)
    if level is None:
        return replace(zone, recent=recent, reads=reads)
    mine = next((a for a in zone.antennas if a.port == read.antenna), None)
    now = (
        Antenna(read.antenna, level, level, read.at, level, level)
        if mine is None
        else mine.seen(level, read.at)
    )
    others = tuple(a for a in zone.antennas if a.port != read.antenna)
    return Zone(recent, (*others, now), reads)


def _direction(track: Track, rules: Rules, ended: bool) -> str | None:
    """IN, OUT or None (undecided) for a presence as it stands (`ended`: it is over)."""
    if track.reads < rules.min_reads or track.last - track.first > rules.linger:
        return None
    o, i = track.outer.top, track.inner.top
    if o is None or i is None or abs(i.peak_at - o.peak_at) < rules.min_gap:
        return None
    zones = (track.outer, track.inner)
    clear = all(z.moved(rules) for z in zones) if ended else all(z.past(rules) for z in zones)
    if not clear:
        return None
    return IN if o.peak_at < i.peak_at else OUT


def _decide(track: Track, rules: Rules, at: float, ended: bool) -> tuple[Track, Pass | None]:
    if track.decided:
        return track, None
    direction = _direction(track, rules, ended)
    if direction is None:
        return track, None
    done = replace(track, decided=True)
    return done, Pass(direction, track.first, track.last, track.reads, track.best, at)


def counts(read: Read, rules: Rules) -> bool:
    """A read the direction looks at: strong enough, from an antenna in a zone."""
    strong = read.rssi is None or read.rssi >= rules.rssi_floor
    return strong and read.count >= 1 and rules.zones.of(read.antenna) is not None


def close(track: Track, rules: Rules) -> Pass | None:
    """The decision for a presence that has ended (the tag gone for `window` seconds)."""
    return _decide(track, rules, track.last + rules.window, ended=True)[1]


def fold(track: Track | None, read: Read, rules: Rules) -> tuple[Track | None, Pass | None]:
    """One read of a tag at a door folded into its presence: the presence after it, and the
    pass this read decided (or that the read, coming after a gap, ended), if any."""
    if not counts(read, rules):
        return track, None
    ended = None
    if track is not None and read.at - track.last > rules.window:
        ended, track = close(track, rules), None
    if track is None:
        track = Track(read.at, read.at)
    best = track.best
    if read.rssi is not None:
        best = read.rssi if best is None else max(best, read.rssi)
    outer, inner = track.outer, track.inner
    if rules.zones.of(read.antenna) == OUTER:
        outer = _zone(outer, read, rules)
    else:
        inner = _zone(inner, read, rules)
    track = Track(
        min(track.first, read.at), max(track.last, read.at), track.reads + read.count, best,
        outer, inner, track.decided,
    )  # fmt: skip
    if ended is not None:
        return track, ended
    return _decide(track, rules, read.at, ended=False)


def passes(reads: Iterable[Read], rules: Rules) -> list[Pass]:
    """Every pass in one tag's reads at one door (in the order they came), each decided once;
    the last presence is taken as ended after the last read."""
    track: Track | None = None
    out = []
    for read in reads:
        track, decided = fold(track, read, rules)
        if decided is not None:
            out.append(decided)
    last = close(track, rules) if track is not None else None
    return out if last is None else [*out, last]
