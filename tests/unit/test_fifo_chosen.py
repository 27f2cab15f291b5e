"""The allocation's reasons, the stacks a line may choose from, and a plan the person edited
held to the same rules (server.domain.fifo: why, options, take_chosen), pure."""

from __future__ import annotations

from datetime import date

import pytest
from test_fifo import DISASTER, FAR, NEAR, TODAY, c  # the same test folder

from server.domain.errors import Rejection
from server.domain.fifo import Chosen, allocate, options, take_chosen, why

OLD_PASSED = c(1, date(2014, 1, 1), prod=date(2014, 1, 1), years=5, passed_until=TODAY)
OLD_UNCHECKED = c(2, date(2013, 1, 1), prod=date(2013, 1, 1), years=5)
YOUNG = c(3, date(2024, 1, 1), qty=20)
FARAWAY = c(4, date(2020, 1, 1), qty=30, warehouse="LC02")
STOCK = [OLD_PASSED, OLD_UNCHECKED, YOUNG, FARAWAY]


def test_each_take_says_why_it_was_chosen() -> None:
    plan = allocate(25, DISASTER, [NEAR, FAR], STOCK, TODAY, {"LC02": 80.0})
    assert [(t.batch_no, t.qty) for t in plan.takes] == [("B1", 10), ("B3", 15)]
    first, second = (why(t) for t in plan.takes)
    assert first["rule"] == "reinspected" and first["by"] == "straight"
    assert second == {
        "rule": "fifo",
        "km": plan.takes[1].km,
        "by": "straight",
        "inbound_date": "2024-01-01",
    }
    assert 0 < float(str(first["km"])) < 20  # LC01 is a few km from the disaster
    by_road = allocate(60, DISASTER, [NEAR, FAR], STOCK, TODAY, {"LC02": 80.0}).takes[-1]
    assert why(by_road)["by"] == "road" and why(by_road)["km"] == 80.0


def test_the_options_are_in_the_rules_order_with_the_refused_last() -> None:
    offered = options(DISASTER, [NEAR, FAR], STOCK, TODAY)
    assert [(o.candidate.batch_no, o.offerable) for o in offered] == [
        ("B1", True),
        ("B3", True),
        ("B4", True),
        ("B2", False),
    ]
    assert len(options(DISASTER, [NEAR, FAR], STOCK, TODAY, limit=2)) == 2


def test_an_edited_plan_takes_what_was_chosen_and_leaves_the_rest_short() -> None:
    chosen = [Chosen("LC02", "A-01", "B4", 20), Chosen("LC01", "A-01", "B3", 5)]
    plan = take_chosen(40, chosen, DISASTER, [NEAR, FAR], STOCK, TODAY)
    assert [(t.warehouse, t.batch_no, t.qty) for t in plan.takes] == [
        ("LC02", "B4", 20),
        ("LC01", "B3", 5),
    ]
    assert plan.shortfall == 15 and all(why(t)["rule"] == "chosen" for t in plan.takes)


@pytest.mark.parametrize(
    ("chosen", "reason"),
    [
        ([Chosen("LC01", "A-01", "B2", 1)], "stock_limit"),  # overdue, no valid pass
        ([Chosen("LC01", "A-01", "B3", 21)], "insufficient_stock"),  # it holds 20
        # the same stack twice, together more than it holds
        ([Chosen("LC01", "A-01", "B3", 15), Chosen("LC01", "A-01", "B3", 6)], "insufficient_stock"),
        ([Chosen("LC01", "A-09", "B3", 1)], "insufficient_stock"),  # not at that location
        ([Chosen("LC01", "A-01", "B3", 20), Chosen("LC02", "A-01", "B4", 21)], "over_line"),
    ],
)
def test_an_edited_plan_is_held_to_the_rules(chosen: list[Chosen], reason: str) -> None:
    with pytest.raises(Rejection) as refused:
        take_chosen(40, chosen, DISASTER, [NEAR, FAR], STOCK, TODAY)
    assert refused.value.reason == reason


def test_a_depot_outside_the_callers_scope_cannot_be_chosen() -> None:
    with pytest.raises(Rejection) as refused:
        take_chosen(5, [Chosen("LC02", "A-01", "B4", 5)], DISASTER, [NEAR], STOCK, TODAY)
    assert refused.value.reason == "insufficient_stock"
