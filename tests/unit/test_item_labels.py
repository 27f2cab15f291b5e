"""Units counted by item: each one trade item, its label under (01) with its serial and no
count, its tag the SGTIN-96 of its GTIN and serial: the supplier's serial where the item has
one SGTIN-96 holds, else one of the depot's, from the unit's SSCC (never a second identity
for an item with a serial of its own: its tag carries the SSCC-96 instead)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from unit.test_floor_workflows import DOOR, QUILT, TENT, Hands, depot
from unit.test_received_labels import PLAN, QUILTS

from edge.decode.epc import decode_epc
from gateway.domain.floor import LabelWanted
from gateway.domain.labels import (
    LabelRefused,
    UnitsToLabel,
    depot_item_serial,
    elements,
    epc_key,
    epc_uri,
    sscc,
    symbols,
    tag_epc,
    unit_labels,
)
from gateway.domain.zpl import ZplSetup, label_zpl
from gateway.storage import print_queue, received_labels
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from harness.zpl import parse, sample_label
from kernel.contract import ScanData

PREFIX = "6901234"
GTIN = sample_label().gtin14


def test_items_get_their_own_depot_serials_and_sgtin_tags() -> None:
    goods = sample_label(0)
    labels = unit_labels(UnitsToLabel(3, goods, encode=True, by_item=True), PREFIX, 3, 7)
    assert [x.serial for x in labels] == ["3000000007", "3000000008", "3000000009"]
    assert all(x.trade_item and x.qty == 1 for x in labels)
    keys = [epc_key(x.epc_hex or "") for x in labels]
    assert [(k.gtin, k.serial) for k in keys] == [(GTIN, x.serial) for x in labels]
    assert epc_uri(labels[0].epc_hex or "") == decode_epc(labels[0].epc_hex or "").data.epc_uri
    assert depot_item_serial(sscc("690123", 9, 9_999_999_999), "690123") == "99999999999"


def test_an_items_label_carries_its_gtin_serial_and_batch_and_no_count() -> None:
    (label,) = unit_labels(UnitsToLabel(1, sample_label(0), by_item=True), PREFIX, 3, 7)
    content, unit = symbols(label)
    assert content.startswith(f"01{GTIN}213000000007\x1d10")
    assert "37" not in dict(elements(label)[0]) and unit.startswith(f"00{label.sscc}")
    (form,) = parse(label_zpl(replace(label, epc_hex=tag_epc(label, PREFIX)), ZplSetup(rfid=True)))
    scanned = form.scans[0]  # the label read back by the station's decoder
    assert (scanned.gtin, scanned.serial, scanned.qty) == (GTIN, "3000000007", None)
    assert epc_key(form.epc_written or "").serial == "3000000007"


@pytest.mark.parametrize(
    ("serial", "sgtin"),
    [("123456", True), ("0123", False), ("A-7", False), ("274877906944", False)],
)
def test_a_suppliers_serial_is_kept_on_the_tag_where_sgtin96_holds_it(
    serial: str, sgtin: bool
) -> None:
    goods = replace(sample_label(0), serial=serial)
    (label,) = unit_labels(UnitsToLabel(1, goods, encode=True, by_item=True), PREFIX, 3, 7)
    assert label.serial == serial  # the item's own, on its label
    key = epc_key(label.epc_hex or "")
    assert (key.gtin, key.serial) == (GTIN, serial) if sgtin else key.sscc == label.sscc
    with pytest.raises(LabelRefused):  # one serial, one item
        unit_labels(UnitsToLabel(2, goods, by_item=True), PREFIX, 3, 7)


def test_a_serialised_item_is_received_as_one_and_gets_an_item_label() -> None:
    hands = Hands(depot())
    hands.floor.printers = {"D01": ""}
    item = ScanData(kind="gs1", gtin=QUILT, batch="2026Q1", serial="55501")
    answer = hands.read(DOOR, item, door="D01")
    assert answer.result == "ok" and answer.text_en.startswith("Received Quilt batch 2026Q1, 1 ")
    (wanted,) = hands.floor.labels
    assert (wanted.qty, wanted.serial) == (1, "55501")
    again = hands.read(DOOR, item, door="D01")  # the same item scanned again
    assert again.result == "ok" and again.text_en == "Already received: serial 55501"
    assert len(hands.floor.labels) == 1 and len(hands.sent) == 1
    no_count = ScanData(kind="gs1", gtin=QUILT, batch="2026Q1")  # neither count nor serial
    assert hands.read(DOOR, no_count, door="D01").result == "refused"


def test_the_book_encodes_a_received_items_sgtin_and_registers_it(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.db", time.time)
    wanted = LabelWanted("D01", QUILTS, QUILT, "2026Q1", 1, None, None, "read-1", "55501")
    with store.transaction() as db:
        note = received_labels.queue(db, PLAN, wanted, 1.0)
        assert note is not None and note.sscc is not None
        (job,) = print_queue.jobs(db)
        received_labels.printed(db, Book(db), job, 2.0)
        unit = Book(db).tagged(f"urn:epc:id:sgtin:{QUILT[1:8]}.{QUILT[0]}{QUILT[8:13]}.55501")
        assert unit is not None and (unit.item, unit.qty, unit.state) == ("CQ-0001", 1, "received")
    store.close()


SUPPLIER_GTIN = "06912345000017"  # under a supplier's 7-digit prefix, 6912345


def test_the_depot_numbers_no_other_owners_items_and_guesses_no_split() -> None:
    goods = replace(sample_label(0), gtin=SUPPLIER_GTIN)
    (unit,) = unit_labels(UnitsToLabel(1, goods, encode=True, by_item=True), PREFIX, 3, 7)
    assert (unit.trade_item, unit.serial, unit.qty) == (False, None, 1)  # a logistic unit of one
    assert symbols(unit)[0].startswith(f"02{SUPPLIER_GTIN}371\x1d10")
    assert epc_key(unit.epc_hex or "").sscc == unit.sscc
    own = replace(goods, serial="8812")  # the item's own serial, from its supplier's label
    (unknown,) = unit_labels(UnitsToLabel(1, own, encode=True, by_item=True), PREFIX, 3, 8)
    assert unknown.serial == "8812" and epc_key(unknown.epc_hex or "").sscc == unknown.sscc
    known = ("691234567", "6912345")  # the supplier's prefix named: its split, its URI
    (tagged,) = unit_labels(UnitsToLabel(1, own, encode=True, by_item=True), PREFIX, 3, 9, known)
    assert epc_uri(tagged.epc_hex or "") == "urn:epc:id:sgtin:6912345.000001.8812"


def test_a_long_serial_and_batch_that_fit_no_symbol_are_refused() -> None:
    goods = replace(sample_label(0), serial="AB12CD34EF56GH78IJ90", batch="B" * 20)
    with pytest.raises(LabelRefused, match="would not fit"):
        elements(replace(goods, trade_item=True))


def test_an_item_loaded_out_is_received_again_when_it_comes_back() -> None:
    hands = Hands(depot())
    hands.floor.items_in.add((TENT, "S1"))
    door = "LC01-D02-FIX1"
    hands.cmd(door, "LOAD:101", door="D02")
    item = ScanData(kind="gs1", gtin=TENT, batch="2019A01", serial="S1")
    loaded = hands.read(door, item, door="D02")
    assert loaded.result == "ok" and loaded.text_en.startswith("Loaded batch 2019A01, 1 ")
    assert hands.floor.items_in == set()


def test_the_book_knows_a_received_item_until_it_leaves(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.db", time.time)
    with store.transaction() as db:
        book = Book(db)
        assert not book.item_received(QUILT, "55501")
        book.note_item_received(QUILT, "55501", 1.0)
        assert book.item_received(QUILT, "55501") and not book.item_received(QUILT, "55502")
        book.note_item_left(QUILT, "55501")
        assert not book.item_received(QUILT, "55501")
    store.close()
