"""Phone orders recorded at a depot cut off from the centre, in the gateway's real SQLite book
(gateway/storage/phone_orders.py): numbered by the day of the call, planned over what the
depot holds available (never what the centre reserved, never what another order made here
will take), their pick lines offered on the floor like any order's, and kept by every sync."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.phone_orders import Caller, Line, PhoneOrder
from gateway.storage import phone_orders, server_copy
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore

TODAY = date(2026, 12, 2)


def batch(n: int, item: str, no: str, made: str, inbound: str) -> dict[str, Any]:
    return {"id": n, "item_code": item, "batch_no": no, "prod_date": made,
            "inbound_date": inbound, "reinspected_on": None,
            "reinspection_valid_until": None}  # fmt: skip


def item(code: str, name: str, years: int) -> dict[str, Any]:
    return {"code": code, "name_zh": name, "name_en": code, "unit_zh": "顶", "unit_en": "pcs",
            "reusable": True, "storage_years": years}  # fmt: skip


def place(n: int, code: str, walk: int) -> dict[str, Any]:
    return {"id": n, "code": code, "zone": code[0], "walk_order": walk, "kind": "storage"}


def held(where: int, which: int, status: str, qty: int) -> dict[str, Any]:
    return {"location_id": where, "batch_id": which, "status": status, "qty": qty}


ANSWER: dict[str, Any] = {
    "cursor": "c1", "full": True, "warehouse": "LC01",
    "items": [item("ZS-0001", "单帐篷", 8), item("CQ-0001", "棉被", 6)],
    "gtins": [{"gtin": "06901234567892", "item_code": "ZS-0001"}],
    "locations": [place(10, "A-01-01", 10), place(11, "A-01-02", 11), place(14, "A-01-05", 14),
                  place(20, "B-01-01", 20)],
    "batches": [batch(100, "ZS-0001", "2019A01", "2019-01-10", "2019-03-01"),
                batch(101, "ZS-0001", "2021B02", "2021-02-10", "2021-04-01"),
                batch(103, "ZS-0001", "2022C03", "2022-01-10", "2022-03-01"),
                batch(104, "ZS-0001", "2010X09", "2010-01-10", "2010-03-01"),  # overdue
                batch(102, "CQ-0001", "2020C01", "2020-03-01", "2020-05-01")],
    "stock": [held(10, 100, "reserved", 20),  # the centre's order 101
              held(11, 101, "available", 30), held(11, 101, "reserved", 10),
              held(14, 103, "available", 30), held(20, 104, "available", 40),
              held(20, 102, "available", 50)],
    "pick_lists": [
        {"id": 1, "warehouse": "LC01", "seq": 1, "location": "A-01-01", "item": "ZS-0001",
         "batch": "2019A01", "inbound_date": "2019-03-01", "qty": 20, "loaded": 0, "order": "101"},
        {"id": 2, "warehouse": "LC01", "seq": 2, "location": "A-01-02", "item": "ZS-0001",
         "batch": "2021B02", "inbound_date": "2021-04-01", "qty": 10, "loaded": 0, "order": "101"},
    ],
    "stocktakes": [], "acceptances": [], "inbound_notices": [],
}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> GatewayStore:
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        server_copy.apply_sync(db, json.loads(json.dumps(ANSWER)), started=0.0)
    return kept


def call(*lines: tuple[str, int]) -> PhoneOrder:
    return PhoneOrder(
        Caller("王建国", "绵阳市应急管理局", "0816-2221234"), None, "北川县擂鼓镇安置点",
        tuple(Line(i, q) for i, q in lines), datetime(2026, 12, 2, 1, 10, tzinfo=UTC),
    )  # fmt: skip


def record(store: GatewayStore, order: PhoneOrder) -> phone_orders.Recorded:
    with store.transaction() as db:
        return phone_orders.record(db, order, "LC01", TODAY, TODAY, "sup-lc01", time.time())


def lines_of(store: GatewayStore, number: str) -> list[tuple[str, str, int]]:
    with store.transaction() as db:
        return [(x.batch, x.location, x.qty) for x in Book(db).pick_lines(number)]


def test_an_order_takes_what_the_depot_holds_available_first_in_first_out(
    store: GatewayStore,
) -> None:
    made = record(store, call(("ZS-0001", 50), ("CQ-0001", 5)))
    assert made.number == "TEL-LC01-20261202-001"
    # 2019A01 is the centre's (reserved), 2010X09 and the quilts' 2020C01 overdue without a
    # re-inspection: none of them is taken
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 30), ("2022C03", "A-01-05", 20)]
    assert made.plan.short == (Line("CQ-0001", 5),)
    with store.transaction() as db:  # the lines' ids rise with the pick list (the tie-break)
        ids = [r[0] for r in db.execute("SELECT id FROM pick_lines WHERE id < 0 ORDER BY seq")]
    assert ids == sorted(ids) and all(i < 0 for i in ids)


def test_overdue_goods_that_passed_a_reinspection_go_first(tmp_path: Path) -> None:
    passed = json.loads(json.dumps(ANSWER))
    passed["batches"][3]["reinspection_valid_until"] = "2027-06-30"  # 2010X09
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        server_copy.apply_sync(db, passed, started=0.0)
    made = record(kept, call(("ZS-0001", 50)))
    assert lines_of(kept, made.number) == [("2010X09", "B-01-01", 40), ("2021B02", "A-01-02", 10)]


def test_a_second_order_never_plans_what_the_first_will_take(store: GatewayStore) -> None:
    first = record(store, call(("ZS-0001", 50)))
    second = record(store, call(("ZS-0001", 25)))
    assert second.number == "TEL-LC01-20261202-002" != first.number
    assert lines_of(store, second.number) == [("2022C03", "A-01-05", 10)]
    assert second.plan.short == (Line("ZS-0001", 15),)


def test_a_sync_replaces_the_centres_pick_lists_and_keeps_the_depots(store: GatewayStore) -> None:
    made = record(store, call(("ZS-0001", 12)))
    again = json.loads(json.dumps(ANSWER))
    again["pick_lists"] = again["pick_lists"][:1]  # the centre's order changed meanwhile
    with store.transaction() as db:
        server_copy.apply_sync(db, again, started=0.0)
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 12)]
    assert lines_of(store, "101") == [("2019A01", "A-01-01", 20)]
    with store.transaction() as db:
        kept = db.execute("SELECT number, caller_name, lines FROM phone_orders").fetchall()
    assert kept == [(made.number, "王建国", '[{"item": "ZS-0001", "qty": 12}]')]
