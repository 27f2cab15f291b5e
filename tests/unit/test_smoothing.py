"""RFID smoothing at the doors (gateway.domain.smoothing): recorded-style sequences, properties."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.smoothing import Rules, Smoother, TagRead, smooth

RULES = Rules(window=2.0, rssi_floor=-70.0, min_reads=2)
PALLET = "urn:epc:id:sgtin:6901234.056789.1001"
NEIGHBOUR = "urn:epc:id:sgtin:6901234.056789.2002"


def portal_pass(epc: str, door: str, start: float, seconds: float, rssi: float) -> list[TagRead]:
    """What a four-antenna portal reports while a forklift carries a pallet through."""
    rng = random.Random(f"{epc}@{start}")
    reads, at = [], start
    while at < start + seconds:
        reads.append(TagRead(door, epc, at, rssi + rng.uniform(-6, 6), rng.randint(1, 4)))
        at += rng.uniform(0.05, 0.3)
    return reads


def test_a_pallet_through_the_portal_is_seen_once() -> None:
    seen = smooth(portal_pass(PALLET, "D01", 100.0, 3.0, -52.0), RULES)
    assert len(seen) == 1
    assert (seen[0].door, seen[0].epc, seen[0].first) == ("D01", PALLET, 100.0)
    assert seen[0].reads >= RULES.min_reads and seen[0].best_rssi is not None


def test_a_tag_at_the_next_door_read_through_the_wall_is_not_seen() -> None:
    through_wall = portal_pass(NEIGHBOUR, "D01", 100.0, 5.0, -82.0)  # weak, however often
    passing = portal_pass(PALLET, "D01", 101.0, 2.0, -50.0)
    reads = sorted(through_wall + passing, key=lambda r: r.at)
    assert [s.epc for s in smooth(reads, RULES)] == [PALLET]


def test_a_single_stray_read_is_not_enough() -> None:
    assert smooth([TagRead("D01", PALLET, 5.0, -40.0)], RULES) == []
    assert len(smooth([TagRead("D01", PALLET, 5.0, -40.0, reads=2)], RULES)) == 1


def test_the_same_pallet_back_after_a_gap_is_seen_again_and_each_door_on_its_own() -> None:
    reads = (
        portal_pass(PALLET, "D01", 0.0, 2.0, -50.0)
        + portal_pass(PALLET, "D01", 10.0, 2.0, -50.0)
        + portal_pass(PALLET, "D02", 11.0, 2.0, -50.0)
    )
    seen = smooth(sorted(reads, key=lambda r: r.at), RULES)
    assert [(s.door, round(s.first)) for s in seen] == [("D01", 0), ("D01", 10), ("D02", 11)]


def test_readers_without_rssi_are_judged_by_count() -> None:
    reads = [TagRead("D01", PALLET, t / 10) for t in range(5)]
    assert len(smooth(reads, RULES)) == 1


def test_a_door_can_have_its_own_rules() -> None:
    smoother = Smoother(RULES, {"D03": Rules(rssi_floor=-60.0)})
    assert smoother.observe(TagRead("D01", PALLET, 0.0, -65.0, 2)) is not None
    assert smoother.observe(TagRead("D03", PALLET, 0.0, -65.0, 2)) is None


reads = st.lists(
    st.builds(
        TagRead,
        door=st.sampled_from(["D01", "D02"]),
        epc=st.sampled_from([PALLET, NEIGHBOUR, "urn:epc:id:sscc:6901234.0000000001"]),
        at=st.floats(0, 60, allow_nan=False),
        rssi=st.one_of(st.none(), st.floats(-95, -30, allow_nan=False)),
        reads=st.integers(1, 5),
    ),
    max_size=80,
).map(lambda rs: sorted(rs, key=lambda r: r.at))
rules = st.builds(
    Rules,
    window=st.floats(0.5, 5),
    rssi_floor=st.floats(-90, -40),
    min_reads=st.integers(1, 6),
)


@given(reads, rules)
def test_whatever_is_seen_met_the_rules(sequence: list[TagRead], r: Rules) -> None:
    for seen in smooth(sequence, r):
        assert seen.reads >= r.min_reads
        assert seen.best_rssi is None or seen.best_rssi >= r.rssi_floor
        assert seen.first <= seen.last


@given(reads, rules)
def test_one_seen_per_presence_at_most(sequence: list[TagRead], r: Rules) -> None:
    seen = smooth(sequence, r)
    for door, epc in {(x.door, x.epc) for x in sequence}:
        times = [x.at for x in sequence if (x.door, x.epc) == (door, epc)]
        presences = 1 + sum(1 for a, b in itertools.pairwise(times) if b - a > r.window)
        assert sum(1 for s in seen if (s.door, s.epc) == (door, epc)) <= presences


@given(reads, rules)
def test_a_tag_never_strong_enough_is_never_seen(sequence: list[TagRead], r: Rules) -> None:
    weak = {
        (x.door, x.epc)
        for x in sequence
        if all(
            y.rssi is not None and y.rssi < r.rssi_floor
            for y in sequence
            if (y.door, y.epc) == (x.door, x.epc)
        )
    }
    assert not any((s.door, s.epc) in weak for s in smooth(sequence, r))


@given(reads, rules)
def test_the_running_smoother_sees_what_the_fold_sees(sequence: list[TagRead], r: Rules) -> None:
    smoother = Smoother(r)
    running = [s for s in (smoother.observe(x) for x in sequence) if s is not None]
    assert running == smooth(sequence, r)
