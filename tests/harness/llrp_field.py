"""The simulated reader's field: tags that stand in front of it, inventoried on demand or
every few hundredths of a second, and written by the client's AccessSpecs; and the tag
reports the reader sends (LLRP 1.0.1 TagReportData)."""

from __future__ import annotations

import itertools
import logging
import struct
import threading
import time
from collections.abc import Callable

from harness.llrp_access import AccessSpecs, Tag
from harness.llrp_params import (
    SEL_ACCESS_SPEC_ID,
    SEL_ANTENNA,
    SEL_CHANNEL,
    SEL_FIRST_SEEN,
    SEL_IPS_ID,
    SEL_LAST_SEEN,
    SEL_PEAK_RSSI,
    SEL_ROSPEC_ID,
    SEL_SEEN_COUNT,
    SEL_SPEC_INDEX,
    ROSpec,
)
from harness.llrp_wire import message, tlv, tv

log = logging.getLogger(__name__)
RO_ACCESS_REPORT = 61


class TagField:
    """Part of LlrpSimulator: what it holds is set up there."""

    access: AccessSpecs
    rounds: int
    _field_lock: threading.Lock
    _rospecs: dict[int, ROSpec]
    _inventory: threading.Event
    _stopping: threading.Event
    _ids: itertools.count[int]
    _first_seen: dict[tuple[str, int], int]
    _inventory_thread: threading.Thread | None
    _lost_writes: list[bool]
    once_per_entry: bool  # a tag answers once per entry into the field unless in session 0
    _answered: set[int]  # the tags (id) that have answered since they came

    _send: Callable[[bytes], None]  # the simulator's: one LLRP message to its client

    def put_tag(self, epc_hex: str, password: int = 0, pc_flags: int = 0) -> Tag:
        """A tag comes into the field, with this EPC (and PC length), access password and
        the PC word's other bits (10-0: UMI, XI, T, the AFI or NSI)."""
        tag = Tag.with_epc(epc_hex, password)
        tag.bank[1] |= pc_flags & 0x07FF
        with self._field_lock:
            self.access.tags.append(tag)
        return tag

    def remove_tag(self, epc_hex: str) -> None:
        with self._field_lock:
            gone = [t for t in self.access.tags if t.epc_hex == epc_hex.upper()]
            self.access.tags = [t for t in self.access.tags if t not in gone]
            self._answered -= {id(t) for t in gone}

    def epcs(self) -> list[str]:
        with self._field_lock:
            return [t.epc_hex for t in self.access.tags]

    def fail_next_writes(self, count: int, result: int, written: int = 0) -> None:
        """The next `count` write OpSpecs end with this C1G2WriteOpSpecResult code, each
        after writing its first `written` words (a tag carried off half-way)."""
        with self._field_lock:
            self.access.failures = [(result, written)] * count

    def lose_next_write_report(self, carry_off: bool = False) -> None:
        """The next write happens but its tag report is lost (the connection dropping at that
        moment); with `carry_off` the tag also leaves the field right after it."""
        with self._field_lock:
            self._lost_writes.append(carry_off)

    def access_specs(self) -> dict[int, bool]:
        """The AccessSpecs the client holds on the reader: id -> enabled."""
        with self._field_lock:
            return {i: s.enabled for i, s in self.access.specs.items()}

    def inventory(self, antenna: int = 1, rssi: int = -50) -> None:
        """One inventory round over the field: an RO_ACCESS_REPORT with every tag, each one
        that an enabled AccessSpec selects written first and reported with its OpSpecResults
        (under the EPC it answered with). Nothing is sent when no tag is in the field."""
        active = [r for r in list(self._rospecs.values()) if r.state == "active"]
        if not self._inventory.is_set() or not active:
            raise RuntimeError("no client is running inventory on the simulated reader")
        with self._field_lock:
            parts = []
            for tag in list(self.access.tags):
                if self.once_per_entry and active[0].session != 0:
                    if id(tag) in self._answered:
                        continue  # its session flag stays B while it rests here: silent
                    self._answered.add(id(tag))
                epc = tag.epc_hex
                access = self.access.run(tag, antenna)
                if access and self._lost_writes:
                    if self._lost_writes.pop(0):
                        self.access.tags.remove(tag)
                        self._answered.discard(id(tag))
                    continue  # written; the report saying so is lost
                if access and not active[0].selector & SEL_ACCESS_SPEC_ID:
                    access = access[1:]  # the AccessSpecID only when the client asked for it
                report = self._tag_report_data(
                    active[0], epc, antenna, rssi, 1, access, tag.bank[1]
                )
                parts.append(report)
        if parts:
            self._send(message(RO_ACCESS_REPORT, next(self._ids), b"".join(parts)))
            self.rounds += 1

    def run_inventory(self, every: float = 0.05) -> None:
        """Inventory rounds every `every` seconds while a client runs inventory, until stop()."""

        def rounds() -> None:
            while not self._stopping.wait(every):
                if self._inventory.is_set():
                    try:
                        self.inventory()
                    except RuntimeError as exc:  # the client went between check and send
                        log.debug("inventory round skipped: %s", exc)

        self._inventory_thread = threading.Thread(target=rounds, name="llrp-sim-field", daemon=True)
        self._inventory_thread.start()

    def _tag_report_data(
        self,
        rospec: ROSpec,
        epc: str,
        antenna: int,
        rssi: int,
        count: int,
        access: list[bytes] | None = None,
        pc: int | None = None,
    ) -> bytes:
        epc_bytes = bytes.fromhex(epc)
        now = time.time_ns() // 1000  # UTC microseconds
        first = self._first_seen.setdefault((epc.upper(), antenna), now)
        if len(epc_bytes) == 12:
            params = [tv(13, "12s", epc_bytes)]  # EPC-96
        else:  # EPCData: bit count, then the bits
            params = [tlv(241, struct.pack("!H", len(epc_bytes) * 8), epc_bytes)]
        fields = (
            (SEL_ROSPEC_ID, 9, "I", rospec.rospec_id),
            (SEL_SPEC_INDEX, 14, "H", 1),
            (SEL_IPS_ID, 10, "H", 1),
            (SEL_ANTENNA, 1, "H", antenna),
            (SEL_PEAK_RSSI, 6, "b", rssi),
            (SEL_CHANNEL, 7, "H", 1),
            (SEL_FIRST_SEEN, 2, "Q", first),
            (SEL_LAST_SEEN, 4, "Q", now),
            (SEL_SEEN_COUNT, 8, "H", count),
        )
        params += [tv(t, fmt, v) for bit, t, fmt, v in fields if rospec.selector & bit]
        if rospec.pc_bits:  # C1G2PC: the tag's PC word (its length bits alone when not given)
            params.append(tv(12, "H", len(epc_bytes) // 2 << 11 if pc is None else pc))
        return tlv(240, *params, *(access or []))
