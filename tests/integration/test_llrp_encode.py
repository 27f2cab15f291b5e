"""Encoding a tag through the edge's LLRP reader (sllurp) against the reader simulator: the
AccessSpec writes the EPC, inventory reads the new EPC back, and failures come back with
their reason while inventory goes on."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue

from edge.readers import RawRead, ReaderState
from edge.readers.llrp_encode import EncodeResult, EncodeTimes
from edge.readers.rfid_llrp import LlrpReader, LlrpSettings
from harness.llrp_access import INSUFFICIENT_POWER, MEMORY_OVERRUN, NO_RESPONSE
from harness.llrp_sim import ENABLE_ACCESSSPEC, LlrpSimulator, field_reader
from harness.procs import wait_until

pytestmark = pytest.mark.timeout(60)


def sgtin96(serial: int) -> str:
    return SGTIN(f"urn:epc:id:sgtin:6901234.056789.{serial}").hex(
        filter_value=SGTINFilterValue.POS_ITEM,
        binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
    )


BLANK = "E2801160600002054E3D" + "0000"  # a factory EPC, 96 bits
NEW = sgtin96(2001)
OTHER = sgtin96(2002)


class Station:
    """What the station sees of the reader: its reads and its states."""

    def __init__(self) -> None:
        self.epcs: list[str] = []
        self.states: list[ReaderState] = []
        self._changed = threading.Condition()

    def emit(self, read: RawRead) -> None:
        with self._changed:
            self.epcs.append(read.epc_hex or "")
            self._changed.notify_all()

    def report(self, state: ReaderState) -> None:
        with self._changed:
            self.states.append(state)
            self._changed.notify_all()

    def wait_read(self, epc: str, after: int = 0, timeout: float = 10) -> None:
        with self._changed:
            got = self._changed.wait_for(lambda: epc in self.epcs[after:], timeout)
        assert got, f"{epc} not read; read {set(self.epcs[after:])}"

    def wait_ready(self, timeout: float = 15) -> None:
        with self._changed:
            got = self._changed.wait_for(lambda: any(s.ready for s in self.states), timeout)
        assert got, f"reader not ready: {self.states}"


@pytest.fixture
def sim() -> Iterator[LlrpSimulator]:
    with field_reader(antennas=4) as simulator:
        yield simulator


@contextmanager
def started(
    sim: LlrpSimulator, session: int = 0, write: float = 1.5
) -> Iterator[tuple[LlrpReader, Station]]:
    times = EncodeTimes(response=2.0, write=write, verify=2.0, settle=0.3, find=1.0)
    settings = LlrpSettings(
        "127.0.0.1", sim.port, antennas=(1,), window=0.1, encode_times=times, session=session
    )
    llrp = LlrpReader(settings)
    station = Station()
    llrp.start(station.emit, station.report)
    try:
        station.wait_ready()
        yield llrp, station
    finally:
        llrp.stop()


@pytest.fixture
def reader(sim: LlrpSimulator) -> Iterator[tuple[LlrpReader, Station]]:
    with started(sim) as both:
        yield both


def test_a_tag_is_encoded_and_read_back(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, station = reader
    sim.put_tag(BLANK)
    sim.put_tag(OTHER)
    wait_until(lambda: sim.rounds > 0, 5, "an inventory round")

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified, result.reason) == (True, True, None)
    assert (result.epc, result.previous) == (NEW, BLANK)
    assert sorted(sim.epcs()) == sorted([NEW, OTHER])  # the other tag untouched
    assert sim.access_specs() == {}  # the AccessSpec is gone
    after = len(station.epcs)
    sim.remove_tag(NEW)
    sim.remove_tag(OTHER)
    station.wait_read(NEW, after, timeout=2)
    station.wait_read(OTHER, after, timeout=2)  # inventory goes on
    assert BLANK not in station.epcs[after:]


def test_a_longer_epc_that_begins_with_the_named_one_is_left_alone(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK + "0001")  # 112 bits, its first 96 the named EPC
    sim.put_tag(BLANK)

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified) == (True, True)
    assert sorted(sim.epcs()) == sorted([BLANK + "0001", NEW])


def test_the_one_tag_in_the_field_is_encoded_when_none_is_named(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK)

    result = llrp.encode(None, NEW)

    assert (result.written, result.verified, result.previous) == (True, True, BLANK)
    assert sim.epcs() == [NEW]


def test_a_longer_epc_rewrites_the_pc_length(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, station = reader
    tag = sim.put_tag(BLANK, pc_flags=0x0430)  # UMI and an AFI: kept
    longer = NEW + "0001"  # 112 bits: seven words

    result = llrp.encode(BLANK, longer)

    assert (result.written, result.verified) == (True, True)
    assert tag.bank[1] == 7 << 11 | 0x0430
    sim.remove_tag(longer)
    station.wait_read(longer, timeout=2)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (MEMORY_OVERRUN, "memory_overrun"),
        (INSUFFICIENT_POWER, "insufficient_power"),
        (NO_RESPONSE, "no_response"),
    ],
)
def test_a_failed_write_is_reported_with_its_reason_and_the_tag_is_unchanged(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station], code: int, reason: str
) -> None:
    llrp, station = reader
    sim.put_tag(BLANK)
    sim.fail_next_writes(1, code)

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified, result.reason) == (False, False, reason)
    assert result.words_written == 0
    assert sim.epcs() == [BLANK]
    assert sim.access_specs() == {}
    after = len(station.epcs)
    sim.remove_tag(BLANK)  # carried away: its window closes
    station.wait_read(BLANK, after, timeout=2)  # read as it was


def test_a_write_failing_half_way_says_so_with_the_epc_the_tag_now_holds(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK)
    sim.fail_next_writes(1, INSUFFICIENT_POWER, written=2)  # carried off after two words

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified) == (False, False)
    assert result.reason == "partial_write: insufficient_power"
    assert result.words_written == 2
    assert result.tag_epc == NEW[:8] + BLANK[8:] == sim.epcs()[0]


def test_a_tag_not_in_the_field_is_reported_after_the_timeout(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, station = reader
    sim.put_tag(OTHER)
    wait_until(lambda: sim.rounds > 0, 5, "an inventory round")
    started = time.monotonic()

    result = llrp.encode(BLANK, NEW)

    took = time.monotonic() - started
    assert (result.written, result.verified, result.reason) == (False, False, "no_tag")
    assert 1.5 <= took < 5
    assert sim.epcs() == [OTHER]
    after = len(station.epcs)
    sim.remove_tag(OTHER)
    station.wait_read(OTHER, after, timeout=2)  # inventory went on, and goes on


@pytest.mark.parametrize(
    ("carry_off", "written", "verified", "reason"),
    [
        (False, True, True, ""),  # the reads show it written
        (True, None, False, "write_unconfirmed"),  # neither reported nor read: not known
    ],
)
def test_a_lost_write_result_is_settled_by_the_reads_or_left_unconfirmed(
    sim: LlrpSimulator,
    reader: tuple[LlrpReader, Station],
    carry_off: bool,
    written: bool | None,
    verified: bool,
    reason: str,
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK)
    sim.lose_next_write_report(carry_off)  # the tag is written; the report never arrives

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified) == (written, verified)
    assert (result.reason or "").startswith(reason) and bool(result.reason) == bool(reason)
    assert sim.epcs() == ([] if carry_off else [NEW]) and sim.access_specs() == {}


def test_a_connection_lost_during_an_encode_leaves_it_unconfirmed(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    results: list[EncodeResult] = []
    worker = threading.Thread(target=lambda: results.append(llrp.encode(BLANK, NEW)))
    worker.start()
    wait_until(lambda: list(sim.access_specs().values()) == [True], 5, "the AccessSpec enabled")
    sim.drop_client()  # the reader loses power while it waits for the tag
    worker.join(15)

    (result,) = results
    assert (result.written, result.verified) == (None, False)
    assert (result.reason or "").startswith("write_unconfirmed")


def test_a_lost_answer_to_enable_with_the_access_spec_not_run_is_not_written(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    sim.lose_next_response(ENABLE_ACCESSSPEC)
    sim.put_tag(OTHER)

    result = reader[0].encode(BLANK, NEW)  # not in the field: the AccessSpec never runs

    assert (result.written, result.verified) == (False, False)
    assert result.reason == "reader_silent: no ENABLE_ACCESSSPEC_RESPONSE"
    assert sim.access_specs() == {}  # deleted, which shows it had not run


def test_reads_go_on_while_an_encode_waits(sim: LlrpSimulator) -> None:
    results: list[EncodeResult] = []
    with started(sim, write=30.0) as (llrp, station):  # it waits until its tag comes
        worker = threading.Thread(target=lambda: results.append(llrp.encode(BLANK, NEW)))
        worker.start()
        wait_until(lambda: list(sim.access_specs().values()) == [True], 5, "the encode waiting")
        sim.put_tag(OTHER)  # a pallet passes the portal meanwhile
        rounds = sim.rounds
        wait_until(lambda: sim.rounds >= rounds + 2, 5, "two inventory rounds")
        sim.remove_tag(OTHER)
        station.wait_read(OTHER)
        assert worker.is_alive() and not results  # read while the encode still waited
        sim.put_tag(BLANK)  # the tag to encode comes: the encode ends
        worker.join(15)

    (result,) = results
    assert (result.written, result.verified) == (True, True)


def test_an_epc_another_tag_in_the_field_has_is_not_written_again(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, station = reader
    sim.put_tag(NEW)  # encoded before, still lying by the antenna
    sim.put_tag(BLANK)
    station.wait_read(NEW)

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.reason) == (False, "epc_in_field")
    assert sorted(sim.epcs()) == sorted([BLANK, NEW])


def test_an_encode_is_refused_before_the_reader_is_asked(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK)
    assert llrp.encode(BLANK, "XYZ").reason == "bad_epc"
    assert llrp.encode(BLANK, NEW[:-1]).reason == "bad_epc"
    assert llrp.encode(BLANK, BLANK).reason == "same_epc"
    assert llrp.encode(BLANK, NEW, password=2**32).reason == "bad_password"
    assert sim.epcs() == [BLANK]


def test_an_access_password_is_sent_with_the_write(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK, password=0x1234ABCD)

    wrong = llrp.encode(BLANK, NEW, password=1)
    right = llrp.encode(BLANK, NEW, password=0x1234ABCD)

    assert (wrong.written, wrong.reason) == (False, "tag_error")
    assert (right.written, right.verified) == (True, True)


@pytest.mark.parametrize(("session", "written"), [(0, True), (2, False)])
def test_a_tag_resting_on_the_antenna_is_encoded_in_session_0_only(
    sim: LlrpSimulator, session: int, written: bool
) -> None:
    sim.once_per_entry = True  # sessions 1-3: a resting tag answers once, then keeps quiet
    with started(sim, session) as (llrp, station):
        sim.put_tag(BLANK)
        station.wait_read(BLANK)  # it has answered once

        result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified) == (written, written)
    assert result.reason == (None if written else "no_tag")
    assert sim.epcs() == [NEW if written else BLANK]


def test_an_encode_without_a_reader_answers_at_once() -> None:
    llrp = LlrpReader(LlrpSettings("127.0.0.1", 1))
    assert llrp.encode(BLANK, NEW).reason == "reader_not_ready"


def test_two_tags_with_one_epc_end_with_the_old_epc_still_read(
    sim: LlrpSimulator, reader: tuple[LlrpReader, Station]
) -> None:
    llrp, _ = reader
    sim.put_tag(BLANK)
    sim.put_tag(BLANK)  # two blank tags from one reel

    result = llrp.encode(BLANK, NEW)

    assert (result.written, result.verified, result.reason) == (True, False, "old_epc_still_read")
    assert sorted(sim.epcs()) == sorted([BLANK, NEW])  # one written, once
