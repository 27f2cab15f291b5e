"""Which way a tag went through a door's portal (pure, no IO).

A portal with antennas on both sides of the door knows its antennas' zones: `outer` on the
dock (truck) side, `inner` on the warehouse side, one or more antennas each. A pallet carried
through the door is read strongest on the zone it is nearest to; the order in which its reads
peak on the two zones is its direction:

- IN: the outer zone peaks first, then the inner (from the truck into the warehouse);
- OUT: the inner zone peaks first, then the outer.

Each antenna's RSSI is smoothed over its last `depth` messages no older than `span` seconds:
its level is the `support`-th strongest of them (a message folding several reads counts
once; kernel.sighting.smoothed), so one stray strong read (a reflection, a tag read through
the wall) does not make a peak by itself, and a reader that dwells on one antenna at a time
(a burst, then nothing for half a second) still gives each antenna a level. A message that
carries its reads' profile (`levels`: the station smoothed them by the same rule as it
folded them) gives its levels as they are. A zone peaks when its strongest antenna does.
A zone *rose* when one of its strong antennas (a peak within `drop` dB of the zone's) climbed
`drop` dB from its first level to its peak: a tag coming up to it, not one standing there. A
zone has *left* once all its strong antennas are `drop` dB under their peaks and stay there
(a fade that comes back is no departure), or are heard no more. A presence is decided:

- as soon as both zones rose and have left, the second after the first, the first gone by
  the second zone's peak (the crossover, give or take `min_gap`) and the peaks at least
  `min_gap` seconds apart: a pallet going in is known while it moves away from the inner
  antennas, still in their reach;
- else when the presence ends (no read for `window` seconds, or the end of a recorded
  sequence), the same with the second zone taken as gone (the tag left its reach).

A tag standing near the door (a pallet parked on the dock) is read for a long time with no
clear transition, and its fades come back: it is not decided. Only its last `linger` seconds
count (older peaks are forgotten), so a pallet staged at the door and later carried through
is decided then. Reads below the RSSI floor and reads of antennas in no zone are not looked
at. A presence is decided at most once; a tag that goes away and comes back after `window`
seconds is a new presence.

`fold` is the online step (the gateway's Smoother calls it per door and tag), `close` decides
a presence that has ended, and `passes` is the same over a whole sequence of one tag's reads
at one door.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from kernel import sighting

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
    span: float = sighting.SPAN  # seconds: older messages of an antenna are not in its level
    depth: int = sighting.DEPTH  # an antenna's level is taken over its last `depth` messages
    support: int = sighting.SUPPORT  # of which this many must reach it (the support-th best)
    drop: float = 6.0  # dB: a zone rose this much to its peak, then fell this much under it
    min_gap: float = 0.2  # seconds between the zones' peaks, else undecided
    linger: float = 20.0  # seconds: older reads of a presence are forgotten


@dataclass(frozen=True, slots=True)
class Read:
    antenna: int | None
    rssi: float | None
    at: float  # seconds, the reader's (station's) clock
    count: int = 1  # reads this stands for
    levels: tuple[tuple[float, float], ...] = ()  # (at, dBm): the station's smoothed profile
    since: float | None = None  # the first read a message folds (`at` is its last, or peak)

    @property
    def start(self) -> float:
        return self.at if self.since is None else min(self.since, self.at)


@dataclass(frozen=True, slots=True)
class Antenna:
    """One antenna's smoothed RSSI in a presence."""

    port: int
    level: float  # now
    peak: float
    peak_at: float
    start: float  # its first level: where the tag came from
    fell_at: float | None  # since when the level is `drop` under the peak (None: it is not)
    heard: float  # its last message

    def seen(self, level: float, at: float, drop: float) -> Antenna:
        if level > self.peak:
            return replace(self, level=level, peak=level, peak_at=at, fell_at=None, heard=at)
        fell = None
        if level <= self.peak - drop:
            fell = self.fell_at if self.fell_at is not None else self._crossed(level, at, drop)
        return replace(self, level=level, fell_at=fell, heard=at)

    def _crossed(self, level: float, at: float, drop: float) -> float:
        """When the level, falling from its last value to `level` at `at`, went `drop` under
        the peak: in between, on the straight line (a station's profile keeps the points
        where the line bends, and reads far apart fall in between too)."""
        floor = self.peak - drop
        if self.level <= floor or at <= self.heard:
            return at
        return self.heard + (at - self.heard) * (self.level - floor) / (self.level - level)


@dataclass(frozen=True, slots=True)
class Zone:
    """One zone's reads in a presence: its peak is its strongest antenna's."""

    recent: tuple[tuple[int, float, float], ...] = ()  # (antenna, at, rssi)
    antennas: tuple[Antenna, ...] = ()

    @property
    def top(self) -> Antenna | None:
        return max(self.antennas, key=lambda a: a.peak, default=None)

    def rose(self, rules: Rules) -> bool:
        """One of its antennas climbed `drop` dB from its first level to its peak: the tag came
        to the zone (a tag standing still is as strong when it is first read)."""
        return any(a.peak - a.start >= rules.drop for a in self.antennas)

    def left(self, rules: Rules, now: float, ended: bool) -> float | None:
        """When the tag left the zone: the first of its strong antennas fell `drop` dB under
        its peak, and each of them is still down now or was heard no more since (a fade that
        came back is no departure; an antenna still up but not heard for half a `window`
        left with its last read, provided one of the zone's antennas fell). Once the presence
        has ended (`ended`), the tag has left every antenna. None while it has not left."""
        if not (ended or any(a.fell_at is not None for a in self.antennas)):
            return None  # gone quiet, not away: the tag was moved out of reach of some
        strong = self._strong(rules)
        fell = [a.fell_at for a in strong if a.fell_at is not None]
        quiet = [
            a.heard
            for a in strong
            if a.fell_at is None and (ended or now - a.heard > rules.window / 2)
        ]
        if len(fell) + len(quiet) < len(strong):
            return None
        return min(fell + quiet)

    def _strong(self, rules: Rules) -> list[Antenna]:
        top = self.top
        return [] if top is None else [a for a in self.antennas if a.peak > top.peak - rules.drop]


@dataclass(frozen=True, slots=True)
class Look:
    """A presence's last `linger` seconds or less, seen from `since` on."""

    since: float
    outer: Zone = Zone()
    inner: Zone = Zone()


@dataclass(frozen=True, slots=True)
class Track:
    """A tag's presence at a door: its reads, and looks at it started every `linger / 2`
    seconds (each forgotten `linger` seconds after it started)."""

    first: float
    last: float
    reads: int = 0
    best: float | None = None
    looks: tuple[Look, ...] = ()
    decided: bool = False


@dataclass(frozen=True, slots=True)
class Pass:
    direction: str  # IN or OUT
    first: float
    last: float
    reads: int
    best: float | None
    at: float  # when it was decided


def _zone(zone: Zone, read: Read, rules: Rules) -> Zone:
    """The zone with one more message: the levels it carries, else its antenna's level is the
    `support`-th strongest of its last `depth` messages within the span (unchanged while it
    has fewer). Each antenna is smoothed alone: the antennas of one zone differ in gain and
    distance."""
    if read.antenna is None:
        return zone
    if read.levels:
        for at, dbm in read.levels:
            zone = _level(zone, read.antenna, dbm, at, rules)
        return zone
    if read.rssi is None:
        return zone
    mine = [r for r in zone.recent if r[0] == read.antenna and r[1] > read.at - rules.span]
    mine = [*mine[-(rules.depth - 1) :], (read.antenna, read.at, read.rssi)]
    others = [r for r in zone.recent if r[0] != read.antenna and r[1] > read.at - rules.span]
    zone = replace(zone, recent=(*others, *mine))
    smoothed = sighting.smoothed([r[2] for r in mine], rules.support)
    return zone if smoothed is None else _level(zone, read.antenna, smoothed, read.at, rules)


def _level(zone: Zone, port: int, level: float, at: float, rules: Rules) -> Zone:
    """The zone with its antenna `port` at `level` at `at`."""
    was = next((a for a in zone.antennas if a.port == port), None)
    now = (
        Antenna(port, level, level, at, level, None, at)
        if was is None
        else was.seen(level, at, rules.drop)
    )
    kept = tuple(a for a in zone.antennas if a.port != port)
    return replace(zone, antennas=(*kept, now))


def _look_direction(look: Look, rules: Rules, now: float, ended: bool) -> str | None:
    """IN, OUT or None (undecided) for one look at a presence (`ended`: it is over)."""
    o, i = look.outer.top, look.inner.top
    if o is None or i is None or abs(i.peak_at - o.peak_at) < rules.min_gap:
        return None
    first, second = (look.outer, look.inner) if o.peak_at < i.peak_at else (look.inner, look.outer)
    if not (first.rose(rules) and second.rose(rules)):
        return None
    gone, then = first.left(rules, now, ended=False), second.left(rules, now, ended)
    peak = second.top.peak_at  # type: ignore[union-attr]
    if gone is None or then is None or gone > peak + rules.min_gap or then <= gone:
        return None  # no crossover: the first zone was not left as the second peaked
    return IN if first is look.outer else OUT


def _decide(track: Track, rules: Rules, at: float, ended: bool) -> tuple[Track, Pass | None]:
    if track.decided or track.reads < rules.min_reads:
        return track, None
    for look in track.looks:
        direction = _look_direction(look, rules, at, ended)
        if direction is not None:
            done = replace(track, decided=True, looks=())
            return done, Pass(direction, track.first, track.last, track.reads, track.best, at)
    return track, None


def counts(read: Read, rules: Rules) -> bool:
    """A read the direction looks at: strong enough, from an antenna in a zone."""
    strong = read.rssi is None or read.rssi >= rules.rssi_floor
    return strong and read.count >= 1 and rules.zones.of(read.antenna) is not None


def ended(track: Track, read: Read, rules: Rules) -> bool:
    """The presence was over when `read` began (its tag not read for `window` seconds)."""
    return read.start - track.last > rules.window


def close(track: Track, rules: Rules) -> Pass | None:
    """The decision for a presence that has ended (the tag gone for `window` seconds)."""
    return _decide(track, rules, track.last + rules.window, ended=True)[1]


def _looks(track: Track, read: Read, rules: Rules) -> tuple[Look, ...]:
    """The track's looks with the read: those older than `linger` forgotten, a new one
    started when the newest is `linger / 2` old."""
    looks = [k for k in track.looks if read.at - k.since <= rules.linger]
    if not looks or read.at - looks[-1].since >= rules.linger / 2:
        looks.append(Look(read.at))
    out = []
    for look in looks:
        if rules.zones.of(read.antenna) == OUTER:
            out.append(replace(look, outer=_zone(look.outer, read, rules)))
        else:
            out.append(replace(look, inner=_zone(look.inner, read, rules)))
    return tuple(out)


def fold(track: Track | None, read: Read, rules: Rules) -> tuple[Track | None, Pass | None]:
    """One read of a tag at a door folded into its presence: the presence after it, and the
    pass this read decided (or that the read, coming after a gap, ended), if any."""
    if not counts(read, rules):
        return track, None
    gone = None
    if track is not None and ended(track, read, rules):
        gone, track = close(track, rules), None
    if track is None:
        track = Track(read.start, read.at)
    best = track.best
    if read.rssi is not None:
        best = read.rssi if best is None else max(best, read.rssi)
    looks = track.looks if track.decided else _looks(track, read, rules)
    track = Track(
        min(track.first, read.start), max(track.last, read.at), track.reads + read.count, best,
        looks, track.decided,
    )  # fmt: skip
    if gone is not None:
        return track, gone
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
