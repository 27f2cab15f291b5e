"""Pallets carried through a door's RFID portal, as the door's reader hears them: each pallet
passes in PASS_S seconds, half of it in each zone, its tag read `per_zone` times on each
side with its RSSI rising and falling (outer, dock side, antenna 1; inner, warehouse side,
antenna 2), the reader reporting every TICK seconds through the LLRP simulator."""

from __future__ import annotations

import time

from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue

from harness.llrp_sim import LlrpSimulator

OUTER, INNER = 1, 2
TICK = 0.05  # the reader reports every 50 ms
PASS_S = 1.0  # a pallet's pass through the portal
IN, OUT = "in", "out"


def sgtin_uri(gtin: str, serial: int | str) -> str:
    """The pure identity of a supplier's SGTIN tag on a unit of `gtin` (a 7-digit prefix)."""
    return f"urn:epc:id:sgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{serial}"


def sgtin96(uri: str) -> str:
    """The EPC bank (hex) of an SGTIN-96 tag the supplier encoded with `uri`."""
    return str(
        SGTIN(uri).hex(
            filter_value=SGTINFilterValue.POS_ITEM,
            binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
        )
    ).upper()


def pass_reads(per_zone: int, direction: str = IN) -> list[tuple[int, int, int]]:
    """(tick after entering, antenna, RSSI dBm) of one pallet's pass: the first zone's reads
    (outer coming in, inner going out) rise and fall in the first half, the other's in the
    second."""
    ticks = int(PASS_S / TICK)
    half = ticks // 2
    first, second = (OUTER, INNER) if direction == IN else (INNER, OUTER)
    out = []
    for zone, antenna in ((0, first), (1, second)):
        for k in range(per_zone):
            at = zone * half + 1 + k * (half - 2) // max(1, per_zone - 1)
            middle = (per_zone - 1) / 2
            out.append((at, antenna, int(-46 - 5 * abs(k - middle) ** 1.5)))
    return sorted(out)


class Truck:
    """Drives a simulated reader: `rate` pallets a second enter the portal, one after
    another, each passing in PASS_S. The reader's reports are paced by its own clock (a tick
    every TICK seconds), as a reader in the field makes them."""

    def __init__(self, reader: LlrpSimulator, rate: float, per_zone: int) -> None:
        self.reader = reader
        self.rate = rate  # pallets a second
        self.per_zone = per_zone
        self.reads = 0
        self.late_ticks = 0  # reports made over a tick late (the machine too busy)

    def carry(self, epcs: list[str], direction: str = IN) -> float:
        """Every pallet through the portal (EPC bank hex); the seconds it took."""
        shape = pass_reads(self.per_zone, direction)
        schedule: dict[int, list[tuple[str, int, int, int]]] = {}
        for n, epc in enumerate(epcs):
            enters = int(n / self.rate / TICK)
            for after, antenna, rssi in shape:
                schedule.setdefault(enters + after, []).append((epc, antenna, rssi, 1))
        begin = time.perf_counter()
        for tick in range(max(schedule) + 1):
            delay = begin + tick * TICK - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # the reader's own pace, not a wait for a result
            elif delay < -TICK:
                self.late_ticks += 1
            batch = schedule.get(tick)
            if batch:
                self.reader.report(batch)
                self.reads += len(batch)
        return time.perf_counter() - begin
