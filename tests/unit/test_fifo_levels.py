"""The requesting level's own reserve first (art. 17), before nearest-first and FIFO
(design section 4), pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.errors import Rejection
from server.domain.fifo import Allocation, Candidate, Site, allocate, options, why
from server.domain.levels import LEVELS, check_level

TODAY = date(2026, 11, 23)
NEAR, FAR = Site("LC01", 31.47, 104.68), Site("LC02", 31.63, 105.17)
DISASTER = (31.45, 104.60)  # a few km from LC01


def c(
    batch: int,
    inbound: date,
    qty: int = 10,
    *,
    warehouse: str = "LC01",
    level: str | None = "city",
    walk: int = 1,
) -> Candidate:
    return Candidate(
        warehouse, f"A-{walk:02d}", walk, batch, f"B{batch}", inbound, None, qty, 8, None, level
    )


def taken(plan: Allocation) -> list[tuple[str, str, int]]:
    return [(t.warehouse, t.batch_no, t.qty) for t in plan.takes]


def test_own_level_first_even_when_another_levels_stock_is_nearer_and_older() -> None:
    stock = [
        c(1, date(2019, 1, 1), 30, level="province"),  # near and oldest, the province's
        c(2, date(2024, 1, 1), 20, warehouse="LC02", level="city"),  # far and young, the city's
    ]
    plan = allocate(15, DISASTER, [NEAR, FAR], stock, TODAY, level="city")
    assert taken(plan) == [("LC02", "B2", 15)]
    assert why(plan.takes[0])["level"] == "city"
    # the province asking takes its own, as before
    assert taken(allocate(15, DISASTER, [NEAR, FAR], stock, TODAY, level="province")) == [
        ("LC01", "B1", 15)
    ]


def test_other_levels_give_only_the_shortfall_in_the_usual_order() -> None:
    stock = [
        c(1, date(2019, 1, 1), 30, level="province"),
        c(2, date(2020, 1, 1), 5, warehouse="LC02", level="central"),
        c(3, date(2024, 1, 1), 20, warehouse="LC02", level="city"),
    ]
    plan = allocate(40, DISASTER, [NEAR, FAR], stock, TODAY, level="city")
    # the city's 20 first, then the rest nearest first (LC01) and FIFO: province's 20
    assert taken(plan) == [("LC02", "B3", 20), ("LC01", "B1", 20)]
    assert plan.shortfall == 0
    short = allocate(100, DISASTER, [NEAR, FAR], stock, TODAY, level="city")
    assert taken(short) == [("LC02", "B3", 20), ("LC01", "B1", 30), ("LC02", "B2", 5)]
    assert short.shortfall == 45


def test_refused_stock_stays_last_whatever_its_level() -> None:
    overdue = Candidate("LC01", "A-09", 9, 9, "B9", date(2010, 1, 1), date(2010, 1, 1), 50, 5)
    stock = [replace(overdue, level="city"), c(1, date(2024, 1, 1), 10, level="province")]
    offered = options(DISASTER, [NEAR, FAR], stock, TODAY, level="city")
    assert [(o.candidate.batch_no, o.offerable) for o in offered] == [("B1", True), ("B9", False)]
    plan = allocate(20, DISASTER, [NEAR, FAR], stock, TODAY, level="city")
    assert taken(plan) == [("LC01", "B1", 10)] and plan.shortfall == 10


levels = st.sampled_from(LEVELS)
stocks = st.lists(
    st.builds(
        lambda b, days, qty, wh, walk, lv: c(
            b, date(2020, 1, 1 + days % 28), qty, warehouse=wh, walk=walk, level=lv
        ),
        st.integers(1, 10_000),
        st.integers(0, 27),
        st.integers(0, 50),
        st.sampled_from(["LC01", "LC02"]),
        st.integers(1, 40),
        levels,
    ),
    max_size=30,
    unique_by=lambda x: (x.warehouse, x.batch_id),
)


@settings(max_examples=300)
@given(stocks, st.integers(1, 2000), levels)
def test_other_levels_are_touched_only_once_the_own_level_is_exhausted(
    stock: list[Candidate], qty: int, level: str
) -> None:
    plan = allocate(qty, DISASTER, [NEAR, FAR], stock, TODAY, level=level)
    own = sum(x.qty for x in stock if x.level == level)
    from_own = sum(t.qty for t in plan.takes if t.level == level)
    assert from_own == min(qty, own)
    first_other = next((i for i, t in enumerate(plan.takes) if t.level != level), None)
    if first_other is not None:
        assert all(t.level != level for t in plan.takes[first_other:])
        assert from_own == own  # the own level had no more to give
    # the amounts are those of the plan without a level: only the order of the stacks differs
    blind = allocate(qty, DISASTER, [NEAR, FAR], stock, TODAY)
    assert (plan.allocated, plan.shortfall) == (blind.allocated, blind.shortfall)


@settings(max_examples=200)
@given(stocks, st.integers(1, 2000), levels)
def test_no_level_given_or_all_stock_of_one_level_plans_as_before(
    stock: list[Candidate], qty: int, level: str
) -> None:
    untagged = [replace(x, level=None) for x in stock]
    before = taken(allocate(qty, DISASTER, [NEAR, FAR], untagged, TODAY))
    assert taken(allocate(qty, DISASTER, [NEAR, FAR], stock, TODAY)) == before
    one_level = [replace(x, level="county") for x in stock]
    assert taken(allocate(qty, DISASTER, [NEAR, FAR], one_level, TODAY, level=level)) == before


def test_a_level_outside_the_four_is_refused() -> None:
    assert check_level("central") == "central"
    with pytest.raises(Rejection) as refused:
        check_level("township")
    assert refused.value.reason == "bad_level"
