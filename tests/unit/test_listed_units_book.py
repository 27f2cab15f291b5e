"""Receiving a notice's listed units at a door, on the gateway's SQLite book and on the floor in
memory alike (gateway/storage/book.py, gateway/storage/memory.py): a unit is received once on
its notice whatever URI or label names it, against its own line, with a GTIN the server knows."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.domain.floor import Item, ListedUnit, Location, NoticeLine, TaggedUnit
from gateway.domain.workflows import decide
from gateway.domain.workflows.common import Outcome
from gateway.storage.book import Book
from gateway.storage.memory import MemoryFloor
from gateway.storage.schema import BOOK, STORE
from gateway.storage.server_copy import apply_sync
from kernel.contract import ScanData, ScanMessage
from kernel.floor_events import Receiving, parse
from kernel.floor_events.reading import Malformed
from server.domain import epcis

QUILT = "06901234567908"
A = "urn:epc:id:sscc:6935208.0123456789"  # one pallet (SSCC 069352081234567894) ...
B = "urn:epc:id:sscc:69352081.023456789"  # ... under another company-prefix split
P1 = "urn:epc:id:sgtin:6901234.056790.P1"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


class Door:
    """Door D01 of a depot with quilts (one GTIN) and notice 3, on the book being tested."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.db = sqlite3.connect(":memory:", isolation_level=None)
        self.memory = MemoryFloor(
            items={"CQ": Item("CQ", "棉被", "Quilt", "床", "pcs", False)},
            gtins={QUILT: "CQ"},
            places={"D01": Location("D01", "DOCK", 1, "dock")},
        )
        if kind == "sqlite":
            self.db.executescript(STORE)
            self.db.executescript(BOOK)
            self.db.execute("INSERT INTO items VALUES ('CQ','棉被','Quilt','床','pcs',0,5,NULL)")
            self.db.execute("INSERT INTO gtins VALUES (?, 'CQ')", (QUILT,))
            self.db.execute("INSERT INTO locations VALUES ('D01','DOCK',1,'dock',1)")
        self.events: list[dict[str, Any]] = []

    def notice(self, notice_id: int, lines: list[tuple[str | None, int]]) -> None:
        if self.kind == "memory":
            self.memory.notices += [
                NoticeLine(notice_id, f"RK-{notice_id}", n, "CQ", batch, qty, 0)
                for n, (batch, qty) in enumerate(lines)
            ]
            return
        self.db.execute(
            "INSERT INTO notices VALUES (?,?,'open',NULL)", (notice_id, f"RK-{notice_id}")
        )
        for n, (batch, qty) in enumerate(lines):
            self.db.execute(
                "INSERT INTO notice_lines VALUES (?,?,'CQ',?,?)", (notice_id, n, batch, qty)
            )

    def close(self, notice_id: int) -> None:
        """The notice closed at the server: the next sync no longer brings it."""
        if self.kind == "memory":
            self.memory.notices = [x for x in self.memory.notices if x.notice_id != notice_id]
            self.memory.listed = [u for u in self.memory.listed if u.notice_id != notice_id]
            return
        self.db.execute("DELETE FROM notice_units WHERE notice_id = ?", (notice_id,))
        self.db.execute("DELETE FROM notices WHERE id = ?", (notice_id,))

    def lists(self, epc: str, notice_id: int, n: int, batch: str, qty: int, **key: str) -> None:
        unit = ListedUnit(epc, notice_id, f"RK-{notice_id}", n, "CQ", batch, qty, **key)
        if self.kind == "memory":
            self.memory.listed.append(unit)
            return
        self.db.execute(
            "INSERT INTO notice_units VALUES (?,?,?,?,?,?,?,?,?,NULL,NULL)",
            (epc, notice_id, n, "CQ", batch, qty, unit.sscc, unit.gtin, unit.serial),
        )

    def book(self) -> Any:
        return self.memory if self.kind == "memory" else Book(self.db, "r")

    def read(self, data: ScanData) -> Outcome:
        scan = ScanMessage(str(uuid.uuid4()), "LC01", "DEV1", 1, "2026-11-24T09:00:00+08:00",
                           "serial", b"x", True, data, door="D01")  # fmt: skip
        if self.kind == "memory":
            self.memory.mark()
        else:
            self.db.execute("SAVEPOINT r")
        outcome = decide(self.book(), scan, 1000.0)
        if self.kind == "sqlite":
            self.db.execute("RELEASE r")
        self.events += [e.to_wire() for e in outcome.events if e.TYPE == "receiving"]
        return outcome

    def tag(self, epc: str) -> str:
        return self.read(ScanData(kind="epc", epc_uri=epc)).answer.text_en

    def received(self) -> dict[tuple[int, int], int]:
        return {(x.notice_id, x.n): x.received for x in self.book().open_notice_lines()}


@pytest.fixture(params=["sqlite", "memory"])
def door(request: pytest.FixtureRequest) -> Iterator[Door]:
    made = Door(request.param)
    yield made
    made.db.close()


def test_one_unit_under_two_uris_is_received_once(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    for epc in (A, B):  # listed twice by the supplier (older notices may have it so)
        door.lists(epc, 3, 0, "B1", 20, sscc="069352081234567894")
    first = door.read(ScanData(kind="gs1", sscc="069352081234567894")).answer.text_en
    assert first.startswith("Received")
    assert "Already received" in door.tag(A) and "Already received" in door.tag(B)
    assert [(e["qty"], e["notice"]) for e in door.events] == [(20, "RK-3")]
    assert door.received() == {(3, 0): 20}


def test_a_label_with_an_sscc_and_a_serial_finds_the_unit_listed_by_its_sgtin(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    sgtin = "urn:epc:id:sgtin:6901234.056790.77"
    door.lists(sgtin, 3, 0, "B1", 10, gtin=QUILT, serial="77")
    label = ScanData(kind="gs1", sscc="069012340000000421", gtin=QUILT, serial="77", batch="B1",
                     qty=10)  # fmt: skip
    assert door.read(label).answer.text_en.startswith("Received")
    assert "Already received" in door.tag(sgtin)
    assert door.received() == {(3, 0): 10}


def test_a_tag_gtin_the_catalogue_does_not_know_gives_the_items_gtin(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    case = "urn:epc:id:sgtin:6901234.156790.5"  # the quilt's case GTIN, not in the catalogue
    door.lists(case, 3, 0, "B1", 10, gtin="16901234567905", serial="5")
    assert door.tag(case).startswith("Received")
    assert [e["gtin"] for e in door.events] == [QUILT]


def test_a_listed_unit_counts_against_its_own_line(door: Door) -> None:
    door.notice(3, [(None, 10), ("B1", 20)])
    for serial in ("1", "2"):
        door.lists(f"urn:epc:id:sgtin:6901234.056790.{serial}", 3, 1, "B1", 10, gtin=QUILT,
                   serial=serial)  # fmt: skip
        door.tag(f"urn:epc:id:sgtin:6901234.056790.{serial}")
    assert door.received() == {(3, 0): 0, (3, 1): 20}
    loose = door.read(ScanData(kind="gs1", gtin=QUILT, batch="C9", qty=10)).answer
    assert loose.beep == "ok" and door.received() == {(3, 0): 10, (3, 1): 20}


def test_a_tag_paired_on_a_handheld_takes_the_listed_goods_when_received(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    epc = "urn:epc:id:sgtin:6901234.056790.9"
    book = door.book()
    book.register_tag(TaggedUnit(epc, "CQ", QUILT, "OLD", 5, "registered", None), 1.0)
    door.lists(epc, 3, 0, "B1", 10, gtin=QUILT, serial="9")
    assert door.tag(epc).startswith("Received")
    assert door.book().tagged(epc) == TaggedUnit(epc, "CQ", QUILT, "B1", 10, "received", None)


def test_a_pallet_sent_out_and_back_on_a_new_notice_is_received_again(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    door.lists(A, 3, 0, "B1", 20, sscc="069352081234567894")
    assert door.tag(A).startswith("Received")
    door.book().tag_loaded(A, "CK-9", 2.0)  # loaded onto an order, gone out
    door.close(3)
    door.notice(4, [("B1", 20)])
    door.lists(B, 4, 0, "B1", 20, sscc="069352081234567894")  # its URI written otherwise now
    assert door.tag(A).startswith("Received")
    assert "Already received" in door.tag(B)
    assert [(e["qty"], e["notice"]) for e in door.events] == [(20, "RK-3"), (20, "RK-4")]
    assert door.received() == {(4, 0): 20}


def test_the_receiving_event_names_the_units_tag(door: Door) -> None:
    door.notice(3, [("B1", 100)])
    door.lists(A, 3, 0, "B1", 20, sscc="069352081234567894")
    door.tag(B)  # the tag read under another split: the event names the listed tag
    door.read(ScanData(kind="gs1", gtin=QUILT, batch="B1", qty=5))  # a loose case: no tag
    assert [e.get("epc") for e in door.events] == [A, None]
    assert "epc" not in door.events[1]  # as older events were


def test_a_rebuilt_gateway_knows_the_units_the_server_says_came() -> None:
    """The sync says which listed units a door received (the server keeps it): a gateway
    whose book was lost does not receive them again."""
    door = Door("sqlite")
    apply_sync(
        door.db,
        {
            "stock": [], "batches": [], "pick_lists": [], "stocktakes": [], "cursor": "c1",
            "inbound_notices": [{
                "id": 3, "number": "RK-3", "status": "open", "expected_on": None,
                "lines": [{"item": "CQ", "batch": "B1", "qty": 40}],
                "units": [
                    {"epc": A, "n": 0, "item": "CQ", "batch": "B1", "qty": 20,
                     "sscc": "069352081234567894", "received": True},
                    {"epc": P1, "n": 0, "item": "CQ", "batch": "B1", "qty": 20, "gtin": QUILT,
                     "serial": "P1", "received": False},
                ],
            }],
        },
        1.0,
    )  # fmt: skip
    assert "Already received" in door.tag(A)
    assert door.tag(P1).startswith("Received")
    assert [e["epc"] for e in door.events] == [P1]


def test_a_receiving_event_tag_is_bounded_and_may_be_absent() -> None:
    base = {"event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": "LC01",
            "location": "D01", "gtin": QUILT, "batch": "B1", "qty": 5}  # fmt: skip
    older = parse(base)
    assert isinstance(older, Receiving) and older.epc is None
    assert parse({**base, "epc": A}).to_wire()["epc"] == A
    with pytest.raises(Malformed) as refused:
        parse({**base, "epc": "urn:epc:id:sscc:" + "1" * 200})
    assert refused.value.reason == "bad_field"
    captured = epcis.floor_event(parse({**base, "epc": A, "notice": "RK-3"}), NOW)
    assert captured is not None and captured.body["epcList"] == [A]
    plain = epcis.floor_event(older, NOW)
    assert plain is not None and "epcList" not in plain.body
