"""Unit tests for RFID text lines and the folding of tag reads into messages (edge.decode.rfid)."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from edge.decode.rfid import DEFAULT_RFID_LINE, LineError, TagRead, TagSeen, TagWindow, parse_line
from edge.readers.kinds import Table
from edge.readers.tagging import Folding, folding, seen_read
from kernel.config import ConfigError
from kernel.sighting import rfid_info

LINE = re.compile(DEFAULT_RFID_LINE)
EPC = "E2801160600002054CC2096F"
EPC_2 = "3035A537C8377540000003E9"


# -- parse_line -----------------------------------------------------------------------------


def test_epc_only() -> None:
    assert parse_line(EPC, LINE) == TagRead(EPC, None, None, 0.0)


def test_epc_and_antenna() -> None:
    assert parse_line(f"{EPC},2", LINE) == TagRead(EPC, 2, None, 0.0)


def test_epc_antenna_and_rssi() -> None:
    read = parse_line(f"{EPC},2,-54.5", LINE)
    assert read == TagRead(EPC, 2, -54.5, 0.0)
    assert read.count == 1


def test_integer_rssi() -> None:
    read = parse_line(f"{EPC},1,-61", LINE)
    assert read.rssi == -61.0
    assert isinstance(read.rssi, float)


def test_antenna_zero_is_kept() -> None:
    assert parse_line(f"{EPC},0", LINE).antenna == 0


def test_lower_case_hex_is_upper_cased() -> None:
    assert parse_line(EPC.lower() + ",4", LINE).epc_hex == EPC


@pytest.mark.parametrize(
    "line", [f"  {EPC},2,-54.5", f"{EPC},2,-54.5\r\n", f"\t{EPC},2,-54.5 \n", f"{EPC},2,-54.5\r"]
)
def test_surrounding_whitespace_and_line_endings_are_ignored(line: str) -> None:
    assert parse_line(line, LINE) == TagRead(EPC, 2, -54.5, 0.0)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "E280116",  # shorter than 8 hex digits
        "E2801160600002054CC2096G",  # not hex
        f"{EPC};2",  # wrong separator
        f"{EPC},2,-54.5,9",  # a field too many
        f"{EPC},two",
        f"{EPC},2,strong",
        f"{EPC}, 2",  # space inside the line
        f"EPC:{EPC}",
        "A" * 65,  # longer than 64 hex digits
    ],
)
def test_a_line_that_does_not_match_raises(line: str) -> None:
    with pytest.raises(LineError):
        parse_line(line, LINE)


def test_line_error_is_a_value_error_and_quotes_the_line() -> None:
    with pytest.raises(ValueError, match="NOT-A-TAG"):
        parse_line("NOT-A-TAG", LINE)


def test_a_pattern_without_an_epc_group_raises() -> None:
    pattern = re.compile(r"^(?P<tag>[0-9A-F]+),(?P<antenna>\d+)$")
    with pytest.raises(LineError, match="epc"):
        parse_line(f"{EPC},1", pattern)


def test_a_pattern_without_any_named_group_raises() -> None:
    with pytest.raises(LineError):
        parse_line(EPC, re.compile(r"^[0-9A-F]+$"))


def test_a_custom_pattern_with_other_fields() -> None:
    # e.g. a reader that prints 'ANT=3 EPC=... RSSI=-60.2'
    pattern = re.compile(
        r"^ANT=(?P<antenna>\d+)\s+EPC=(?P<epc>[0-9A-Fa-f]+)\s+RSSI=(?P<rssi>-?\d+(?:\.\d+)?)$"
    )
    assert parse_line(f"ANT=3 EPC={EPC.lower()} RSSI=-60.2", pattern) == TagRead(EPC, 3, -60.2, 0.0)


# -- TagWindow ------------------------------------------------------------------------------


def _read(
    at: float,
    *,
    epc: str = EPC,
    antenna: int | None = 1,
    rssi: float | None = -60.0,
    count: int = 1,
) -> TagRead:
    return TagRead(epc, antenna, rssi, at, count)


def _feed(window: TagWindow, reads: list[TagRead]) -> list[TagSeen]:
    out: list[TagSeen] = []
    for read in reads:
        out.extend(window.add(read))
    return out


def test_reads_within_the_window_fold_into_one() -> None:
    window = TagWindow(window=0.5)
    closed = _feed(
        window,
        [_read(10.0, rssi=-70.0), _read(10.1, rssi=-52.5), _read(10.2, rssi=-64.0)],
    )
    assert closed == []
    # levels: the second-strongest of the last three reads, from the second read on
    levels = ((10.1, -70.0), (10.2, -64.0))
    assert window.flush() == [TagSeen(EPC, 1, -52.5, 3, 10.0, 10.2, 10.1, levels)]


def test_best_rssi_is_the_highest_not_the_last_or_the_first() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0, rssi=-80.0), _read(0.1, rssi=-41.0), _read(0.2, rssi=-90.0)])
    [seen] = window.flush()
    assert seen.rssi == -41.0
    assert seen.peak == 0.1  # when it was read: a portal's direction is the order of peaks


def test_a_tiny_window_publishes_every_read_with_its_own_peak() -> None:
    # A portal telling direction: one message a read, as an LLRP reader reporting every tag.
    window = TagWindow(window=0.001)
    closed = _feed(window, [_read(0.0, rssi=-61.0), _read(0.04, rssi=-55.5), _read(0.09)])
    closed += window.flush()
    assert [(s.rssi, s.peak, s.reads) for s in closed] == [
        (-61.0, 0.0, 1),
        (-55.5, 0.04, 1),
        (-60.0, 0.09, 1),
    ]


def test_rssi_missing_on_some_reads() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0, rssi=None), _read(0.1, rssi=-66.0), _read(0.2, rssi=None)])
    [seen] = window.flush()
    assert seen.rssi == -66.0
    assert seen.reads == 3


def test_rssi_missing_on_every_read() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0, rssi=None), _read(0.1, rssi=None)])
    [seen] = window.flush()
    assert seen.rssi is None
    assert seen.peak is None


def test_a_different_antenna_is_a_separate_message() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0, antenna=1), _read(0.1, antenna=2), _read(0.2, antenna=1)])
    seen = sorted(window.flush(), key=lambda s: s.antenna or 0)
    assert seen == [
        TagSeen(EPC, 1, -60.0, 2, 0.0, 0.2, 0.0, ((0.2, -60.0),)),
        TagSeen(EPC, 2, -60.0, 1, 0.1, 0.1, 0.1),
    ]


def test_no_antenna_is_its_own_key() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0, antenna=None), _read(0.1, antenna=1)])
    assert {s.antenna for s in window.flush()} == {None, 1}


def test_different_tags_are_separate_messages() -> None:
    window = TagWindow()
    _feed(window, [_read(0.0), _read(0.05, epc=EPC_2), _read(0.1)])
    seen = {s.epc_hex: s for s in window.flush()}
    assert seen[EPC].reads == 2
    assert seen[EPC_2].reads == 1


def test_window_closes_when_the_tag_has_not_been_read_for_window_seconds() -> None:
    window = TagWindow(window=0.5)
    _feed(window, [_read(1.0), _read(1.2)])
    assert window.due(1.69) == []  # 0.49 s since the last read
    assert window.due(1.7) == [TagSeen(EPC, 1, -60.0, 2, 1.0, 1.2, 1.0, ((1.2, -60.0),))]
    assert window.due(5.0) == []
    assert window.flush() == []


def test_a_read_of_another_tag_closes_windows_that_are_due() -> None:
    window = TagWindow(window=0.5)
    assert window.add(_read(0.0)) == []
    assert window.add(_read(0.6, epc=EPC_2)) == [TagSeen(EPC, 1, -60.0, 1, 0.0, 0.0, 0.0)]
    assert window.flush() == [TagSeen(EPC_2, 1, -60.0, 1, 0.6, 0.6, 0.6)]


def test_a_read_after_a_gap_starts_a_new_window() -> None:
    # The first window ended at 0.5 s (nothing read for `window` seconds), even if nothing
    # called due() in between: the read at 0.6 s belongs to a new message.
    window = TagWindow(window=0.5)
    assert window.add(_read(0.0, rssi=-50.0)) == []
    assert window.add(_read(0.6, rssi=-70.0)) == [TagSeen(EPC, 1, -50.0, 1, 0.0, 0.0, 0.0)]
    assert window.flush() == [TagSeen(EPC, 1, -70.0, 1, 0.6, 0.6, 0.6)]


def test_a_tag_that_stays_in_view_is_still_reported_after_max_open() -> None:
    window = TagWindow(window=0.5, max_open=5.0)
    # Read every 100 ms for 12 s: never 0.5 s without a read.
    closed = _feed(window, [_read(i / 10) for i in range(121)])
    assert len(closed) == 2
    first, second = closed
    assert first.first == 0.0
    assert first.last - first.first >= 5.0 - 1e-9
    assert first.last - first.first < 5.0 + 0.1 + 1e-9
    assert second.first > first.last
    assert second.last - second.first < 5.0 + 0.1 + 1e-9
    rest = window.flush()
    assert len(rest) == 1
    assert sum(s.reads for s in [*closed, *rest]) == 121


def test_due_closes_a_window_open_for_max_open() -> None:
    window = TagWindow(window=0.5, max_open=2.0)
    _feed(window, [_read(i / 10) for i in range(15)])  # 0.0 .. 1.4
    assert window.due(1.7) == []
    # still being read, but open for 2 s
    _feed(window, [_read(1.5 + i / 10) for i in range(5)])  # 1.5 .. 1.9
    profile = ((0.1, -60.0), (1.9, -60.0))  # a steady level: its first and its last
    assert window.due(2.0) == [TagSeen(EPC, 1, -60.0, 20, 0.0, 1.9, 0.0, profile)]


def test_count_of_a_read_adds_up() -> None:
    # An LLRP report says how often the reader saw the tag (TagSeenCount).
    window = TagWindow()
    _feed(window, [_read(0.0, count=7), _read(0.1, count=3), _read(0.2)])
    [seen] = window.flush()
    assert seen.reads == 11


def test_the_count_of_the_first_read_counts() -> None:
    window = TagWindow()
    window.add(_read(0.0, count=12))
    assert window.flush()[0].reads == 12


def test_flush_returns_everything_open_and_leaves_nothing() -> None:
    window = TagWindow(window=0.5)
    _feed(
        window,
        [_read(0.0), _read(0.1, antenna=2), _read(0.2, epc=EPC_2), _read(0.3, antenna=None)],
    )
    flushed = window.flush()
    assert len(flushed) == 4
    assert {(s.epc_hex, s.antenna) for s in flushed} == {
        (EPC, 1),
        (EPC, 2),
        (EPC_2, 1),
        (EPC, None),
    }
    assert window.flush() == []
    assert window.due(1000.0) == []


def test_flush_on_an_empty_window() -> None:
    assert TagWindow().flush() == []
    assert TagWindow().due(0.0) == []


# -- the profile of a window's smoothed RSSI (what a portal tells direction by) ---------------


def test_a_rise_and_a_fall_survive_the_folding_as_first_peak_and_last_levels() -> None:
    window = TagWindow(window=0.25)
    rssi = [-70.0, -64.0, -58.0, -52.0, -50.0, -56.0, -62.0, -68.0]
    _feed(window, [_read(10.0 + n / 20, rssi=r) for n, r in enumerate(rssi)])
    [seen] = window.flush()
    # each level is the second strongest of the last three reads within 0.3 s
    assert seen.levels == ((10.05, -70.0), (10.2, -52.0), (10.35, -62.0))
    assert seen.rssi == -50.0 and seen.peak == 10.2  # the best read is still the best read


def test_a_stray_strong_read_makes_no_peak_of_the_level() -> None:
    window = TagWindow(window=0.25)
    rssi = [-60.0, -61.0, -35.0, -60.0, -61.0, -60.0]  # a reflection, alone
    _feed(window, [_read(n / 20, rssi=r) for n, r in enumerate(rssi)])
    [seen] = window.flush()
    assert max(level for _, level in seen.levels) == -60.0
    assert seen.rssi == -35.0  # the message's best read is still the read itself


def test_a_fade_that_comes_back_keeps_its_low_and_the_recovery() -> None:
    window = TagWindow(window=0.25)
    rssi = [-50.0, -50.0, -60.0, -61.0, -60.0, -50.0, -50.0, -51.0]
    _feed(window, [_read(n / 20, rssi=r) for n, r in enumerate(rssi)])
    [seen] = window.flush()
    assert [level for _, level in seen.levels] == [-50.0, -60.0, -50.0]


def test_one_read_or_reads_without_rssi_have_no_profile() -> None:
    window = TagWindow(window=0.25)
    _feed(window, [_read(0.0, antenna=1), _read(0.0, antenna=2, rssi=None), _read(0.1, rssi=None)])
    assert [s.levels for s in window.flush()] == [(), ()]


def test_the_message_carries_the_profile_in_milliseconds_after_its_first_read() -> None:
    seen = TagSeen(EPC, 1, -50.0, 8, 1000.0, 1000.4, 1000.2,
                   ((1000.05, -70.04), (1000.2, -52.0), (1000.4, -62.0)))  # fmt: skip
    info = seen_read(seen).rfid
    assert info is not None and info.levels == ((50, -70.0), (200, -52.0), (400, -62.0))
    assert [round(at, 3) for at, _ in info.profile()] == [1000.05, 1000.2, 1000.4]
    assert seen_read(replace(seen, levels=())).rfid.levels is None  # type: ignore[union-attr]


def test_a_read_reported_out_of_order_keeps_first_peak_last_in_order() -> None:
    window = TagWindow(window=0.25)
    _feed(window, [_read(10.1, rssi=-60.0), _read(10.0, rssi=-50.0), _read(10.2, rssi=-61.0)])
    [seen] = window.flush()
    assert seen.first <= (seen.peak or 0) <= seen.last
    assert (seen.first, seen.peak, seen.last) == (10.0, 10.0, 10.2)
    info = seen_read(seen).rfid
    assert info is not None and all(ms >= 0 for ms, _ in info.levels or ())


def test_a_read_reported_late_takes_its_place_in_the_profile() -> None:
    rssi = [-66.0, -58.0, -50.0, -48.0, -52.0, -58.0, -62.0, -66.0]
    reads = [_read(n / 20, rssi=r) for n, r in enumerate(rssi)]
    in_order, late = TagWindow(window=0.25), TagWindow(window=0.25)
    _feed(in_order, reads)
    _feed(late, reads[:3] + reads[4:6] + reads[3:4] + reads[6:])  # the peak reported late
    assert late.flush()[0].levels == in_order.flush()[0].levels


def test_every_profile_the_station_writes_is_one_the_gateway_takes() -> None:
    """Whatever the moments (rounded to the millisecond as the message writes them), the
    profile's offsets stay within first_seen..last_seen."""
    rng = random.Random(11)

    def moment(lo: float, hi: float) -> float:  # on half microseconds: rounding's edge
        return round(rng.uniform(lo, hi) * 2_000_000) / 2_000_000

    for _ in range(20_000):
        first = moment(1_764_000_000, 1_765_000_000)
        ats = sorted(moment(first, first + 0.6) for _ in range(rng.randint(1, 3)))
        levels = tuple((at, -50.0) for at in ats)
        seen = TagSeen(EPC, 1, -50.0, 4, first, ats[-1], ats[0], levels)
        info = seen_read(seen).rfid
        assert info is not None
        doc = {"rfid": info.to_dict(), "ts": info.last_seen}
        assert rfid_info("rfid", doc["rfid"], doc["ts"]).levels == info.levels


@pytest.mark.parametrize(
    ("settings", "error"),
    [
        ({"window": -0.1}, "window must be 0 to 5 seconds"),
        ({"window": "fast"}, "window must be 0 to 5 seconds"),
        ({"report_every": 0.1}, "report_every must be 0.5 to 60 seconds"),
        ({"window": 2.0, "report_every": 1.0}, "report_every must be at least the window"),
    ],
)
def test_a_reader_s_folding_is_checked_where_it_is_read(
    settings: dict[str, object], error: str
) -> None:
    with pytest.raises(ConfigError, match=f"device\\[1\\].{error}"):
        folding(Table(settings, "device[1]"))


def test_a_portal_s_folding_is_a_quarter_second_reported_every_second() -> None:
    assert folding(Table({"window": 0.25, "report_every": 1})) == Folding(0.25, 1.0)
    assert folding(Table({})) == Folding(0.5, 5.0)  # a door without zones, as before
