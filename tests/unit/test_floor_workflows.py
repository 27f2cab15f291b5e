"""The floor workflows decided over the floor in memory (gateway/storage/memory.py): no
database, no broker. Each test plays an operator's reads through `decide` and checks what the
operator hears, the events that go to the server, and what the floor recorded (stock effects,
claims on pick lines, loads, counts). The same rules against the real SQLite book are in
tests/integration/test_workflows.py."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from gateway.domain.errors import Conflict, NotAllowed, Unknown
from gateway.domain.floor import (
    BatchInfo,
    FloorView,
    Item,
    Line,
    Location,
    NoticeLine,
    Stocktake,
)
from gateway.domain.tasks import override
from gateway.domain.workflows import decide
from gateway.storage.memory import MemoryFloor, PickListLine
from kernel import depot_time
from kernel.contract import Answer, ScanData, ScanMessage
from kernel.floor_events import FloorEvent, parse

TENT, QUILT, COAT = "06901234567892", "06901234567908", "06901234567915"
DOOR = "LC01-D01-FIX1"
BEIJING = timezone(timedelta(hours=8))


def depot() -> MemoryFloor:
    """A small depot as a sync would bring it: two docks, zone A and B, three items, stock of
    two tent batches reserved for order 101, a notice for 40 quilts, stocktake 7 of zone A."""
    places = [("D01", "DOCK", 1, "dock"), ("D02", "DOCK", 2, "dock")] + [
        (f"A-01-0{n}", "A", 9 + n, "storage") for n in range(1, 6)
    ] + [("B-01-01", "B", 20, "storage")]  # fmt: skip
    batches = [
        ("ZS-0001", "2019A01", "2019-01-10", "2019-03-01"),
        ("ZS-0001", "2021B02", "2021-02-10", "2021-04-01"),
        ("ZS-0001", "2022C03", "2022-01-10", "2022-03-01"),
        ("CQ-0001", "2020C01", "2020-03-01", "2020-05-01"),
    ]
    return MemoryFloor(
        items={
            "ZS-0001": Item("ZS-0001", "单帐篷", "Single-roof tent", "顶", "pcs", True),
            "CQ-0001": Item("CQ-0001", "棉被", "Quilt", "床", "pcs", False),
            "FZ-0001": Item("FZ-0001", "棉大衣", "Padded coat", "件", "pcs", False),
        },
        gtins={TENT: "ZS-0001", QUILT: "CQ-0001", COAT: "FZ-0001"},
        places={code: Location(code, zone, walk, kind) for code, zone, walk, kind in places},
        batch_info={(i, b): BatchInfo(i, b, p, d, None) for i, b, p, d in batches},
        stock=[
            Line("A-01-01", "ZS-0001", "2019A01", "reserved", 20),
            Line("A-01-02", "ZS-0001", "2021B02", "available", 30),
            Line("A-01-02", "ZS-0001", "2021B02", "reserved", 10),
            Line("A-01-05", "ZS-0001", "2022C03", "available", 30),
            Line("B-01-01", "CQ-0001", "2020C01", "available", 50),
        ],
        pick_list=[
            PickListLine(1, "101", "A-01-01", "ZS-0001", "2019A01", 20),
            PickListLine(2, "101", "A-01-02", "ZS-0001", "2021B02", 10),
        ],
        notices=[NoticeLine(3, "RK-2026-003", 0, "CQ-0001", None, 40, 0)],
        stocktakes={7: Stocktake(7, "A", 0)},
    )


class Hands:
    """Reads on the depot's devices, decided one by one as the intake would."""

    def __init__(self, floor: MemoryFloor) -> None:
        self.floor = floor
        self.sent: list[dict[str, Any]] = []  # the events as they go to the server
        self.made: list[FloorEvent] = []
        self.now = 1_000.0  # the gateway's clock (seconds since the epoch)

    def read(self, device: str, data: ScanData, door: str | None = None) -> Answer:
        scan = ScanMessage(str(uuid.uuid4()), "LC01", device, 1, "2026-11-24T09:00:00+08:00",
                           "serial", b"x", True, data, door=door)  # fmt: skip
        self.floor.mark()  # the read's savepoint
        view: FloorView = self.floor
        outcome = decide(view, scan, self.now)
        self.made += outcome.events
        self.sent += [event.to_wire() for event in outcome.events]
        return outcome.answer

    def goods(
        self, device: str, gtin: str, batch: str, qty: int, door: str | None = None
    ) -> Answer:
        return self.read(device, ScanData(kind="gs1", gtin=gtin, batch=batch, qty=qty), door)

    def at(self, device: str, location: str) -> Answer:
        return self.read(device, ScanData(kind="location", location=location))

    def cmd(self, device: str, command: str, door: str | None = None) -> Answer:
        return self.read(device, ScanData(kind="command", command=command), door)

    def badge(self, device: str, user: str) -> Answer:
        return self.read(device, ScanData(kind="badge", badge=user))

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.sent if e["type"] == kind]

    def stock(self, location: str) -> dict[tuple[str, str], int]:
        return {(x.batch, x.status): x.qty for x in self.floor.lines(location=location)}


@pytest.fixture
def hands() -> Hands:
    return Hands(depot())


def refused(answer: Answer, *words: str) -> bool:
    text = answer.text_zh + " | " + answer.text_en
    return answer.result == "refused" and answer.beep == "error" and all(w in text for w in words)


def test_receiving_counts_against_the_notice_and_flags_over_and_wrong(hands: Hands) -> None:
    assert hands.goods(DOOR, QUILT, "2026K01", 30, door="D01").beep == "ok"
    over = hands.goods(DOOR, QUILT, "2026K01", 20, door="D01")
    assert over.result == "ok" and over.beep == "warn" and "RK-2026-003" in over.text_en
    wrong = hands.goods(DOOR, COAT, "2026K09", 5, door="D01")
    assert wrong.beep == "warn" and "not on any inbound notice" in wrong.text_en
    assert [(e["qty"], e["notice"]) for e in hands.events("receiving")] == [
        (30, "RK-2026-003"), (20, "RK-2026-003"), (5, None),
    ]  # fmt: skip
    assert hands.floor.open_notice_lines()[0].received == 50
    assert [(f.flag, f.qty) for f in hands.floor.flagged] == [("over", 20), ("wrong", 5)]
    assert hands.stock("D01") == {
        ("2026K01", "pending_acceptance"): 50,
        ("2026K09", "pending_acceptance"): 5,
    }


def test_every_event_the_floor_sends_is_read_back_as_made_by_the_server_s_parser(
    hands: Hands,
) -> None:
    """A day on the floor, each kind of event at least once: what goes to the server is the
    kernel's wire form, and the kernel's parser (the server's reading) gives the same event."""
    hands.goods(DOOR, TENT, "2026T01", 8, door="D01")  # receiving
    hands.cmd("HH1", "PUTAWAY")
    hands.goods("HH1", TENT, "2026T01", 8)
    hands.at("HH1", "A-01-03")  # storing
    hands.cmd("HH2", "MOVE")
    hands.at("HH2", "B-01-01")
    hands.goods("HH2", QUILT, "2020C01", 50)
    hands.at("HH2", "A-01-04")  # moving
    hands.cmd("HH1", "PICK:101")
    granted = override(hands.floor.task("HH1"), "wang", "supervisor", "blocked", 5.0)
    hands.floor.set_task("HH1", granted, 5.0)
    hands.goods("HH1", TENT, "2022C03", 10)  # picking on an override
    hands.goods("HH1", TENT, "2019A01", 10)  # picking
    door = "LC01-D02-FIX1"
    hands.cmd(door, "LOAD:101", door="D02")
    hands.goods(door, TENT, "2022C03", 10, door="D02")  # loading instead of a reserved batch
    hands.goods(door, TENT, "2019A01", 10, door="D02")  # loading
    hands.badge("HH3", "zhao.lei")
    hands.cmd("HH3", "COUNT:7")
    hands.at("HH3", "A-01-02")
    hands.goods("HH3", TENT, "2021B02", 30)
    hands.cmd("HH3", "DONE")  # stock_taking, with the bin card unset
    kinds = [e["type"] for e in hands.sent]
    assert kinds == [
        "receiving", "storing", "moving", "picking", "picking", "loading", "loading",
        "stock_taking",
    ]  # fmt: skip
    assert [parse(wire) for wire in hands.sent] == hands.made
    assert all(parse(wire).to_wire() == wire for wire in hands.sent)
    assert hands.sent[0]["prod_date"] is None and hands.sent[0]["notice"] is None
    assert hands.sent[-1]["card"] is None and hands.sent[-1]["operator"] == "zhao.lei"
    assert len({e["event_id"] for e in hands.sent}) == len(hands.sent)


def test_a_refused_read_records_nothing(hands: Hands) -> None:
    unknown = hands.goods(DOOR, "06901234567922", "X1", 5, door="D01")
    assert refused(unknown, "物资目录", "not in the catalogue")
    no_door = hands.goods("HH1", QUILT, "2026K01", 5)
    assert refused(no_door, "请先扫描任务卡", "Scan a task card first")
    assert hands.sent == [] and hands.floor.effects == [] and hands.floor.received == {}


def test_putaway_suggests_after_older_batches_and_carries_the_unit(hands: Hands) -> None:
    hands.goods(DOOR, TENT, "2026T01", 8, door="D01")
    assert hands.cmd("HH1", "PUTAWAY").result == "ok"
    offer = hands.goods("HH1", TENT, "2026T01", 8)
    assert offer.task is not None and offer.task["suggested"] == "A-01-03"
    assert refused(hands.at("HH1", "A-01-02"), "A-01-02", "put it at A-01-03")  # another batch
    assert refused(hands.at("HH1", "D02"), "D02")  # not storage
    assert hands.at("HH1", "A-01-03").result == "ok"
    (event,) = hands.events("storing")
    assert (event["from_location"], event["to_location"], event["qty"]) == ("D01", "A-01-03", 8)
    assert hands.stock("A-01-03") == {("2026T01", "pending_acceptance"): 8}
    assert hands.stock("D01") == {}
    task = hands.floor.task("HH1")
    assert task is not None and task.state == {}  # nothing in hand


def test_picking_offers_fifo_refuses_another_batch_and_claims_the_line(hands: Hands) -> None:
    start = hands.cmd("HH1", "PICK:101")
    assert start.task is not None
    assert start.task["next"] == {"batch": "2019A01", "location": "A-01-01", "qty": 20}
    assert refused(hands.goods("HH1", TENT, "2021B02", 10), "take batch 2019A01 at A-01-01")
    assert refused(hands.goods("HH1", QUILT, "2020C01", 5), "not on pick list 101")
    assert refused(hands.goods("HH1", TENT, "2019A01", 25), "more than the 20 left")
    taken = hands.goods("HH1", TENT, "2019A01", 20)
    assert taken.task is not None
    assert taken.task["next"] == {"batch": "2021B02", "location": "A-01-02", "qty": 10}
    assert [(p.line_id, p.qty, p.device) for p in hands.floor.picks] == [(1, 20, "HH1")]
    (event,) = hands.events("picking")
    assert (event["from_location"], event["batch"], event["qty"]) == ("A-01-01", "2019A01", 20)
    # A second picker finds the line taken.
    hands.cmd("HH2", "PICK:101")
    assert hands.goods("HH1", TENT, "2021B02", 10).result == "ok"
    assert refused(hands.goods("HH2", TENT, "2021B02", 10), "Nothing left")


def test_picking_never_offers_nor_takes_a_batch_whose_pass_lapsed(
    hands: Hands, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(depot_time.ENV, raising=False)  # China Standard Time
    # 2019A01 is past its five storage years (limit 2024-01-10); its pass counts to 23 Nov.
    hands.floor.batch_info[("ZS-0001", "2019A01")] = BatchInfo(
        "ZS-0001", "2019A01", "2019-01-10", "2019-03-01", "2025-11-24", 5, "2026-11-23"
    )
    hands.now = datetime(2026, 11, 23, 23, 59, tzinfo=BEIJING).timestamp()  # its last day
    start = hands.cmd("HH1", "PICK:101")
    assert start.task is not None  # overdue and passed: first
    assert start.task["next"] == {"batch": "2019A01", "location": "A-01-01", "qty": 20}

    hands.now = datetime(2026, 11, 24, 0, 0, tzinfo=BEIJING).timestamp()  # the depot's next day
    start = hands.cmd("HH1", "PICK:101")
    assert start.task is not None
    assert start.task["next"] == {"batch": "2021B02", "location": "A-01-02", "qty": 10}
    lapsed = hands.goods("HH1", TENT, "2019A01", 20)
    assert refused(lapsed, "复检合格有效期至 2026-11-23", "不能出库", "请取批次 2021B02")
    assert refused(lapsed, "re-inspection pass lapsed after 2026-11-23", "may not go out")
    # Not on a supervisor's override either.
    granted = override(hands.floor.task("HH1"), "wang", "supervisor", "blocked", 5.0)
    hands.floor.set_task("HH1", granted, 5.0)
    assert refused(hands.goods("HH1", TENT, "2019A01", 20), "lapsed after 2026-11-23")
    assert hands.floor.picks == [] and hands.events("picking") == []

    taken = hands.goods("HH1", TENT, "2021B02", 10)
    assert taken.result == "ok" and taken.task is not None
    assert taken.task["next"] is None  # what is left may not go: not "fully picked"
    assert "余下的不能出库" in taken.text_zh and "What is left may not go out" in taken.text_en
    assert refused(hands.goods("HH1", TENT, "2019A01", 20), "storage limit (2024-01-10)")


def test_loading_refuses_a_picked_batch_whose_pass_lapsed_since(
    hands: Hands, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(depot_time.ENV, raising=False)  # China Standard Time
    hands.floor.batch_info[("ZS-0001", "2019A01")] = BatchInfo(
        "ZS-0001", "2019A01", "2019-01-10", "2019-03-01", "2025-11-24", 5, "2026-11-23"
    )
    hands.now = datetime(2026, 11, 23, 22, 0, tzinfo=BEIJING).timestamp()  # the pass's last day
    hands.cmd("HH1", "PICK:101")
    assert hands.goods("HH1", TENT, "2019A01", 20).result == "ok"
    door = "LC01-D02-FIX1"
    hands.cmd(door, "LOAD:101", door="D02")
    assert hands.goods(door, TENT, "2019A01", 5, door="D02").result == "ok"  # still valid

    hands.now = datetime(2026, 11, 24, 0, 1, tzinfo=BEIJING).timestamp()  # lapsed at midnight
    late = hands.goods(door, TENT, "2019A01", 5, door="D02")
    assert refused(late, "复检合格有效期至 2026-11-23", "不能出库")
    assert refused(late, "re-inspection pass lapsed after 2026-11-23", "may not go out")
    assert [e["qty"] for e in hands.events("loading")] == [5]  # the refused unit sent nothing
    assert hands.goods(door, TENT, "2021B02", 10, door="D02").result == "ok"  # others go on


def test_loading_checks_each_unit_and_names_what_is_short(hands: Hands) -> None:
    door = "LC01-D02-FIX1"
    assert hands.cmd(door, "LOAD:101", door="D02").task is not None
    assert refused(hands.goods(door, QUILT, "2020C01", 5, door="D02"), "错装", "not on order")
    assert refused(hands.goods(door, TENT, "2026T01", 5, door="D02"), "2019A01", "2021B02")
    loaded = hands.goods(door, TENT, "2019A01", 20, door="D02")
    assert loaded.result == "ok" and "10 to go" in loaded.text_en
    assert refused(hands.goods(door, TENT, "2019A01", 1, door="D02"), "多装", "Over")
    assert hands.goods(door, TENT, "2021B02", 4, door="D02").result == "ok"
    assert [(d.line_id, d.qty) for d in hands.floor.loads] == [(1, 20), (2, 4)]
    assert hands.stock("A-01-01") == {}  # the reserved 20 left on the truck
    assert hands.stock("A-01-02") == {("2021B02", "available"): 30, ("2021B02", "reserved"): 6}
    done = hands.cmd(door, "DONE", door="D02")
    assert done.beep == "warn" and "batch 2021B02@A-01-02 short 6" in done.text_en
    task = hands.floor.task(door)
    assert task is not None and task.kind == "receive"  # the door receives again


def test_counting_is_blind_credited_and_asks_a_recount_over_tolerance(hands: Hands) -> None:
    assert refused(hands.cmd("HH3", "COUNT:7"), "Sign on with your badge first")
    hands.badge("HH3", "zhao.lei")
    assert hands.cmd("HH3", "COUNT:7").result == "ok"
    assert refused(hands.at("HH3", "B-01-01"), "not in this count")  # zone B
    hands.at("HH3", "A-01-02")
    running = hands.goods("HH3", TENT, "2021B02", 30)
    assert "30" in running.text_en and "40" not in running.text_en  # never what the book says
    assert hands.cmd("HH3", "CARD:40").result == "ok"
    closing = hands.cmd("HH3", "DONE")
    assert closing.beep == "warn" and "count again" in closing.text_en  # 30 of 40, tolerance 0
    (event,) = hands.events("stock_taking")
    assert (event["batch"], event["counted"], event["card"], event["round"]) == (
        "2021B02", 30, 40, 1,
    )  # fmt: skip
    assert event["operator"] == "zhao.lei" and event["gtin"] == TENT
    hands.at("HH3", "A-01-02")  # round 2
    hands.goods("HH3", TENT, "2021B02", 40)
    assert hands.cmd("HH3", "DONE").beep == "ok"
    assert [(e["counted"], e["round"]) for e in hands.events("stock_taking")] == [(30, 1), (40, 2)]


def test_a_recount_the_servers_close_asked_is_round_two_on_any_handheld(hands: Hands) -> None:
    hands.floor.stocktakes[7] = Stocktake(7, "A", 0, recount=frozenset({"A-01-02"}))
    hands.badge("HH2", "zhao.lei")
    assert hands.cmd("HH2", "COUNT:7").result == "ok"  # a fresh task: no recount of its own
    opened = hands.at("HH2", "A-01-02")
    assert "(recount)" in opened.text_en and "复盘" in opened.text_zh
    hands.goods("HH2", TENT, "2021B02", 38)
    assert hands.cmd("HH2", "DONE").beep == "ok"  # round 2 is the last: no further recount
    assert "(recount)" not in hands.at("HH2", "A-01-05").text_en  # not asked: round 1
    hands.goods("HH2", TENT, "2022C03", 30)
    hands.cmd("HH2", "DONE")
    rounds = [(e["location"], e["counted"], e["round"]) for e in hands.events("stock_taking")]
    assert rounds == [("A-01-02", 38, 2), ("A-01-05", 30, 1)]


def test_a_location_where_nothing_is_found_counts_each_expected_batch_as_zero(
    hands: Hands,
) -> None:
    hands.badge("HH3", "zhao.lei")
    hands.cmd("HH3", "COUNT:7")
    hands.at("HH3", "A-01-01")
    hands.at("HH3", "A-01-03")  # closes A-01-01 unseen
    (event,) = hands.events("stock_taking")
    assert (event["location"], event["batch"], event["counted"]) == ("A-01-01", "2019A01", 0)


def test_moving_takes_what_the_location_holds_to_where_it_fits(hands: Hands) -> None:
    hands.cmd("HH2", "MOVE")
    assert hands.at("HH2", "B-01-01").result == "ok"
    assert refused(hands.goods("HH2", QUILT, "2020C01", 60), "holds only 50")
    assert hands.goods("HH2", QUILT, "2020C01", 50).result == "ok"
    assert refused(hands.at("HH2", "A-01-01"), "A-01-01")  # holds tents
    assert hands.at("HH2", "A-01-03").result == "ok"
    (event,) = hands.events("moving")
    assert (event["from_location"], event["to_location"], event["qty"]) == (
        "B-01-01", "A-01-03", 50,
    )  # fmt: skip
    assert hands.stock("B-01-01") == {} and hands.stock("A-01-03") == {("2020C01", "available"): 50}


def test_an_override_lets_one_unit_of_another_batch_go_onto_the_truck_instead(
    hands: Hands,
) -> None:
    hands.cmd("HH1", "PICK:101")
    assert refused(hands.goods("HH1", TENT, "2022C03", 10), "take batch 2019A01 at A-01-01")
    granted = override(hands.floor.task("HH1"), "wang", "supervisor", "blocked", 5.0)
    hands.floor.set_task("HH1", granted, 5.0)  # what the floor page records for a supervisor
    assert hands.goods("HH1", TENT, "2022C03", 10).result == "ok"
    (pick,) = hands.events("picking")
    assert pick["override"] == {"by": "wang", "reason": "blocked", "instead_of": "2019A01"}
    assert pick["from_location"] == "A-01-05"  # where the batch taken lies
    assert refused(hands.goods("HH1", TENT, "2022C03", 1), "take batch 2019A01")  # one unit

    door = "LC01-D02-FIX1"
    hands.cmd(door, "LOAD:101", door="D02")
    assert hands.goods(door, TENT, "2022C03", 10, door="D02").result == "ok"
    assert refused(hands.goods(door, TENT, "2022C03", 1, door="D02"), "多装", "Over")
    (load,) = hands.events("loading")
    assert load["instead_of"] == {"location": "A-01-01", "batch": "2019A01"}
    # The replaced reservation is free again; the batch taken left its own stack.
    assert hands.stock("A-01-01") == {("2019A01", "available"): 10, ("2019A01", "reserved"): 10}
    assert hands.stock("A-01-05") == {("2022C03", "available"): 20}


def test_an_override_is_for_a_supervisor_of_a_picking_device_only(hands: Hands) -> None:
    with pytest.raises(NotAllowed):
        override(None, "li", "keeper", "blocked", 0.0)
    with pytest.raises(Unknown):
        override(None, "wang", "supervisor", "bored", 0.0)
    with pytest.raises(Conflict):  # the device is not picking
        override(hands.floor.task("HH1"), "wang", "supervisor", "blocked", 0.0)
