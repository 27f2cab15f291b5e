"""Which way a tag went through a portal (gateway.domain.direction): recorded-style sequences
of single reads (an LLRP reader reporting every read, with its RSSI), properties and examples."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.decode.rfid import TagRead as TagReadAtStation
from edge.decode.rfid import TagSeen, TagWindow
from gateway.domain.direction import IN, OUT, Read, Rules, Zones, fold, passes
from gateway.domain.smoothing import Rules as SmoothingRules
from gateway.domain.smoothing import Smoother, StationClock, TagRead, tag_read
from kernel.contract import RfidInfo, ScanData, ScanMessage
from siteconfig.kinds import PORTAL_REPORT_EVERY, PORTAL_WINDOW

ZONES = Zones(outer=frozenset({1, 2}), inner=frozenset({3, 4}))
RULES = Rules(ZONES, window=2.0, rssi_floor=-70.0, min_reads=2)
SENSITIVITY = -78.0  # the reader hears nothing weaker


def zone_reads(
    rng: random.Random, antennas: tuple[int, ...], peak_at: float, peak: float, slope: float
) -> list[Read]:
    """One zone's reads while a tag goes by: RSSI falls `slope` dB a second either side of
    its peak, with ±2 dB of noise; one read every 20-80 ms, each on one of the zone's
    antennas, as long as the reader hears the tag."""
    reach = (peak - SENSITIVITY) / slope
    reads, at = [], peak_at - reach
    while at < peak_at + reach:
        rssi = peak - slope * abs(at - peak_at) + rng.uniform(-2, 2)
        if rssi >= SENSITIVITY:
            reads.append(Read(rng.choice(antennas), round(rssi, 1), round(at, 3)))
        at += rng.uniform(0.02, 0.08)
    return reads


@st.composite
def a_pass(draw: st.DrawFn, direction: str = IN, start: float | None = None) -> list[Read]:
    """A pallet carried through the door (IN: dock side first), with a few stray reads (a
    reflection, a tag read through the wall: strong, alone) on any antenna."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    t0 = draw(st.floats(0, 1000)) if start is None else start
    gap = draw(st.floats(1.0, 3.0))
    first, second = ((1, 2), (3, 4)) if direction == IN else ((3, 4), (1, 2))
    reads = zone_reads(rng, first, t0, draw(st.floats(-50, -35)), draw(st.floats(10, 25)))
    reads += zone_reads(rng, second, t0 + gap, draw(st.floats(-50, -35)), draw(st.floats(10, 25)))
    strays = draw(st.lists(st.floats(-2, gap + 2), max_size=3, unique=True))
    for n, offset in enumerate(sorted(strays)):
        at = t0 + offset + n * 0.5  # at least half a second apart
        reads.append(Read(draw(st.sampled_from([1, 2, 3, 4])), draw(st.floats(-40, -25)), at))
    return sorted(reads, key=lambda r: r.at)


@st.composite
def lingering(draw: st.DrawFn) -> list[Read]:
    """A pallet parked near the door, from a few seconds to a minute: read on one or both
    zones at a steady strength, with noise, and now and then a fade (a forklift crossing
    the beam: 7-12 dB down on one antenna or a whole side for up to a second)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    antennas = draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=4, unique=True))
    levels = {a: draw(st.floats(-62, -40)) for a in antennas}
    start, seconds = draw(st.floats(0, 1000)), draw(st.floats(3, 60))
    fading = draw(st.floats(0, 0.03))  # chance a read starts a fade
    reads, at, fades = [], start, {a: (0.0, 0.0) for a in antennas}
    while at < start + seconds:
        if rng.random() < fading:
            side = rng.choice([[1, 2], [3, 4], [rng.choice(antennas)]])
            for a in side:
                fades[a] = (at + rng.uniform(0.2, 1.0), rng.uniform(7, 12))
        antenna = rng.choice(antennas)
        until, depth = fades.get(antenna, (0.0, 0.0))
        fade = depth if until > at else 0.0
        reads.append(Read(antenna, round(levels[antenna] - fade + rng.uniform(-2, 2), 1), at))
        at += rng.uniform(0.02, 0.3)
    return reads


def reversed_in_time(reads: list[Read]) -> list[Read]:
    end = max(r.at for r in reads)
    return [replace(r, at=round(end - r.at, 3)) for r in reversed(reads)]


@settings(max_examples=200)
@given(a_pass(IN))
def test_a_pass_from_the_dock_side_is_in(reads: list[Read]) -> None:
    assert [p.direction for p in passes(reads, RULES)] == [IN]


@settings(max_examples=200)
@given(a_pass(OUT))
def test_a_pass_from_the_warehouse_side_is_out(reads: list[Read]) -> None:
    assert [p.direction for p in passes(reads, RULES)] == [OUT]


@given(a_pass(IN))
def test_the_same_pass_played_backwards_goes_the_other_way(reads: list[Read]) -> None:
    forwards = [p.direction for p in passes(reads, RULES)]
    backwards = [p.direction for p in passes(reversed_in_time(reads), RULES)]
    assert (forwards, backwards) == ([IN], [OUT])


@settings(max_examples=300)
@given(lingering())
def test_a_tag_standing_near_the_door_goes_nowhere(reads: list[Read]) -> None:
    assert passes(reads, RULES) == []


@given(
    a_pass(IN),
    st.sampled_from([(1, 2), (3, 4)]),
    st.lists(st.tuples(st.floats(-40, -25), st.floats(0, 6)), max_size=3),
)
def test_a_tag_read_on_one_zone_with_reflections_on_the_other_goes_nowhere(
    reads: list[Read], zone: tuple[int, ...], strays: list[tuple[float, float]]
) -> None:
    """Carried along one side of the portal: the other side hears a reflection now and then
    (strong, alone, at least half a second apart), never a pass."""
    first = min(r.at for r in reads)
    other = 3 if zone == (1, 2) else 1
    one_side = [r for r in reads if r.antenna in zone]
    echoes = [Read(other, rssi, first + n * 0.5 + at) for n, (rssi, at) in enumerate(strays)]
    echoes = [e for n, e in enumerate(echoes) if all(abs(e.at - o.at) >= 0.5 for o in echoes[:n])]
    assert passes(sorted(one_side + echoes, key=lambda r: r.at), RULES) == []


@given(st.one_of(a_pass(IN), a_pass(OUT)))
def test_a_pass_at_the_next_door_heard_through_the_wall_goes_nowhere(reads: list[Read]) -> None:
    """The same pass heard through the wall by the next door's portal, 30 dB weaker: its
    few reads over the RSSI floor never rise and fall enough to be a pass."""
    through = [replace(r, rssi=r.rssi - 30) for r in reads if r.rssi is not None]
    assert passes(through, RULES) == []


@st.composite
def trips(draw: st.DrawFn) -> tuple[list[str], list[Read]]:
    """The same pallet through the door several times, each time leaving for longer than the
    window (a forklift's round trips)."""
    directions = draw(st.lists(st.sampled_from([IN, OUT]), min_size=1, max_size=4))
    reads: list[Read] = []
    start = 0.0
    for direction in directions:
        trip = draw(a_pass(direction, start=start))
        reads += trip
        # the next trip's first reads come up to 5 s before its outer peak
        start = max(r.at for r in trip) + RULES.window + 5.0 + draw(st.floats(0.1, 30))
    return directions, reads


@given(trips())
def test_every_pass_counts_once(trip: tuple[list[str], list[Read]]) -> None:
    directions, reads = trip
    assert [p.direction for p in passes(reads, RULES)] == directions


@given(
    st.lists(
        st.tuples(st.floats(0, 0.5), st.sampled_from([None, 1, 2, 3, 4, 5]), st.floats(-90, -20)),
        max_size=300,
    )
)
def test_no_presence_is_decided_twice_whatever_the_reads(
    steps: list[tuple[float, int | None, float]],
) -> None:
    reads, at = [], 0.0
    for dt, antenna, rssi in steps:
        at += dt * 10 if dt > 0.45 else dt  # now and then a gap longer than the window
        reads.append(Read(antenna, rssi, at))
    presences = 1 + sum(b.at - a.at > RULES.window for a, b in itertools.pairwise(reads))
    decided = passes(reads, RULES)
    assert len(decided) <= presences
    assert all(a.last < b.first for a, b in itertools.pairwise(decided))


def through_station_windows(reads: list[Read], window: float, levels: bool = True) -> list[Read]:
    """The reads as a station publishes them with its `window` (edge.decode.rfid.TagWindow):
    one message per antenna and window, its count of reads, its best RSSI, and the profile
    of its smoothed RSSI, timed as the gateway times it (smoothing.tag_read: at its last read
    with a profile, else at its peak); without the profile (`levels=False`) as a station
    before profiles published it."""
    station = TagWindow(window=window)
    seen = [s for r in reads for s in station.add(TagReadAtStation("E2", r.antenna, r.rssi, r.at))]
    seen += station.flush()
    out = []
    for s in seen:
        if levels and s.levels:
            out.append(Read(s.antenna, s.rssi, s.last, s.reads, s.levels, s.first))
        else:
            out.append(Read(s.antenna, s.rssi, s.peak if s.peak is not None else s.last, s.reads))
    return sorted(out, key=lambda r: r.at)


@given(st.sampled_from([IN, OUT]).flatmap(lambda d: st.tuples(st.just(d), a_pass(d))))
def test_a_pass_as_a_portal_s_station_publishes_it_goes_the_same_way(
    case: tuple[str, list[Read]],
) -> None:
    direction, reads = case
    assert [p.direction for p in passes(through_station_windows(reads, PORTAL_WINDOW), RULES)] == [
        direction
    ]


@given(st.sampled_from([IN, OUT]).flatmap(lambda d: st.tuples(st.just(d), a_pass(d))))
def test_a_pass_from_a_station_before_profiles_goes_the_same_way(
    case: tuple[str, list[Read]],
) -> None:
    """A station that publishes (nearly) every read, with no profile (a 0.05 s window)."""
    direction, reads = case
    published = through_station_windows(reads, 0.05, levels=False)
    assert [p.direction for p in passes(published, RULES)] == [direction]


@settings(max_examples=300)
@given(lingering(), st.sampled_from([0.05, PORTAL_WINDOW, 0.5]))
def test_a_tag_standing_near_the_door_goes_nowhere_through_the_station_s_windows(
    reads: list[Read], window: float
) -> None:
    assert passes(through_station_windows(reads, window), RULES) == []


# -- examples --------------------------------------------------------------------------------

# A recorded pass out through door D02 (inner antennas 3 and 4, outer 1 and 2), one read a
# report: (antenna, RSSI dBm, seconds).
OUT_THROUGH_D02 = [
    (3, -66.0, 0.00), (4, -63.5, 0.04), (3, -60.0, 0.09), (3, -57.5, 0.15), (4, -52.0, 0.21),
    (3, -49.5, 0.27), (1, -71.5, 0.30), (3, -46.0, 0.33), (4, -44.5, 0.38), (3, -43.0, 0.44),
    (4, -44.0, 0.50), (1, -66.0, 0.55), (3, -47.5, 0.57), (2, -31.0, 0.60),  # a reflection
    (4, -51.0, 0.66), (3, -55.5, 0.72), (1, -61.0, 0.78), (2, -57.5, 0.85), (3, -61.0, 0.88),
    (1, -53.0, 0.93), (2, -49.0, 1.00), (1, -46.5, 1.06), (2, -44.0, 1.12), (1, -45.0, 1.18),
    (2, -47.0, 1.24), (1, -51.5, 1.31), (2, -55.0, 1.37), (1, -59.0, 1.44), (2, -64.5, 1.52),
    (1, -63.0, 1.58), (2, -66.0, 1.63), (1, -67.5, 1.70),
]  # fmt: skip


def recorded(rows: list[tuple[int, float, float]], start: float = 500.0) -> list[Read]:
    return [Read(antenna, rssi, start + at) for antenna, rssi, at in rows]


def test_a_recorded_pass_out_is_out_and_decided_while_the_pallet_moves_away() -> None:
    (decided,) = passes(recorded(OUT_THROUGH_D02), RULES)
    assert decided.direction == OUT
    # Decided at the read that took the last of both outer antennas 6 dB under its peak (at
    # 1.70 s), the pallet still in the portal's reach (before the presence ends, 2 s on):
    # of the reads until then, one is under the floor.
    assert decided.at == 500.0 + 1.70
    assert decided.reads == len(OUT_THROUGH_D02) - 1
    assert decided.best == -31.0


def test_the_online_fold_decides_on_the_read_that_passes() -> None:
    track = None
    answers = []
    for read in recorded(OUT_THROUGH_D02):
        track, decided = fold(track, read, RULES)
        answers.append(decided)
    (when,) = [n for n, d in enumerate(answers) if d is not None]
    assert OUT_THROUGH_D02[when][0] in (1, 2) and answers[when].direction == OUT  # type: ignore[union-attr]


def test_peaks_too_close_together_decide_nothing() -> None:
    rows = [(1 if n % 2 else 3, -40.0 - abs(n - 10) * 2.5, n * 0.05) for n in range(21)]
    assert passes(recorded(rows), RULES) == []


def test_a_pallet_carried_in_stopped_for_a_minute_and_taken_away_is_not_counted() -> None:
    pallet = recorded(OUT_THROUGH_D02)  # starts like a pass, then stands at the outer side
    standing = [Read(1, -47.0 + (n % 3), 501.6 + n * 0.1) for n in range(600)]
    assert passes(pallet[:-8] + standing, RULES) == []


def test_a_pallet_staged_on_the_dock_and_later_carried_in_is_in() -> None:
    rng = random.Random(7)
    staged = [
        Read(1 + n % 2, round(-55 + rng.uniform(-2, 2), 1), 100 + n * 0.1) for n in range(250)
    ]
    carried = zone_reads(rng, (1, 2), 125.5, -40.0, 15) + zone_reads(rng, (3, 4), 127.0, -40.0, 15)
    reads = sorted(staged + [r for r in carried if r.at > 125.0], key=lambda r: r.at)
    assert [p.direction for p in passes(reads, RULES)] == [IN]


def test_reads_without_rssi_decide_nothing() -> None:
    reads = [replace(r, rssi=None) for r in recorded(OUT_THROUGH_D02)]
    assert passes(reads, RULES) == []


# -- the gateway's Smoother at a door with zones ---------------------------------------------

PALLET = "urn:epc:id:sgtin:6901234.056789.1001"
DOOR_RULES = SmoothingRules(window=2.0, rssi_floor=-70.0, min_reads=2)
ZONED = SmoothingRules(window=2.0, rssi_floor=-70.0, min_reads=2, zones=ZONES)


def portal_reads(door: str, rows: list[tuple[int, float, float]]) -> list[TagRead]:
    return [TagRead(door, PALLET, 500.0 + at, rssi, 1, antenna) for antenna, rssi, at in rows]


def test_a_door_with_zones_sees_a_pass_once_with_its_direction() -> None:
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    out = [smoother.observe(r) for r in portal_reads("D02", OUT_THROUGH_D02)]
    (seen,) = [s for s in out if s is not None]
    assert (seen.door, seen.epc, seen.direction) == ("D02", PALLET, OUT)
    # the same pallet brought back in ten seconds later: the pass played backwards
    back = sorted(((a, rssi, 12.0 - at) for a, rssi, at in OUT_THROUGH_D02), key=lambda r: r[2])
    again = [smoother.observe(r) for r in portal_reads("D02", back)]
    assert [s.direction for s in again if s is not None] == [IN]


def test_a_door_with_zones_ignores_a_tag_parked_by_it_and_others_are_as_before() -> None:
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    parked = [(1 + n % 2, -48.0 - n % 3, n * 0.2) for n in range(300)]  # a minute at the door
    assert all(smoother.observe(r) is None for r in portal_reads("D02", parked))
    (seen,) = [s for s in map(smoother.observe, portal_reads("D01", parked)) if s]
    assert seen.direction is None  # a door without zones: seen once, as it always was


def test_a_zoned_door_times_reads_by_the_station_s_peak_not_the_gateway() -> None:
    scan = ScanMessage(
        "0190f000-0000-7000-8000-000000000001", "LC01", "LC01-D02-RFID1", 1,
        "2026-11-23T09:14:03.500+08:00", "rfid", b"x", True,
        ScanData(kind="epc", epc_uri=PALLET), door="D02",
        rfid=RfidInfo(3, -51.0, 1, last_seen="2026-11-23T09:14:03.400+08:00",
                      peak_seen="2026-11-23T09:14:03.250+08:00"),
    )  # fmt: skip
    peak = datetime.fromisoformat("2026-11-23T09:14:03.250+08:00").timestamp()
    assert tag_read(scan, PALLET, 7.0, zoned=True) == TagRead("D02", PALLET, peak, -51.0, 1, 3)
    assert tag_read(scan, PALLET, 7.0, zoned=False) == TagRead("D02", PALLET, 7.0, -51.0, 1, 3)
    older = replace(scan, rfid=RfidInfo(3, -51.0, 1))  # from a station before peak_seen
    stamp = datetime.fromisoformat(scan.ts).timestamp()
    assert tag_read(older, PALLET, 7.0, zoned=True) == TagRead("D02", PALLET, stamp, -51.0, 1, 3)


def online(reads: list[Read], smoother: Smoother | None = None) -> list[str | None]:
    """The gateway's results for one tag's reads at door D02, read by read, each received
    as it was made, the presences that ended swept as the gateway's loop does."""
    smoother = smoother or Smoother(DOOR_RULES, {"D02": ZONED})
    out = []
    for read in reads:
        out += [e.seen.direction for e in smoother.sweep(read.at)]
        seen = smoother.observe(
            TagRead("D02", PALLET, read.at, read.rssi, read.count, read.antenna)
        )
        out += [] if seen is None else [seen.direction]
    return out + [e.seen.direction for e in smoother.sweep(float("inf"))]


@given(st.one_of(trips().map(lambda t: t[1]), a_pass(IN), a_pass(OUT), lingering()))
def test_the_gateway_read_by_read_decides_what_the_whole_sequence_does(reads: list[Read]) -> None:
    assert online(reads) == [p.direction for p in passes(reads, RULES)]


def test_a_pallet_carried_out_into_a_truck_that_hides_it_at_its_peak_is_out() -> None:
    """The outer antennas lose the tag 0.2 s after their peak (the truck's metal body): the
    presence is decided when it ends, without another read of the tag."""
    ok = 0
    for seed in range(50):
        rng = random.Random(seed)
        inner = zone_reads(rng, (3, 4), 100.0, -45.0, 15)
        outer = [r for r in zone_reads(rng, (1, 2), 101.5, -45.0, 15) if r.at <= 101.7]
        ok += online(sorted(inner + outer, key=lambda r: r.at)) == [OUT]
    assert ok == 50


def test_a_presence_that_ended_is_never_decided_on_a_later_read() -> None:
    rng = random.Random(3)
    inner = zone_reads(rng, (3, 4), 100.0, -45.0, 15)
    outer = [r for r in zone_reads(rng, (1, 2), 101.5, -45.0, 15) if r.at <= 101.7]
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    for r in sorted(inner + outer, key=lambda r: r.at):
        smoother.observe(TagRead("D02", PALLET, r.at, r.rssi, r.count, r.antenna))
    assert smoother.observe(TagRead("D02", PALLET, 3600.0, -50.0, 1, 1)) is None  # an hour on
    (ended,) = smoother.sweep(3600.0)
    last = max(r.at for r in inner + outer if r.rssi is not None and r.rssi >= RULES.rssi_floor)
    assert (ended.seen.direction, ended.seen.last) == (OUT, last)
    assert list(smoother.tracks) == [("D02", PALLET)]  # the new presence, alone


def test_the_smoothing_put_back_decides_the_same_pass_again() -> None:
    """A group's transaction failed: the doors' smoothing goes back to before the group, so
    the reads taken again one by one decide the pass they decided the first time."""
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    before = smoother.state()
    first = [smoother.observe(r) for r in portal_reads("D02", OUT_THROUGH_D02)]
    smoother.restore(before)
    again = [smoother.observe(r) for r in portal_reads("D02", OUT_THROUGH_D02)]
    assert [s.direction for s in first if s] == [s.direction for s in again if s] == [OUT]


def dwelling(rng: random.Random, dwell: float, gap: float = 1.5) -> list[Read]:
    """A pass in (outer peak at 100 s, inner `gap` later, 15 dB/s, ±2 dB) read by a reader
    that dwells `dwell` seconds on each antenna in turn (1, 2, 3, 4), a read every 20-60 ms
    while it does: each antenna hears the tag in bursts, then not for three dwells."""
    reads, at, turn = [], 97.0, 0
    while at < 100.0 + gap + 3:
        antenna, end = (1, 2, 3, 4)[turn % 4], at + dwell
        while at < end:
            peak_at = 100.0 if antenna in (1, 2) else 100.0 + gap
            rssi = -45.0 - 15.0 * abs(at - peak_at) + rng.uniform(-2, 2)
            if rssi >= SENSITIVITY:
                reads.append(Read(antenna, round(rssi, 1), round(at, 4)))
            at += rng.uniform(0.02, 0.06)
        turn += 1
    return reads


def test_a_reader_dwelling_on_each_antenna_tells_direction() -> None:
    """Through the portal station's own window (TagWindow, with its profile): a door whose
    reader dwells 100-150 ms an antenna sees each pass; a station that sends every read
    without a profile needs the gateway's longer span (1 s, configuration.md)."""
    for dwell in (0.1, 0.15):
        for seed in range(40):
            pass_ = dwelling(random.Random(seed), dwell)
            reads = through_station_windows(pass_, PORTAL_WINDOW)
            assert [p.direction for p in passes(reads, RULES)] == [IN], (dwell, seed)
            reads = through_station_windows(pass_, 0.05, levels=False)
            rules = replace(RULES, span=1.0)
            assert [p.direction for p in passes(reads, rules)] == [IN], (dwell, seed)


def test_a_station_falling_behind_its_reader_has_every_pass_decided_once() -> None:
    """Twenty pallets carried in one after another, published with profiles by a station
    that falls behind its reader: it sends a message every 0.3 s however fast they are made,
    so its backlog grows and a pallet's messages reach the gateway seconds apart. The sweep
    ends presences on the station's clock (its newest message), so no presence is cut short
    while its reads are still on their way."""
    rng = random.Random(7)
    pallets = []
    for n in range(20):
        t0 = 100.0 + 0.8 * n
        reads = zone_reads(rng, (1, 2), t0, -45.0, 15.0)
        reads += zone_reads(rng, (3, 4), t0 + 1.5, -45.0, 15.0)
        pallets += [(r, f"E2{n:04}") for r in reads]
    station = TagWindow(window=PORTAL_WINDOW)
    messages = []
    for read, epc in sorted(pallets, key=lambda p: p[0].at):
        made = station.add(TagReadAtStation(epc, read.antenna, read.rssi, read.at))
        messages += [(read.at, seen) for seen in made]
    messages += [(seen.last + PORTAL_WINDOW, seen) for seen in station.flush()]
    came, arrivals = 0.0, []
    for made_at, seen in sorted(messages, key=lambda m: m[0]):
        came = max(made_at, came) + 0.3  # the gateway's clock, its own as the station's
        arrivals.append((came, seen))
    assert arrivals[-1][0] - messages[-1][0] > 30  # half a minute behind by the end
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    decided: list[tuple[str, str | None]] = []
    for came, seen in arrivals:
        decided += [(e.seen.epc, e.seen.direction) for e in smoother.sweep(came)]
        read = TagRead("D02", seen.epc_hex, seen.last, seen.rssi, seen.reads, seen.antenna,
                       seen.levels, seen.first)  # fmt: skip
        found = smoother.observe(read, came)
        decided += [] if found is None else [(found.epc, found.direction)]
    decided += [(e.seen.epc, e.seen.direction) for e in smoother.sweep(float("inf"))]
    assert sorted(decided) == [(f"E2{n:04}", IN) for n in range(20)]


def live(reads: list[Read], report_every: float = PORTAL_REPORT_EVERY) -> list[str | None]:
    """One tag's reads through a portal's station (its window, ticking four times a window,
    reporting a tag still read every `report_every` seconds) and the gateway (sweeping four
    times a second): the directions it answers, each message taken as it is made."""
    station = TagWindow(window=PORTAL_WINDOW, max_open=report_every)
    tick, t = PORTAL_WINDOW / 4, reads[0].at
    made: list[tuple[float, TagSeen]] = []
    for r in reads:
        while t + tick < r.at:
            t += tick
            made += [(t, s) for s in station.due(t)]
        made += [(r.at, s) for s in station.add(TagReadAtStation("E2", r.antenna, r.rssi, r.at))]
    made += [(t + PORTAL_WINDOW, s) for s in station.flush()]
    smoother, swept, out = Smoother(DOOR_RULES, {"D02": ZONED}), reads[0].at, []
    for came, s in made:
        while swept + 0.25 < came:
            swept += 0.25
            out += [e.seen.direction for e in smoother.sweep(swept)]
        found = smoother.observe(
            TagRead("D02", "E2", s.last, s.rssi, s.reads, s.antenna, s.levels, s.first), came
        )
        out += [] if found is None else [found.direction]
    return out + [e.seen.direction for e in smoother.sweep(swept + 100)]


@pytest.mark.parametrize("slope", [15.0, 8.0, 6.0])
def test_a_slow_pass_read_all_along_is_decided_once(slope: float) -> None:
    """A pallet moved slowly through (its zones' peaks 3 s apart, read all the while): the
    station reports it every second, so the gateway never takes it for gone mid-pass; a
    station reporting only every 5 s lets the presence end in the middle."""
    decided, cut = 0, 0
    for seed in range(20):
        rng = random.Random(seed)
        reads = zone_reads(rng, (1,), 100.0, -45.0, slope) + zone_reads(
            rng, (3,), 103.0, -45.0, slope
        )
        reads.sort(key=lambda r: r.at)
        decided += live(reads) == [IN]
        cut += live(reads, report_every=5.0) != [IN]
    assert decided == 20
    if slope == 15.0:  # the presence cut short that reporting every second is there for
        assert cut > 0


def test_one_read_stamped_ahead_ends_no_presence_early() -> None:
    """A message stamped five minutes ahead (a station's clock glitch) moves the station's
    clock on, but a presence still ends only once the gateway too has heard nothing of it
    for the window."""
    rng = random.Random(5)
    reads = zone_reads(rng, (1, 2), 1000.0, -45.0, 15.0)
    reads += zone_reads(rng, (3, 4), 1001.5, -45.0, 15.0)
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    smoother.observe(TagRead("D02", "OTHER", 1290.0, -50.0, 1, 1), 990.0)
    out = []
    for r in sorted(reads, key=lambda r: r.at):
        out += [e.seen.direction for e in smoother.sweep(r.at) if e.seen.epc == PALLET]
        seen = smoother.observe(TagRead("D02", PALLET, r.at, r.rssi, 1, r.antenna), r.at)
        out += [] if seen is None else [seen.direction]
    assert out + [e.seen.direction for e in smoother.sweep(2000.0)] == [IN]


def test_a_zoned_door_takes_a_message_s_profile_on_the_station_s_clock() -> None:
    first = "2026-11-23T09:14:03.000+08:00"
    profile = ((50, -60.0), (200, -45.0), (400, -58.0))
    rfid = RfidInfo(3, -44.0, 7, first, "2026-11-23T09:14:03.400+08:00",
                    "2026-11-23T09:14:03.200+08:00", profile)  # fmt: skip
    scan = ScanMessage(
        "0190f000-0000-7000-8000-000000000002", "LC01", "LC01-D02-RFID1", 1,
        "2026-11-23T09:14:03.700+08:00", "rfid", b"x", True,
        ScanData(kind="epc", epc_uri=PALLET), door="D02", rfid=rfid,
    )  # fmt: skip
    start = datetime.fromisoformat(first).timestamp()
    read = tag_read(scan, PALLET, 7.0, zoned=True)
    assert read is not None and (read.at, read.since) == (start + 0.4, start)
    assert [(round(at - start, 3), dbm) for at, dbm in read.levels] == [
        (0.05, -60.0), (0.2, -45.0), (0.4, -58.0)
    ]  # fmt: skip
    unzoned = tag_read(scan, PALLET, 7.0, zoned=False)
    assert unzoned == TagRead("D02", PALLET, 7.0, -44.0, 7, 3)  # timed by the gateway


def test_a_station_clock_set_back_is_followed_not_held_ahead() -> None:
    """The station's clock is set back ten minutes (a time server's correction): its reads
    are older than the newest it sent, and the gateway's idea of its clock follows them."""
    smoother = Smoother(DOOR_RULES, {"D02": ZONED})
    smoother.observe(TagRead("D02", "OTHER", 1600.0, -50.0, 1, 1), 100.0)
    smoother.observe(TagRead("D02", PALLET, 1000.0, -50.0, 1, 1), 101.0)
    assert smoother.clocks["D02"].now(102.0) == 1001.0
    smoother.observe(TagRead("D02", PALLET, 995.0, -50.0, 1, 1), 103.0)  # late, not set back
    assert smoother.clocks["D02"] == StationClock(1000.0, 101.0)
