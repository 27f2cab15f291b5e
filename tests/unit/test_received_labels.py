"""Labels at receiving: a unit received at a door by its goods label gets the depot's logistic
label where the door has a printer (the workflow over the floor in memory), queued in the
read's transaction with its SSCC taken, and its tag registered once the printer-encoder
reports it written (the book on SQLite)."""

from __future__ import annotations

import time
from pathlib import Path

from unit.test_floor_workflows import DOOR, QUILT, Hands, depot

from edge.decode.epc import decode_epc
from gateway.domain.floor import Item, LabelWanted, ListedUnit
from gateway.domain.labels import epc_uri, sscc_epc
from gateway.storage import print_queue, received_labels
from gateway.storage.book import Book
from gateway.storage.received_labels import NONE, PRINTER, DoorPrinter, ReceivingLabels
from gateway.storage.store import GatewayStore
from kernel.contract import ScanData

QUILTS = Item("CQ-0001", "棉被", "Quilt", "床", "pcs", False)


def test_a_unit_received_by_its_label_at_a_door_with_a_printer_gets_a_label() -> None:
    hands = Hands(depot())
    hands.floor.printers = {"D01": ""}
    answer = hands.goods(DOOR, QUILT, "2026Q1", 10, door="D01")
    assert answer.result == "ok"
    assert answer.text_zh == "已收货：棉被 批次 2026Q1，10 床。标签打印中"
    assert answer.text_en == "Received Quilt batch 2026Q1, 10 pcs. Label on its way"
    (wanted,) = hands.floor.labels
    assert (wanted.door, wanted.item.code, wanted.batch, wanted.qty) == ("D01", "CQ-0001",
                                                                       "2026Q1", 10)  # fmt: skip


def test_the_answer_says_the_label_waits_while_the_printer_is_in_trouble() -> None:
    hands = Hands(depot())
    hands.floor.printers = {"D01": "paper_out"}
    answer = hands.goods(DOOR, QUILT, "2026Q1", 10, door="D01")
    assert answer.text_en.endswith(". Label waits: printer out of paper: load labels")
    assert answer.text_zh.endswith("。标签待打印：打印机缺纸，请装纸")


def test_no_label_without_a_printer_at_the_door_nor_for_a_refused_read() -> None:
    hands = Hands(depot())
    hands.floor.printers = {"D02": ""}
    assert hands.goods(DOOR, QUILT, "2026Q1", 10, door="D01").text_en.endswith("10 pcs")
    hands.floor.printers = {"D01": ""}
    assert hands.goods(DOOR, "06901234567939", "X1", 5, door="D01").result == "refused"
    assert hands.floor.labels == []


def test_a_unit_that_came_with_its_suppliers_tag_keeps_it() -> None:
    floor = depot()
    floor.printers = {"D01": ""}
    epc = "urn:epc:id:sscc:6901234.0000000077"
    floor.listed = [
        ListedUnit(epc, 3, "RK-2026-003", 1, "CQ-0001", "2026Q1", 10, "069012340000000777",
                   QUILT, None, None, None)
    ]  # fmt: skip
    hands = Hands(floor)
    answer = hands.read(DOOR, ScanData(kind="gs1", sscc="069012340000000777"), door="D01")
    assert answer.result == "ok" and "Label" not in answer.text_en
    assert floor.labels == [] and floor.tags[epc].state == "received"


PLAN = ReceivingLabels("6901234", 3, {"D01": DoorPrinter("P-D01", PRINTER), "D02":
                       DoorPrinter("P-D02", NONE)}, "LC01")  # fmt: skip


def wanted(door: str = "D01", batch: str = "2026Q1") -> LabelWanted:
    return LabelWanted(door, QUILTS, QUILT, batch, 10, "2026-09-01", None, "read-1")


def test_a_labels_tag_is_known_by_the_uri_a_station_reports_it_under() -> None:
    epc = sscc_epc("369012340000000017", "6901234")
    assert epc_uri(epc) == decode_epc(epc).data.epc_uri == "urn:epc:id:sscc:6901234.3000000001"


def test_the_book_queues_the_label_and_registers_its_tag_once_written(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.db", time.time)
    with store.transaction() as db:
        note = received_labels.queue(db, PLAN, wanted(), 1.0)
        assert note is not None and note.sscc == "369012340000000017" and note.zh == ""
        assert received_labels.queue(db, PLAN, wanted("D03"), 1.0) is None  # no printer there
        plain = received_labels.queue(db, PLAN, wanted("D02"), 1.0)
        assert plain is not None and plain.sscc == "369012340000000024"
        first, second = print_queue.jobs(db)
        assert first.label.epc_hex == sscc_epc(first.label.sscc, "6901234")
        assert second.label.epc_hex is None  # the door's printer encodes nothing
        book = Book(db)
        received_labels.printed(db, book, first, 2.0)
        received_labels.printed(db, book, first, 3.0)  # printed again: registered once
        received_labels.printed(db, book, second, 2.0)
        uri = epc_uri(sscc_epc(first.label.sscc, "6901234"))
        tagged = book.tagged(uri)
        assert tagged is not None and (tagged.item, tagged.state) == ("CQ-0001", "received")
        assert db.execute("SELECT count(*) FROM units").fetchone() == (1,)
        print_queue.kept(db, first.id, "paper_out")
        late = received_labels.queue(db, PLAN, wanted(), 4.0)
        assert late is not None and late.en == "printer out of paper: load labels"
        refused = received_labels.queue(db, PLAN, wanted(batch="(bad)"), 4.0)
        assert refused is not None and refused.sscc is None and "batch" in refused.en
        assert [j.label.sscc[8:17] for j in print_queue.jobs(db)] == [
            "000000001", "000000002", "000000003",
        ]  # fmt: skip
    store.close()
