"""The stock effect orders (kernel/stock_rules.py): which status a move and a load take."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kernel.stock_rules import LOAD_ORDER, MOVE_ORDER, status_taken

STATUSES = ("pending_acceptance", "available", "reserved", "on_hold", "scrap_pending", "rejected")


def stack(**held: int) -> dict[str, int]:
    return held


def test_a_move_takes_usable_stock_before_stock_awaiting_acceptance() -> None:
    held = stack(pending_acceptance=10, available=10)
    assert status_taken(MOVE_ORDER, lambda s: held.get(s, 0), 4) == "available"


def test_a_move_takes_whichever_status_holds_enough() -> None:
    held = stack(available=2, on_hold=6)
    assert status_taken(MOVE_ORDER, lambda s: held.get(s, 0), 5) == "on_hold"


def test_a_load_takes_picked_stock_first_then_available() -> None:
    held = stack(reserved=3, available=8)
    assert status_taken(LOAD_ORDER, lambda s: held.get(s, 0), 3) == "reserved"
    assert status_taken(LOAD_ORDER, lambda s: held.get(s, 0), 5) == "available"


def test_nothing_unaccepted_held_or_scrapped_goes_onto_a_truck() -> None:
    held = stack(pending_acceptance=50, on_hold=50, scrap_pending=50, rejected=50)
    assert status_taken(LOAD_ORDER, lambda s: held.get(s, 0), 1) is None
    assert set(LOAD_ORDER) == {"reserved", "available"}


def test_quantities_split_across_statuses_are_not_added_up() -> None:
    held = stack(reserved=3, available=3)
    assert status_taken(LOAD_ORDER, lambda s: held.get(s, 0), 5) is None


def test_every_status_may_move() -> None:
    assert sorted(MOVE_ORDER) == sorted(STATUSES)


@given(
    order=st.sampled_from([MOVE_ORDER, LOAD_ORDER]),
    held=st.dictionaries(st.sampled_from(STATUSES), st.integers(0, 100)),
    qty=st.integers(1, 100),
)
def test_the_status_taken_is_the_first_in_order_that_holds_enough(
    order: tuple[str, ...], held: dict[str, int], qty: int
) -> None:
    taken = status_taken(order, lambda s: held.get(s, 0), qty)
    enough = [s for s in order if held.get(s, 0) >= qty]
    if taken is None:
        assert enough == []
    else:
        assert taken == enough[0]
        assert all(held.get(s, 0) < qty for s in order[: order.index(taken)])
