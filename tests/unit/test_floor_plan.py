"""What each floor event does to stock (server.domain.floor.plan), by itself: the changes and
their basis for every kind, and every refusal a depot's floor can meet, on a stock held in a
dict, with no database. Each event is read as the server reads it (eventcheck.read: its
shape, then its typed form) before it is planned."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.basis import Kind
from server.domain.bounds import MAX_STOCK
from server.domain.errors import Rejection
from server.domain.eventcheck import read
from server.domain.floor import Change, OrderRef, PickRef, Refs, StockKey, plan

GTIN, TENT, ROPE = "06901234000017", "ZP-0001", "SH-0002"
DOOR, RACK, SHELF = 1, 2, 3
B1, B2 = 10, 11
REFS = Refs(
    items={GTIN: TENT, "06901234000024": ROPE},
    locations={"D01": DOOR, "A-01-01": RACK, "A-01-02": SHELF},
    batches={(TENT, "2025A01"): B1, (TENT, "2025B02"): B2, (ROPE, "R1"): 12},
    reusable=frozenset({TENT}),
    orders={
        "调-1": OrderRef(1, "open", here=True),
        "调-2": OrderRef(2, "cancelled", here=True),
        "调-3": OrderRef(3, "open", here=False),
    },
    picks={("调-1", RACK, B1): PickRef(7, open=30), ("调-1", SHELF, B2): PickRef(8, open=5)},
    ordered=frozenset({("调-1", TENT)}),
)


def held(**lines: int) -> dict[StockKey, int]:
    """Stock by `<location>_<batch>_<status>` names: rack_b1_reserved=20."""
    where = {"door": DOOR, "rack": RACK, "shelf": SHELF}
    batch = {"b1": B1, "b2": B2}
    found: dict[StockKey, int] = {}
    for name, qty in lines.items():
        place, lot, status = name.split("_", 2)
        found[(where[place], batch[lot], status)] = qty
    return found


def event(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "warehouse": "LC01",
        "gtin": GTIN,
        "batch": "2025A01",
        "qty": 10,
        **fields,
    }


def planned(ev: dict[str, Any], stock: dict[StockKey, int] | None = None, loaded: int = 0) -> Any:
    lines = stock or {}
    _, typed = read({"event_id": str(uuid.uuid4()), **ev})
    return plan(typed, "LC01", REFS, lambda key: lines.get(key, 0), lambda line_id: loaded)


def refused(ev: dict[str, Any], stock: dict[StockKey, int] | None = None, loaded: int = 0) -> str:
    with pytest.raises(Rejection) as caught:
        planned(ev, stock, loaded)
    return caught.value.reason


def test_received_goods_wait_for_acceptance_at_the_door() -> None:
    got = planned(event("receiving", location="D01"))
    assert got.changes == [Change(DOOR, B1, "pending_acceptance", 10)]
    assert got.kind is Kind.RECEIPT and got.line is None


def test_putaway_and_moves_keep_the_status_and_take_the_first_that_has_enough() -> None:
    stock = held(door_b1_pending_acceptance=4, door_b1_available=12)
    got = planned(event("storing", from_location="D01", to_location="A-01-01"), stock)
    assert got.changes == [Change(DOOR, B1, "available", -10), Change(RACK, B1, "available", 10)]
    assert got.kind is Kind.MOVE
    asked = event("moving", from_location="D01", to_location="A-01-01", qty=4)
    asked["status"] = "pending_acceptance"
    assert planned(asked, stock).changes[0] == Change(DOOR, B1, "pending_acceptance", -4)
    assert refused(event("moving", from_location="D01", to_location="D01"), stock) == (
        "same_location"
    )
    assert refused(event("moving", from_location="D01", to_location="A-01-01", qty=13), stock) == (
        "insufficient_stock"
    )


def test_a_load_takes_reserved_stock_first_against_its_pick_line() -> None:
    stock = held(rack_b1_reserved=6, rack_b1_available=20)
    got = planned(event("loading", order="调-1", from_location="A-01-01", qty=6), stock)
    assert got.changes == [Change(RACK, B1, "reserved", -6)]
    assert got.kind is Kind.PICK_LINE and got.line == PickRef(7, open=30) and got.ref == "7"
    more = planned(event("loading", order="调-1", from_location="A-01-01", qty=8), stock)
    assert more.changes == [Change(RACK, B1, "available", -8)]  # reserved has too few


def test_a_load_takes_no_more_than_its_line_has_left() -> None:
    stock = held(rack_b1_reserved=40)
    ev = event("loading", order="调-1", from_location="A-01-01", qty=25)
    assert planned(ev, stock, loaded=5).changes == [Change(RACK, B1, "reserved", -25)]
    assert refused(ev, stock, loaded=6) == "over_pick_list"


def test_a_load_instead_of_a_reserved_batch_gives_the_reservation_back() -> None:
    stock = held(rack_b1_available=10, shelf_b2_reserved=5)
    ev = event("loading", order="调-1", from_location="A-01-01", qty=5)
    ev["instead_of"] = {"location": "A-01-02", "batch": "2025B02"}
    got = planned(ev, stock)
    assert got.changes == [
        Change(RACK, B1, "available", -5),
        Change(SHELF, B2, "reserved", -5),
        Change(SHELF, B2, "available", 5),
    ]
    assert got.line == PickRef(8, open=5)
    ev["qty"] = 6  # the replaced stack has 5 reserved
    assert refused(ev, held(rack_b1_available=10, shelf_b2_reserved=5)) == "not_reserved"
    assert refused(ev, held(rack_b1_available=10, shelf_b2_reserved=9)) == "over_pick_list"
    ev["instead_of"] = "A-01-02"
    assert refused(ev, stock) == "bad_instead_of"


def test_goods_leave_only_for_an_open_order_of_this_depot_with_a_line_there() -> None:
    stock = held(rack_b1_reserved=10, shelf_b2_reserved=10)
    take = {"from_location": "A-01-01"}
    assert refused(event("loading", **take), stock) == "no_order"
    assert refused(event("loading", order="调-9", **take), stock) == "unknown_order"
    assert refused(event("loading", order="调-3", **take), stock) == "unknown_order"
    assert refused(event("loading", order="调-2", **take), stock) == "not_open"
    other = event("loading", order="调-1", from_location="A-01-02", batch="2025B02", qty=1)
    other["batch"] = "2025A01"
    assert refused(other, held(shelf_b1_reserved=1)) == "not_on_pick_list"


def test_a_pick_books_nothing_but_is_checked_like_a_load() -> None:
    stock = held(rack_b1_reserved=10)
    got = planned(event("picking", order="调-1", from_location="A-01-01"), stock)
    assert got.changes == [] and got.kind is None
    short = event("picking", order="调-1", from_location="A-01-01", qty=11)
    assert refused(short, stock) == "insufficient_stock"
    swapped = event("picking", order="调-1", from_location="A-01-02", batch="2025B02", qty=2)
    swapped["override"] = {"by": "wang"}
    assert planned(swapped, held(shelf_b2_available=2)).changes == []
    rope = {**swapped, "gtin": "06901234000024", "batch": "R1"}
    assert refused(rope, {(SHELF, 12, "available"): 2}) == "not_on_pick_list"


def test_only_reusable_goods_come_back_and_they_wait_on_hold() -> None:
    got = planned(event("returning", location="D01"))
    assert got.changes == [Change(DOOR, B1, "on_hold", 10)] and got.kind is Kind.RETURN
    rope = event("returning", location="D01", gtin="06901234000024", batch="R1")
    assert refused(rope) == "not_reusable"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"type": "counting"}, "unsupported_type"),
        ({"warehouse": "LC02"}, "warehouse_not_allowed"),
        ({"qty": 0}, "bad_quantity"),
        ({"qty": True}, "bad_quantity"),
        ({"qty": "10"}, "bad_quantity"),
        ({"gtin": "06901234000031"}, "unknown_gtin"),
        ({"batch": " "}, "missing_batch"),
        ({"batch": "2099Z99"}, "unknown_batch"),
        ({"location": "B-09"}, "unknown_location"),
    ],
)
def test_what_the_master_data_does_not_know_is_refused(fields: dict[str, Any], reason: str) -> None:
    assert refused({**event("receiving", location="D01"), **fields}) == reason


def test_no_stock_line_goes_past_its_limit() -> None:
    full = held(door_b1_pending_acceptance=MAX_STOCK - 5)
    assert refused(event("receiving", location="D01"), full) == "stock_limit"
    assert planned(event("receiving", location="D01", qty=5), full).changes


@given(
    have=st.dictionaries(
        st.sampled_from(["available", "pending_acceptance", "reserved", "on_hold"]),
        st.integers(0, 50),
    ),
    qty=st.integers(1, 60),
)
def test_a_move_never_takes_more_than_a_status_holds(have: dict[str, int], qty: int) -> None:
    stock = {(DOOR, B1, status): n for status, n in have.items()}
    ev = event("moving", from_location="D01", to_location="A-01-01", qty=qty)
    try:
        got = planned(ev, stock)
    except Rejection as exc:
        assert exc.reason == "insufficient_stock"
        assert all(n < qty for n in have.values())
        return
    taken, put = got.changes
    assert taken.delta == -qty and put.delta == qty and taken.status == put.status
    assert have.get(taken.status, 0) >= qty
