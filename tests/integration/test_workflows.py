"""The floor workflows against the gateway's real SQLite book, read by read.

The book is loaded with a sync answer shaped as the server sends it; each test then plays the
operator's scans through take_read (gateway/services/reads.py) with the workflows' decide, and
checks what the operator hears and what goes to the server.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from edge.decode import decode_barcode
from gateway.domain.phone_orders import Caller, Line, PhoneOrder
from gateway.domain.smoothing import Rules, Smoother
from gateway.domain.workflows import decide
from gateway.domain.workflows.common import event_id_for
from gateway.services.floor_pages import User, grant_override
from gateway.services.reads import take_read
from gateway.storage import phone_orders, server_copy
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel import depot_time
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage

TENT, QUILT, COAT = "06901234567892", "06901234567908", "06901234567915"


def sync_answer() -> dict[str, Any]:
    locations = [
        {"id": 1, "code": "D01", "zone": "DOCK", "walk_order": 1, "kind": "dock"},
        {"id": 2, "code": "D02", "zone": "DOCK", "walk_order": 2, "kind": "dock"},
        {"id": 10, "code": "A-01-01", "zone": "A", "walk_order": 10, "kind": "storage"},
        {"id": 11, "code": "A-01-02", "zone": "A", "walk_order": 11, "kind": "storage"},
        {"id": 12, "code": "A-01-03", "zone": "A", "walk_order": 12, "kind": "storage"},
        {"id": 13, "code": "A-01-04", "zone": "A", "walk_order": 13, "kind": "storage"},
        {"id": 14, "code": "A-01-05", "zone": "A", "walk_order": 14, "kind": "storage"},
        {"id": 20, "code": "B-01-01", "zone": "B", "walk_order": 20, "kind": "storage"},
    ]
    batches = [
        {
            "id": 100,
            "item_code": "ZS-0001",
            "batch_no": "2019A01",
            "prod_date": "2019-01-10",
            "inbound_date": "2019-03-01",
            "reinspected_on": None,
        },
        {
            "id": 101,
            "item_code": "ZS-0001",
            "batch_no": "2021B02",
            "prod_date": "2021-02-10",
            "inbound_date": "2021-04-01",
            "reinspected_on": None,
        },
        {
            "id": 103,
            "item_code": "ZS-0001",
            "batch_no": "2022C03",
            "prod_date": "2022-01-10",
            "inbound_date": "2022-03-01",
            "reinspected_on": None,
        },
        {
            "id": 102,
            "item_code": "CQ-0001",
            "batch_no": "2020C01",
            "prod_date": "2020-03-01",
            "inbound_date": "2020-05-01",
            "reinspected_on": None,
        },
    ]
    stock = [
        {"location_id": 10, "batch_id": 100, "status": "reserved", "qty": 20},
        {"location_id": 11, "batch_id": 101, "status": "available", "qty": 30},
        {"location_id": 11, "batch_id": 101, "status": "reserved", "qty": 10},
        {"location_id": 20, "batch_id": 102, "status": "available", "qty": 50},
        {"location_id": 14, "batch_id": 103, "status": "available", "qty": 30},
    ]
    return {
        "cursor": "c1",
        "full": True,
        "warehouse": "LC01",
        "items": [
            {
                "code": "ZS-0001",
                "name_zh": "单帐篷",
                "name_en": "Single-roof tent",
                "unit_zh": "顶",
                "unit_en": "pcs",
                "reusable": True,
                "storage_years": 8,
            },
            {
                "code": "CQ-0001",
                "name_zh": "棉被",
                "name_en": "Quilt",
                "unit_zh": "床",
                "unit_en": "pcs",
                "reusable": False,
                "storage_years": 6,
            },
            {
                "code": "FZ-0001",
                "name_zh": "棉大衣",
                "name_en": "Padded coat",
                "unit_zh": "件",
                "unit_en": "pcs",
                "reusable": False,
                "storage_years": 6,
            },
        ],
        "gtins": [
            {"gtin": TENT, "item_code": "ZS-0001"},
            {"gtin": QUILT, "item_code": "CQ-0001"},
            {"gtin": COAT, "item_code": "FZ-0001"},
        ],
        "locations": locations,
        "batches": batches,
        "stock": stock,
        "stocktakes": [{"id": 7, "zone": "A", "tolerance": 0, "status": "counting"}],
        "pick_lists": [
            {
                "id": 1,
                "warehouse": "LC01",
                "seq": 1,
                "location": "A-01-01",
                "item": "ZS-0001",
                "batch": "2019A01",
                "inbound_date": "2019-03-01",
                "qty": 20,
                "loaded": 0,
                "order": "101",
            },
            {
                "id": 2,
                "warehouse": "LC01",
                "seq": 2,
                "location": "A-01-02",
                "item": "ZS-0001",
                "batch": "2021B02",
                "inbound_date": "2021-04-01",
                "qty": 10,
                "loaded": 0,
                "order": "101",
            },
        ],
        "acceptances": [],
        "inbound_notices": [
            {
                "id": 3,
                "number": "RK-2026-003",
                "status": "open",
                "expected_on": "2026-11-24",
                "lines": [
                    {"item": "CQ-0001", "batch": None, "qty": 40, "accepted": 0, "rejected": 0}
                ],
            },
        ],
    }


class Floor:
    """The gateway's store with the workflows, and a way to scan."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.store = GatewayStore(path, clock)
        self.path = path
        self.smoother = Smoother(Rules(window=0.3, rssi_floor=-70.0, min_reads=2))
        self.decide = partial(decide, smoother=self.smoother)

    def scan(self, device: str, data: ScanData, door: str | None = None) -> Answer:
        scan = ScanMessage(
            str(uuid.uuid4()),
            "LC01",
            device,
            1,
            "2026-11-24T09:00:00+08:00",
            "serial",
            b"x",
            True,
            data,
            door=door,
        )
        return take_read(self.store, scan, scan.to_json(), self.decide).answer

    def tag(self, device: str, epc: str, door: str | None = None, rssi: float = -50.0) -> Answer:
        scan = ScanMessage(
            str(uuid.uuid4()),
            "LC01",
            device,
            1,
            "2026-11-24T09:00:00+08:00",
            "rfid",
            b"x",
            True,
            ScanData(kind="epc", epc_uri=epc),
            door=door,
            rfid=RfidInfo(antenna=1, rssi=rssi, reads=1),
        )
        return take_read(self.store, scan, scan.to_json(), self.decide).answer

    def goods(
        self, device: str, gtin: str, batch: str, qty: int, door: str | None = None
    ) -> Answer:
        return self.scan(device, ScanData(kind="gs1", gtin=gtin, batch=batch, qty=qty), door)

    def sign_on(self, device: str, badge: str = "li") -> Answer:
        """An operator's badge read on the device (the badge carries the user name)."""
        return self.scan(device, ScanData(kind="badge", badge=badge))

    def at(self, device: str, location: str) -> Answer:
        return self.scan(device, ScanData(kind="location", location=location))

    def cmd(self, device: str, command: str, door: str | None = None) -> Answer:
        return self.scan(device, ScanData(kind="command", command=command), door)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with sqlite3.connect(self.path) as db:
            rows = db.execute("SELECT type, payload FROM outbox ORDER BY id").fetchall()
        return [json.loads(body) for type_, body in rows if kind is None or type_ == kind]

    def stock(self, location: str) -> dict[tuple[str, str], int]:
        with self.store.transaction() as db:
            return {
                (line.batch, line.status): line.qty for line in Book(db).lines(location=location)
            }


@pytest.fixture
def floor(tmp_path: Path) -> Floor:
    floor = Floor(tmp_path / "gateway.sqlite")
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
    return floor


def refused(answer: Answer, *words: str) -> bool:
    text = answer.text_zh + " | " + answer.text_en
    return answer.result == "refused" and answer.beep == "error" and all(w in text for w in words)


# --- receiving ------------------------------------------------------------------------------


def test_receiving_counts_against_the_notice_and_flags_over_and_wrong(floor: Floor) -> None:
    first = floor.goods("LC01-D01-FIX1", QUILT, "2026K01", 30, door="D01")
    assert first.result == "ok" and first.beep == "ok"
    assert "棉被" in first.text_zh and "Quilt" in first.text_en
    second = floor.goods("LC01-D01-FIX1", QUILT, "2026K01", 20, door="D01")
    assert second.result == "ok" and second.beep == "warn"  # 50 of 40
    assert "超出" in second.text_zh and "more than notice RK-2026-003" in second.text_en
    wrong = floor.goods("LC01-D01-FIX1", COAT, "2026K09", 5, door="D01")
    assert wrong.result == "ok" and wrong.beep == "warn"
    assert "不在到货通知上" in wrong.text_zh and "not on any inbound notice" in wrong.text_en
    received = floor.events("receiving")
    assert [(e["gtin"], e["qty"], e["location"], e["notice"]) for e in received] == [
        (QUILT, 30, "D01", "RK-2026-003"),
        (QUILT, 20, "D01", "RK-2026-003"),
        (COAT, 5, "D01", None),
    ]
    assert floor.stock("D01") == {
        ("2026K01", "pending_acceptance"): 50,
        ("2026K09", "pending_acceptance"): 5,
    }


def test_receiving_refuses_what_it_cannot_book(floor: Floor) -> None:
    unknown = floor.goods("LC01-D01-FIX1", "06901234567922", "X1", 5, door="D01")
    assert refused(unknown, "物资目录", "not in the catalogue")
    no_qty = floor.scan("LC01-D01-FIX1", ScanData(kind="gs1", gtin=QUILT, batch="B"), "D01")
    assert refused(no_qty, "批号或数量", "batch or quantity")
    unreadable = take_read(
        floor.store,
        ScanMessage(
            str(uuid.uuid4()),
            "LC01",
            "LC01-D01-FIX1",
            2,
            "2026-11-24T09:00:00+08:00",
            "serial",
            b"??",
            False,
            ScanData(),
            door="D01",
            error="gs1_check_digit",
        ),
        b"{}",
        decide,
    ).answer
    assert refused(unreadable, "无法识别", "gs1_check_digit")
    assert floor.events() == []


def test_a_real_label_is_received_with_a_deterministic_event_id(floor: Floor) -> None:
    decoded = decode_barcode(b"]C10106901234567908102026K01\x1d112603013020")
    read_id = str(uuid.uuid4())
    scan = ScanMessage(
        read_id,
        "LC01",
        "LC01-D02-FIX1",
        5,
        "2026-11-24T09:00:00+08:00",
        "serial",
        b"x",
        decoded.valid,
        decoded.data,
        door="D02",
    )
    answer = take_read(floor.store, scan, scan.to_json(), decide).answer
    again = take_read(floor.store, scan, scan.to_json(), decide)
    assert answer.result == "ok" and again.duplicate and again.answer == answer
    (event,) = floor.events()
    assert event["event_id"] == event_id_for(read_id, "receiving")
    assert event["read_id"] == read_id
    assert (event["prod_date"], event["qty"], event["batch"]) == ("2026-03-01", 20, "2026K01")


# --- putaway and moves ----------------------------------------------------------------------


def test_putaway_suggests_keeps_batches_apart_and_refuses_the_wrong_location(
    floor: Floor,
) -> None:
    floor.goods("LC01-D01-FIX1", TENT, "2026T01", 8, door="D01")
    assert floor.cmd("HH1", "PUTAWAY").result == "ok"
    offer = floor.goods("HH1", TENT, "2026T01", 8)
    # A-01-01 and A-01-02 hold older tent batches; the new one goes after them.
    assert offer.result == "ok" and offer.task is not None
    assert offer.task["suggested"] == "A-01-03"
    assert "A-01-03" in offer.text_zh and "A-01-03" in offer.text_en
    taken = floor.at("HH1", "A-01-02")  # holds batch 2021B02
    assert refused(taken, "A-01-02", "A-01-03")
    dock = floor.at("HH1", "D02")
    assert refused(dock, "D02")
    put = floor.at("HH1", "A-01-04")  # empty: allowed, though not the suggestion
    assert put.result == "ok"
    (event,) = floor.events("storing")
    assert (event["from_location"], event["to_location"], event["qty"]) == ("D01", "A-01-04", 8)
    assert floor.stock("A-01-04") == {("2026T01", "pending_acceptance"): 8}
    assert floor.stock("D01") == {}


def test_putaway_of_goods_not_at_a_door_is_refused(floor: Floor) -> None:
    floor.cmd("HH1", "PUTAWAY")
    assert refused(floor.goods("HH1", TENT, "2021B02", 5), "不在收货区", "not waiting at a door")
    assert refused(floor.at("HH1", "A-01-03"), "请先扫描货物", "Scan the goods first")


def test_moving_between_locations(floor: Floor) -> None:
    floor.cmd("HH2", "MOVE")
    assert floor.at("HH2", "B-01-01").result == "ok"
    assert refused(floor.goods("HH2", QUILT, "2020C01", 60), "不够", "holds only 50")
    assert floor.goods("HH2", QUILT, "2020C01", 50).result == "ok"
    assert refused(floor.at("HH2", "A-01-01"), "A-01-01")  # holds tents
    assert floor.at("HH2", "A-01-03").result == "ok"
    (event,) = floor.events("moving")
    assert (event["from_location"], event["to_location"], event["qty"]) == (
        "B-01-01",
        "A-01-03",
        50,
    )
    assert floor.stock("A-01-03") == {("2020C01", "available"): 50}


# --- picking and loading --------------------------------------------------------------------


def test_picking_offers_fifo_and_refuses_another_batch_naming_the_right_one(
    floor: Floor,
) -> None:
    start = floor.cmd("HH1", "PICK:101")
    assert start.result == "ok" and start.task is not None
    assert start.task["next"] == {"batch": "2019A01", "location": "A-01-01", "qty": 20}
    newer = floor.goods("HH1", TENT, "2021B02", 10)
    assert refused(newer, "请取批次 2019A01，库位 A-01-01", "take batch 2019A01 at A-01-01")
    assert refused(floor.goods("HH1", QUILT, "2020C01", 5), "不在拣货单", "not on pick list 101")
    assert refused(floor.goods("HH1", TENT, "2019A01", 25), "超出", "more than the 20 left")
    ok = floor.goods("HH1", TENT, "2019A01", 20)
    assert ok.result == "ok" and ok.task is not None
    assert ok.task["next"] == {"batch": "2021B02", "location": "A-01-02", "qty": 10}
    (event,) = floor.events("picking")
    assert (event["order"], event["from_location"], event["batch"], event["qty"]) == (
        "101",
        "A-01-01",
        "2019A01",
        20,
    )


BEIJING = timezone(timedelta(hours=8))


def with_a_pass(until: str) -> dict[str, Any]:
    """The sync answer with 2019A01 made in 2015: past its eight storage years since
    2023-01-10, with a re-inspection pass that counts until `until`."""
    answer = sync_answer()
    for batch in answer["batches"]:
        if batch["batch_no"] == "2019A01":
            batch |= {"prod_date": "2015-01-10", "reinspected_on": "2025-11-24"}
            batch["reinspection_valid_until"] = until
    return answer


def test_a_lapsed_pass_in_the_book_is_neither_offered_nor_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(depot_time.ENV, raising=False)  # China Standard Time
    at = datetime(2026, 11, 24, 0, 30, tzinfo=BEIJING).timestamp()  # the pass ran out last night
    floor = Floor(tmp_path / "gateway.sqlite", clock=lambda: at)
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, with_a_pass("2026-11-23"), started=0.0)
        (line,) = [x for x in Book(db).pick_lines("101") if x.batch == "2019A01"]
    assert (line.storage_years, line.pass_valid_until) == (8, "2026-11-23")
    start = floor.cmd("HH1", "PICK:101")
    assert start.task is not None
    assert start.task["next"] == {"batch": "2021B02", "location": "A-01-02", "qty": 10}
    lapsed = floor.goods("HH1", TENT, "2019A01", 20)
    assert refused(lapsed, "批次 2019A01 已超过储存年限（2023-01-10 到期）", "2026-11-23")
    assert refused(lapsed, "re-inspection pass lapsed after 2026-11-23", "take batch 2021B02")
    assert floor.events("picking") == []
    with floor.store.transaction() as db:  # the pass renewed: first again, being overdue
        server_copy.apply_sync(db, with_a_pass("2027-11-24"), started=0.0)
    again = floor.cmd("HH1", "PICK:101")
    assert again.task is not None
    assert again.task["next"] == {"batch": "2019A01", "location": "A-01-01", "qty": 20}
    assert floor.goods("HH1", TENT, "2019A01", 20).result == "ok"


def test_a_book_made_before_the_pass_column_gains_it_and_takes_the_whole_copy_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gateway.sqlite"
    floor = Floor(path)
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
        assert server_copy.cursor(db) == "c1"
    floor.store.close()
    with contextlib.closing(sqlite3.connect(path)) as db:  # as an earlier release left it
        db.execute("ALTER TABLE batches DROP COLUMN reinspection_valid_until")
    older = Floor(path)
    with older.store.transaction() as db:
        columns = {r[1] for r in db.execute("PRAGMA table_info(batches)")}
        assert "reinspection_valid_until" in columns
        # The next sync takes the whole copy, which fills the column for every batch held.
        assert server_copy.cursor(db) is None
        assert len(Book(db).pick_lines("101")) == 2  # the copy it had is still there
    start = older.cmd("HH1", "PICK:101")  # and the floor goes on with it meanwhile
    assert start.task is not None
    assert start.task["next"] == {"batch": "2019A01", "location": "A-01-01", "qty": 20}
    with older.store.transaction() as db:
        server_copy.apply_sync(db, with_a_pass("2027-11-24"), started=0.0)
        assert server_copy.cursor(db) == "c1"
        (until,) = db.execute(
            "SELECT reinspection_valid_until FROM batches WHERE batch='2019A01'"
        ).fetchone()
    assert until == "2027-11-24"
    older.store.close()
    assert server_copy_cursor_after_reopening(path) == "c1"  # forgotten once, not every start


def server_copy_cursor_after_reopening(path: Path) -> str | None:
    store = GatewayStore(path, time.time)
    try:
        with store.transaction() as db:
            return server_copy.cursor(db)
    finally:
        store.close()


def test_two_pickers_racing_for_the_last_pallet_one_is_refused(floor: Floor) -> None:
    floor.cmd("HH1", "PICK:101")
    floor.cmd("HH2", "PICK:101")
    assert floor.goods("HH1", TENT, "2019A01", 20).result == "ok"
    assert floor.goods("HH1", TENT, "2021B02", 10).result == "ok"
    late = floor.goods("HH2", TENT, "2021B02", 10)
    assert refused(late, "已拣完", "Nothing left")
    assert len(floor.events("picking")) == 2


def test_loading_checks_every_unit_against_the_pick_list(floor: Floor) -> None:
    door = "LC01-D02-FIX1"
    assert floor.cmd(door, "LOAD:101", door="D02").result == "ok"
    wrong_item = floor.goods(door, QUILT, "2020C01", 5, door="D02")
    assert refused(wrong_item, "错装", "not on order 101")
    wrong_batch = floor.goods(door, TENT, "2026T01", 5, door="D02")
    assert refused(wrong_batch, "2019A01", "2021B02")
    assert floor.goods(door, TENT, "2019A01", 20, door="D02").result == "ok"
    assert refused(floor.goods(door, TENT, "2019A01", 1, door="D02"), "多装", "Over")
    assert floor.goods(door, TENT, "2021B02", 4, door="D02").result == "ok"
    done = floor.cmd(door, "DONE", door="D02")
    assert done.result == "ok" and done.beep == "warn"
    assert "短装" in done.text_zh and "batch 2021B02@A-01-02 short 6" in done.text_en
    loads = floor.events("loading")
    assert [(e["order"], e["from_location"], e["batch"], e["qty"]) for e in loads] == [
        ("101", "A-01-01", "2019A01", 20),
        ("101", "A-01-02", "2021B02", 4),
    ]
    assert floor.stock("A-01-01") == {}
    assert floor.stock("A-01-02") == {("2021B02", "available"): 30, ("2021B02", "reserved"): 6}
    # Done: the door is back on receiving.
    assert floor.goods(door, QUILT, "2026K01", 1, door="D02").text_en.startswith("Received")


def test_an_order_made_at_the_depot_loads_what_it_planned_not_the_centres(floor: Floor) -> None:
    """A phone order recorded while the depot was cut off planned available stock only; its
    loads take available stock first and leave what the centre reserved for order 101."""
    called = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    order = PhoneOrder(Caller("王建国", "绵阳市应急管理局", "0816-2221234"), None, "擂鼓镇",
                       (Line("ZS-0001", 12),), called)  # fmt: skip
    day = date(2026, 11, 24)
    with floor.store.transaction() as db:
        number = phone_orders.record(db, order, "LC01", day, day, "sup", time.time()).number
    door = "LC01-D02-FIX1"
    assert floor.cmd(door, f"LOAD:{number}", door="D02").result == "ok"
    assert floor.goods(door, TENT, "2021B02", 5, door="D02").result == "ok"
    assert floor.stock("A-01-02") == {("2021B02", "available"): 25, ("2021B02", "reserved"): 10}
    assert refused(floor.goods(door, TENT, "2021B02", 8, door="D02"), "多装", "Over")
    assert floor.goods(door, TENT, "2021B02", 7, door="D02").result == "ok"
    assert floor.stock("A-01-02") == {("2021B02", "available"): 18, ("2021B02", "reserved"): 10}
    # the loads name no status: the centre reserves what the order planned when it takes
    # the order (server/services/depot_orders.py), and its loads take that reservation
    assert [(e["order"], e["qty"], e.get("status")) for e in floor.events("loading")] == [
        (number, 5, None), (number, 7, None),
    ]  # fmt: skip
    with floor.store.transaction() as db:
        # what is left available at A-01-02 is free for the next order made here
        left = {(s.batch, s.location): s.qty for s in phone_orders.available(db)}
    assert left[("2021B02", "A-01-02")] == 18
    # however the centre answers those loads, what went onto the truck stays loaded: no sync
    # counts the lines of an order made here, and the order is never loaded twice
    with floor.store.transaction() as db:
        db.execute("UPDATE outbox SET state='rejected', settled_at=1 WHERE type='loading'")
        lines = Book(db).pick_lines(number)
        assert [(x.qty, x.done) for x in lines] == [(12, 12)]
        assert list(Book(db).left_to_load(number).values()) == [0]
    assert refused(floor.goods(door, TENT, "2021B02", 1, door="D02"), "多装", "Over")


# --- stocktake rounds -----------------------------------------------------------------------


def test_a_count_needs_a_signed_on_person_and_carries_them(floor: Floor) -> None:
    refusal = floor.cmd("HH3", "COUNT:7")
    assert refused(refusal, "请先刷工牌登录", "Sign on with your badge first")
    assert floor.sign_on("HH3", "li").result == "ok"
    assert floor.cmd("HH3", "COUNT:7").result == "ok"
    floor.at("HH3", "A-01-01")
    floor.goods("HH3", TENT, "2019A01", 20)
    assert floor.cmd("HH3", "LOGOUT").result == "ok"
    # signed off in the middle of a count: nothing more is counted, nothing is sent
    assert refused(floor.goods("HH3", TENT, "2019A01", 1), "请先刷工牌登录", "badge")
    assert refused(floor.cmd("HH3", "DONE"), "请先刷工牌登录", "badge")
    assert floor.events("stock_taking") == []
    floor.sign_on("HH3", "zhou")
    assert floor.cmd("HH3", "DONE").result == "ok"
    (event,) = floor.events("stock_taking")
    assert (event["counted"], event["operator"]) == (20, "zhou")


def test_a_blind_count_with_recount_and_bin_card(floor: Floor) -> None:
    hh = "HH3"
    floor.sign_on(hh)
    assert floor.cmd(hh, "COUNT:7").result == "ok"
    assert refused(floor.at(hh, "B-01-01"), "不在本次盘点范围", "not in this count")
    assert floor.at(hh, "A-01-02").result == "ok"
    counted = floor.goods(hh, TENT, "2021B02", 25)
    assert counted.result == "ok"
    assert "25" in counted.text_en and "40" not in counted.text_en + counted.text_zh  # blind
    assert floor.cmd(hh, "CARD:40").result == "ok"
    off = floor.at(hh, "A-01-01")  # closes A-01-02: 25 against 40 -> recount
    assert off.beep == "warn" and "count again" in off.text_en and "40" not in off.text_en
    floor.goods(hh, TENT, "2019A01", 20)
    assert floor.cmd(hh, "DONE").beep == "ok"  # A-01-01 agrees
    assert "(recount)" in floor.at(hh, "A-01-02").text_en
    floor.goods(hh, TENT, "2021B02", 40)
    assert floor.cmd(hh, "DONE").result == "ok"
    counts = [
        (e["location"], e["batch"], e["counted"], e["card"], e["round"])
        for e in floor.events("stock_taking")
    ]
    assert counts == [
        ("A-01-02", "2021B02", 25, 40, 1),
        ("A-01-01", "2019A01", 20, None, 1),
        ("A-01-02", "2021B02", 40, None, 2),
    ]
    assert {e["stocktake"] for e in floor.events("stock_taking")} == {7}


def test_a_recount_the_server_asks_in_its_sync_is_counted_as_round_two(floor: Floor) -> None:
    answer = sync_answer()
    answer["stocktakes"][0]["recount"] = ["A-01-02"]
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, answer, started=1.0)
    floor.sign_on("HH2")
    floor.cmd("HH2", "COUNT:7")
    assert "(recount)" in floor.at("HH2", "A-01-02").text_en
    floor.goods("HH2", TENT, "2021B02", 40)
    floor.cmd("HH2", "DONE")
    assert [e["round"] for e in floor.events("stock_taking")] == [2]
    with floor.store.transaction() as db:  # the next close found it agreeing: asked no more
        server_copy.apply_sync(db, sync_answer(), started=2.0)
    floor.cmd("HH2", "COUNT:7")
    assert "(recount)" not in floor.at("HH2", "A-01-02").text_en


def test_a_batch_the_book_has_and_nobody_counted_is_counted_zero(floor: Floor) -> None:
    floor.sign_on("HH3")
    floor.cmd("HH3", "COUNT:7")
    floor.at("HH3", "A-01-01")
    answer = floor.cmd("HH3", "DONE")
    assert answer.beep == "warn"  # 0 against 20
    (event,) = floor.events("stock_taking")
    assert (event["batch"], event["counted"], event["gtin"]) == ("2019A01", 0, TENT)


# --- the device's task ------------------------------------------------------------------------


def test_badge_signs_on_and_authors_the_events(floor: Floor) -> None:
    assert floor.scan("LC01-D01-FIX1", ScanData(kind="badge", badge="W0217"), "D01").result == "ok"
    floor.goods("LC01-D01-FIX1", QUILT, "2026K01", 3, door="D01")
    assert floor.events()[0]["operator"] == "W0217"


def test_a_handheld_without_a_task_is_told_to_scan_one(floor: Floor) -> None:
    assert refused(floor.goods("HH9", QUILT, "2026K01", 3), "任务卡", "task card")
    assert refused(floor.cmd("HH9", "FLY"), "未知指令", "Unknown command")
    assert refused(floor.cmd("HH9", "PICK:999"), "没有拣货单", "No pick list")


def test_a_refused_read_changes_nothing(floor: Floor) -> None:
    floor.sign_on("HH3")
    floor.cmd("HH3", "COUNT:7")
    floor.at("HH3", "A-01-02")
    floor.goods("HH3", TENT, "2021B02", 40)
    # The next location is outside the zone: the close of A-01-02 is undone with the refusal.
    assert floor.at("HH3", "B-01-01").result == "refused"
    assert floor.events() == []
    assert floor.cmd("HH3", "DONE").result == "ok"
    assert len(floor.events("stock_taking")) == 1


def test_before_the_first_sync_the_door_still_receives(tmp_path: Path) -> None:
    fresh = Floor(tmp_path / "fresh.sqlite")
    answer = fresh.goods("LC01-D01-FIX1", QUILT, "2026K01", 3, door="D01")
    assert answer.result == "ok"
    assert fresh.events()[0]["gtin"] == QUILT
    assert fresh.cmd("HH1", "PUTAWAY").result == "ok"
    assert refused(fresh.goods("HH1", QUILT, "2026K01", 3), "基础数据", "no master data")


# --- RFID ---------------------------------------------------------------------------------

EPC_OLD = "urn:epc:id:sgtin:6901234.056789.1"
EPC_NEW = "urn:epc:id:sgtin:6901234.056789.2"


def register(floor: Floor, epc: str, batch: str, qty: int) -> None:
    floor.cmd("HH5", "TAG")
    assert floor.goods("HH5", TENT, batch, qty).result == "ok"
    registered = floor.tag("HH5", epc)
    assert registered.result == "ok" and batch in registered.text_en


def test_a_tag_is_registered_to_one_unit(floor: Floor) -> None:
    register(floor, EPC_OLD, "2019A01", 20)
    floor.goods("HH5", TENT, "2021B02", 10)
    again = floor.tag("HH5", EPC_OLD)
    assert refused(again, "已登记", "already on batch 2019A01")
    # A handheld without a task tells what a tag is.
    assert "Registered unit: batch 2019A01" in floor.tag("HH6", EPC_OLD).text_en
    assert floor.tag("HH6", EPC_NEW).beep == "warn"
    assert floor.events() == []  # tagging changes no stock


def test_the_dock_portal_loads_each_tagged_pallet_once(floor: Floor) -> None:
    register(floor, EPC_OLD, "2019A01", 20)
    register(floor, EPC_NEW, "2021B02", 4)
    portal = "LC01-D02-RFID1"
    floor.cmd(portal, "LOAD:101", door="D02")
    first = floor.tag(portal, EPC_OLD, door="D02")
    assert first.result == "ok" and first.task is not None and first.task["counted"] is False
    loaded = floor.tag(portal, EPC_OLD, door="D02")  # the second read: the presence counts
    assert loaded.result == "ok" and "Loaded batch 2019A01" in loaded.text_en
    assert floor.tag(portal, EPC_OLD, door="D02").task == {
        "kind": "load",
        "id": "101",
        "rfid": True,
        "counted": False,
    }
    time.sleep(0.4)  # gone and back: a new presence, but the pallet is on the truck already
    floor.tag(portal, EPC_OLD, door="D02")
    again = floor.tag(portal, EPC_OLD, door="D02")
    assert "Already loaded" in again.text_en
    for _ in range(5):  # the pallet at the next door, read through the wall
        assert floor.tag(portal, EPC_NEW, door="D02", rssi=-85.0).task["counted"] is False  # type: ignore[index]
    stranger = floor.tag(portal, "urn:epc:id:sgtin:6901234.056789.9", door="D02")
    stranger = floor.tag(portal, "urn:epc:id:sgtin:6901234.056789.9", door="D02")
    assert stranger.beep == "warn" and "not registered" in stranger.text_en
    loads = [(e["batch"], e["qty"]) for e in floor.events("loading")]
    assert loads == [("2019A01", 20)]


def test_an_rfid_bulk_count_counts_each_tag_once_per_visit(floor: Floor) -> None:
    register(floor, EPC_NEW, "2021B02", 40)
    floor.sign_on("HH3")
    floor.cmd("HH3", "COUNT:7")
    floor.at("HH3", "A-01-02")
    assert "40" in floor.tag("HH3", EPC_NEW).text_en
    assert "already counted" in floor.tag("HH3", EPC_NEW).text_en
    assert floor.cmd("HH3", "DONE").beep == "ok"  # 40 against 40
    (event,) = floor.events("stock_taking")
    assert (event["batch"], event["counted"]) == ("2021B02", 40)


def test_a_supervisor_override_lets_another_batch_go_and_is_recorded(floor: Floor) -> None:
    floor.cmd("HH1", "PICK:101")
    assert floor.goods("HH1", TENT, "2022C03", 10).result == "refused"
    # What the floor page does for a supervisor.
    grant_override(floor.store, "HH1", User("wang", "Wang Fang", "supervisor"), "blocked", 0.0)
    taken = floor.goods("HH1", TENT, "2022C03", 10)
    assert taken.result == "ok"
    (event,) = floor.events("picking")
    assert event["override"] == {"by": "wang", "reason": "blocked", "instead_of": "2019A01"}
    assert event["from_location"] == "A-01-05"  # where the batch taken lies
    # Granted for one unit only: the next other batch is refused again.
    assert floor.goods("HH1", TENT, "2022C03", 1).result == "refused"

    door = "LC01-D02-FIX1"
    floor.cmd(door, "LOAD:101", door="D02")
    loaded = floor.goods(door, TENT, "2022C03", 10, door="D02")
    assert loaded.result == "ok", loaded
    assert refused(floor.goods(door, TENT, "2022C03", 1, door="D02"), "多装", "Over")
    (load,) = floor.events("loading")
    assert load["instead_of"] == {"location": "A-01-01", "batch": "2019A01"}
    assert (load["from_location"], load["batch"], load["qty"]) == ("A-01-05", "2022C03", 10)
    # The replaced reservation is free again; the batch taken left its stack.
    assert floor.stock("A-01-01") == {("2019A01", "reserved"): 10, ("2019A01", "available"): 10}
    assert floor.stock("A-01-05") == {("2022C03", "available"): 20}


def test_local_effects_count_until_a_sync_that_began_after_the_server_took_them(
    floor: Floor,
) -> None:
    floor.goods("LC01-D01-FIX1", QUILT, "2026K01", 30, door="D01")
    floor.goods("LC01-D01-FIX1", QUILT, "2026K01", 5, door="D01")
    first, second = (e["event_id"] for e in floor.events())
    assert floor.stock("D01") == {("2026K01", "pending_acceptance"): 35}
    floor.store.settle({first: ("accepted", None)})  # the server took the first
    began = time.time()
    time.sleep(0.01)
    floor.store.settle({second: ("accepted", None)})  # ... and the second, after the sync began
    answer = sync_answer() | {"full": False, "stock": [], "batches": []}
    answer["batches"] = [
        {
            "id": 200,
            "item_code": "CQ-0001",
            "batch_no": "2026K01",
            "prod_date": None,
            "inbound_date": "2026-11-24",
            "reinspected_on": None,
        }
    ]
    # The server's copy has the first (30), not the second.
    answer["stock"] = [
        {"location_id": 1, "batch_id": 200, "status": "pending_acceptance", "qty": 30}
    ]
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, answer, started=began)
    assert floor.stock("D01") == {("2026K01", "pending_acceptance"): 35}  # not 65, not 30
    floor.store.settle({})  # nothing
    answer["stock"][0]["qty"] = 35
    with floor.store.transaction() as db:
        server_copy.apply_sync(db, answer, started=time.time())
    assert floor.stock("D01") == {("2026K01", "pending_acceptance"): 35}
