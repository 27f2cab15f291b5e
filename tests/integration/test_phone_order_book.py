"""Phone orders recorded at a depot cut off from the centre, in the gateway's real SQLite book
(gateway/storage/phone_orders.py): numbered by the day of the call, planned over what the
depot holds available (never what the centre reserved, never what another order made here
will take), their pick lines offered on the floor like any order's, and kept by every sync."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from gateway.domain.errors import Conflict
from gateway.domain.floor import Load
from gateway.domain.phone_orders import Caller, Line, PhoneOrder
from gateway.services import phone_orders as service
from gateway.services.floor_pages import User
from gateway.storage import phone_orders, server_copy
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore, insert_outbox
from harness.depot_copy import answer, batch, held

TODAY = date(2026, 12, 2)


@pytest.fixture
def store(tmp_path: Path) -> GatewayStore:
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        server_copy.apply_sync(db, answer(), started=0.0)
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
    passed = answer()
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
    again = answer()
    again["pick_lists"] = again["pick_lists"][:1]  # the centre's order changed meanwhile
    with store.transaction() as db:
        server_copy.apply_sync(db, again, started=0.0)
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 12)]
    assert lines_of(store, "101") == [("2019A01", "A-01-01", 20)]
    with store.transaction() as db:
        kept = db.execute("SELECT number, caller_name, lines FROM phone_orders").fetchall()
    assert kept == [(made.number, "王建国", '[{"item": "ZS-0001", "qty": 12}]')]


def test_the_thousandth_order_of_a_day_is_refused_not_numbered_again(store: GatewayStore) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO phone_orders VALUES ('TEL-LC01-20261202-999', '2026-12-02', 999, "
            "'2026-12-02T09:00:00+08:00', 'a', 'b', '1', NULL, 'c', '[]', '[]', 'sup', 0, NULL)"
        )
    with pytest.raises(Conflict) as refused:
        record(store, call(("ZS-0001", 1)))
    assert "999" in refused.value.zh and "999 phone orders" in refused.value.en


def test_the_order_goes_out_behind_earlier_events_and_its_lines_give_way_to_the_centres(
    store: GatewayStore,
) -> None:
    """Once the centre has the order, the next sync brings its pick lines for it (planned
    from the same stacks): they replace the depot's, and what was loaded counts once."""
    with store.transaction() as db:
        insert_outbox(db, [("e-before", "moving", {"event_id": "e-before"})], time.time())
    made = record(store, call(("ZS-0001", 12)))
    waiting = store.due(10)
    assert [(r.event_id, r.type) for r in waiting] == [
        ("e-before", "moving"), (made.number, "phone_order"),
    ]  # fmt: skip
    sent = waiting[1].payload
    assert sent["picks"] == [{"item": "ZS-0001", "location": "A-01-02", "batch": "2021B02",
                              "qty": 12}]  # fmt: skip
    assert sent["caller"]["unit"] == "绵阳市应急管理局" and sent["recorded_by"] == "sup-lc01"
    with store.transaction() as db:  # 5 loaded at a door, its event not yet with the centre
        book = Book(db)
        (local,) = book.pick_lines(made.number)
        insert_outbox(db, [("e-load", "loading", {"event_id": "e-load"})], time.time())
        book.record_load(Load("e-load", local.id, 5, "LC01-D02-FIX1", time.time(), "2021B02"))
    store.settle({"e-before": ("accepted", None), made.number: ("accepted", None)})
    centre = answer()
    centre["pick_lists"].append(
        {"id": 7, "warehouse": "LC01", "seq": 1, "location": "A-01-02", "item": "ZS-0001",
         "batch": "2021B02", "inbound_date": "2021-04-01", "qty": 12, "loaded": 0,
         "order": made.number},
    )  # fmt: skip
    with store.transaction() as db:
        server_copy.apply_sync(db, centre, started=time.time() + 1)
        assert Book(db).left_to_load(made.number) == {7: 7}  # the local load, on the centre's line
        assert db.execute("SELECT count(*) FROM pick_lines WHERE id < 0").fetchone() == (0,)
    store.settle({"e-load": ("rejected", "insufficient_stock: ...")})
    with store.transaction() as db:  # refused by the centre, yet on the truck: never reloaded
        server_copy.apply_sync(db, centre, started=time.time() + 2)
        assert Book(db).left_to_load(made.number) == {7: 7}
    with store.transaction() as db:
        db.execute("UPDATE outbox SET state = 'sent' WHERE event_id = 'e-load'")
    centre["pick_lists"][-1]["loaded"] = 5
    with store.transaction() as db:
        server_copy.apply_sync(db, centre, started=time.time() + 3)
        assert Book(db).left_to_load(made.number) == {7: 7}  # counted once, by the centre
    with store.reading() as db:
        assert phone_orders.kept(db, made.number)["sent"] is True


def test_a_sync_before_the_centre_has_the_order_keeps_the_depots_lines(
    store: GatewayStore,
) -> None:
    made = record(store, call(("ZS-0001", 12)))
    with store.transaction() as db:
        server_copy.apply_sync(db, answer(), started=time.time())
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 12)]
    store.settle({made.number: ("rejected", "404: unknown_user")})
    with store.reading() as db:
        shown = phone_orders.kept(db, made.number)
    assert shown is not None and shown["sent"] is False and shown["refused"] == "404: unknown_user"
    with store.transaction() as db:  # the depot called the centre; its lines leave the floor
        phone_orders.withdraw(db, made.number, "中心拒收，已电话补录", "sup-lc01", time.time())
    assert lines_of(store, made.number) == []


def test_a_book_made_before_withdrawals_and_specs_gains_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "gateway.sqlite"
    first = GatewayStore(path, time.time)
    with first.transaction() as db:
        server_copy.apply_sync(db, answer(), started=0.0)
    first.close()
    kept = GatewayStore(path, time.time)
    made = record(kept, call(("ZS-0001", 12)))
    kept.close()
    with contextlib.closing(sqlite3.connect(path)) as db:  # as an earlier release left it
        db.execute("ALTER TABLE phone_orders DROP COLUMN withdrawn")
        db.execute("ALTER TABLE items DROP COLUMN spec")
        db.commit()
    older = GatewayStore(path, time.time)
    with older.reading() as db:
        shown = phone_orders.kept(db, made.number)
        assert shown is not None and shown["withdrawn"] is None
        assert "spec" in {r[1] for r in db.execute("PRAGMA table_info(items)")}
        assert server_copy.cursor(db) is None  # the next sync fills the specs: the whole copy
    with older.transaction() as db:
        phone_orders.withdraw(db, made.number, "记错了", "sup-lc01", time.time())
        assert phone_orders.kept(db, made.number)["withdrawn"]["reason"] == "记错了"
    older.close()


def test_the_lines_give_way_stack_by_stack_and_item_by_item(tmp_path: Path) -> None:
    """A tent batch and a quilt batch with the same code at the same place: the loads of
    each go onto the centre's line for that item."""
    copy = answer()
    copy["batches"].append(batch(105, "CQ-0001", "2021B02", "2021-02-10", "2021-04-01"))
    copy["stock"].append(held(11, 105, "available", 20))
    kept = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with kept.transaction() as db:
        server_copy.apply_sync(db, copy, started=0.0)
    made = record(kept, call(("ZS-0001", 12), ("CQ-0001", 5)))
    with kept.transaction() as db:
        book = Book(db)
        tents = next(x for x in book.pick_lines(made.number) if x.item == "ZS-0001")
        insert_outbox(db, [("e-load", "loading", {"event_id": "e-load"})], time.time())
        book.record_load(Load("e-load", tents.id, 5, "LC01-D02-FIX1", time.time(), "2021B02"))
    kept.settle({made.number: ("accepted", None)})
    line = {"warehouse": "LC01", "location": "A-01-02", "batch": "2021B02",
            "inbound_date": "2021-04-01", "loaded": 0, "order": made.number}  # fmt: skip
    copy["pick_lists"] += [{**line, "id": 7, "seq": 1, "item": "CQ-0001", "qty": 5},
                           {**line, "id": 8, "seq": 2, "item": "ZS-0001", "qty": 12}]  # fmt: skip
    with kept.transaction() as db:
        server_copy.apply_sync(db, copy, started=time.time() + 1)
        assert Book(db).left_to_load(made.number) == {7: 5, 8: 7}
    kept.close()


def test_an_order_tried_on_the_centre_is_withdrawn_no_more(store: GatewayStore) -> None:
    """A delivery whose answer was lost may have left the order with the centre."""
    made = record(store, call(("ZS-0001", 12)))
    store.defer([made.number], 5.0, "timed out")
    with store.transaction() as db, pytest.raises(Conflict) as refused:
        phone_orders.withdraw(db, made.number, "记错了", "sup-lc01", time.time())
    assert "cancelled there" in refused.value.en
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 12)]


def test_a_withdrawal_waits_for_a_delivery_under_way(store: GatewayStore) -> None:
    made = record(store, call(("ZS-0001", 12)))
    supervisor = User("sup-lc01", "Sup", "supervisor")
    exchange = threading.Lock()
    exchange.acquire()  # the forwarder is sending to the centre
    with pytest.raises(Conflict) as busy:
        service.withdraw(store, supervisor, made.number, "记错了", exchange, time.time(), 0.05)
    assert "talking to the centre" in busy.value.en
    assert lines_of(store, made.number) == [("2021B02", "A-01-02", 12)]
    exchange.release()
    service.withdraw(store, supervisor, made.number, "记错了", exchange, time.time(), 0.05)
    assert lines_of(store, made.number) == []
