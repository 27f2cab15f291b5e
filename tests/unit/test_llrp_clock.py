"""An LLRP reader's reads timed by the reader's own moments (LastSeenTimestampUTC), on the
station's clock (edge.readers.rfid_llrp.ReaderClock): the reports' delays do not reorder or
bunch the reads a portal tells direction from."""

from __future__ import annotations

import itertools
import random

from edge.readers.rfid_llrp import ReaderClock, tag_reads

EPC = b"3034257BF7194E4000001A85"
SKEW = 990.0  # the reader's clock, never set, counts from its start, this long ago


def report(moment: float, antenna: int) -> dict[str, object]:
    micros = int((moment - SKEW) * 1e6)
    return {"EPC-96": EPC, "AntennaID": antenna, "PeakRSSI": -50, "LastSeenTimestampUTC": micros}


def test_reads_received_late_and_in_bunches_keep_the_reader_s_spacing() -> None:
    rng = random.Random(5)
    clock = ReaderClock()
    moments = [1000.0 + n * 0.05 for n in range(40)]  # a read every 50 ms
    timed = []
    for n, moment in enumerate(moments):
        received = moment + 0.002 + (0.3 if n % 7 == 3 else rng.uniform(0, 0.1))  # delays
        timed += [r.at for r in tag_reads([report(moment, 1 + n % 4)], received, clock)]
    settled = timed[10:]  # the first reads of a session teach the clocks' difference
    assert settled == sorted(settled)  # not reordered by the delays
    steps = [b - a for a, b in itertools.pairwise(settled)]
    assert all(abs(step - 0.05) < 0.01 for step in steps)  # the reader's spacing
    assert all(t <= m + 0.4 for t, m in zip(timed, moments, strict=True))  # on the station's clock


def test_a_read_without_the_reader_s_moment_is_timed_at_receipt() -> None:
    clock = ReaderClock()
    (read,) = tag_reads([{"EPC-96": EPC, "AntennaID": 1, "PeakRSSI": -50}], 77.0, clock)
    assert read.at == 77.0


def test_a_reader_clock_set_anew_is_followed() -> None:
    clock = ReaderClock()
    assert clock.at(int((10.0 - SKEW) * 1e6), 10.01) == 10.01
    assert clock.at(int(20.0e6), 20.02) == 20.02  # the clock was set: lag jumps, start again
    assert abs(clock.at(int(20.05e6), 20.2) - 20.07) < 1e-6
