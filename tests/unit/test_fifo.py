"""FIFO and nearest-first allocation (design section 4), pure."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.fifo import Candidate, Site, allocate, fifo_order, great_circle_km, nearest_first

TODAY = date(2026, 11, 23)
NEAR, FAR = Site("LC01", 31.47, 104.68), Site("LC02", 31.63, 105.17)
DISASTER = (31.45, 104.60)  # a few km from LC01


def c(
    batch: int,
    inbound: date | None,
    qty: int = 10,
    *,
    warehouse: str = "LC01",
    walk: int = 1,
    prod: date | None = None,
    years: int = 8,
    passed_until: date | None = None,
) -> Candidate:
    return Candidate(
        warehouse, f"A-{walk:02d}", walk, batch, f"B{batch}", inbound, prod, qty, years,
        passed_until,
    )  # fmt: skip


def test_earliest_inbound_first_then_production_then_walk_order() -> None:
    order = fifo_order(
        [
            c(1, date(2024, 5, 1)),
            c(2, date(2023, 5, 1), prod=date(2023, 3, 1)),
            c(3, date(2023, 5, 1), prod=date(2023, 1, 1), walk=9),
            c(4, date(2023, 5, 1), prod=date(2023, 1, 1), walk=2),
        ],
        TODAY,
    )
    assert [x.batch_id for x in order] == [4, 3, 2, 1]


def test_overdue_stock_goes_first_only_after_passing_reinspection() -> None:
    old_passed = c(1, date(2014, 1, 1), prod=date(2014, 1, 1), years=5, passed_until=TODAY)
    old_unchecked = c(2, date(2013, 1, 1), prod=date(2013, 1, 1), years=5)
    young = c(3, date(2012, 1, 1), prod=date(2025, 1, 1), years=5)  # odd but not overdue
    order = fifo_order([young, old_unchecked, old_passed], TODAY)
    assert [x.batch_id for x in order] == [1, 3]  # the unchecked overdue batch is never offered


def test_a_lapsed_pass_leaves_overdue_stock_out_again() -> None:
    lapsed = c(1, date(2014, 1, 1), prod=date(2014, 1, 1), years=5, passed_until=date(2026, 11, 22))
    fresh = c(2, date(2024, 1, 1), prod=date(2024, 1, 1), years=5)
    assert [x.batch_id for x in fifo_order([lapsed, fresh], TODAY)] == [2]
    on_its_last_day = fifo_order([lapsed, fresh], date(2026, 11, 22))
    assert [x.batch_id for x in on_its_last_day] == [1, 2]


def test_a_batch_without_an_inbound_date_goes_last() -> None:
    order = fifo_order([c(1, None), c(2, date(2026, 1, 1)), c(3, date(2020, 1, 1))], TODAY)
    assert [x.batch_id for x in order] == [3, 2, 1]


def test_nearest_warehouse_first_and_road_distance_wins_where_known() -> None:
    assert [s.code for s in nearest_first([FAR, NEAR], DISASTER)] == ["LC01", "LC02"]
    roads = {"LC01": 120.0, "LC02": 60.0}  # a landslide closed the short road
    assert [s.code for s in nearest_first([FAR, NEAR], DISASTER, roads)] == ["LC02", "LC01"]
    assert 40 < great_circle_km((NEAR.lat, NEAR.lon), (FAR.lat, FAR.lon)) < 60


def test_an_order_is_split_across_warehouses_when_one_cannot_fill_it() -> None:
    stock = [c(1, date(2024, 1, 1), 30), c(2, date(2020, 1, 1), 50, warehouse="LC02")]
    result = allocate(60, DISASTER, [NEAR, FAR], stock, TODAY)
    assert [(t.warehouse, t.batch_no, t.qty) for t in result.takes] == [
        ("LC01", "B1", 30),
        ("LC02", "B2", 30),
    ]
    assert result.shortfall == 0
    short = allocate(100, DISASTER, [NEAR, FAR], stock, TODAY)
    assert (short.allocated, short.shortfall) == (80, 20)


candidates = st.lists(
    st.builds(
        lambda b, days, qty, wh, walk: c(
            b, date(2020, 1, 1).replace(day=1 + days % 28), qty, warehouse=wh, walk=walk
        ),
        st.integers(1, 10_000),
        st.integers(0, 27),
        st.integers(0, 50),
        st.sampled_from(["LC01", "LC02"]),
        st.integers(1, 40),
    ),
    max_size=30,
    unique_by=lambda x: (x.warehouse, x.batch_id),
)


@settings(max_examples=300)
@given(candidates, st.integers(1, 2000))
def test_allocation_never_takes_more_than_there_is_and_fills_what_it_can(
    stock: list[Candidate], qty: int
) -> None:
    result = allocate(qty, DISASTER, [NEAR, FAR], stock, TODAY)
    total = sum(x.qty for x in stock)
    assert result.allocated == min(qty, total) and result.allocated + result.shortfall == qty
    held = {(x.warehouse, x.batch_id): x.qty for x in stock}
    for take in result.takes:
        assert 0 < take.qty <= held[(take.warehouse, take.batch_id)]
    # Nearest first: the far warehouse gives nothing while the near one still has stock.
    near_left = sum(x.qty for x in stock if x.warehouse == "LC01") - sum(
        t.qty for t in result.takes if t.warehouse == "LC01"
    )
    if any(t.warehouse == "LC02" for t in result.takes):
        assert near_left == 0
    # FIFO inside a warehouse: takes come in the order fifo_order gives.
    for site in ("LC01", "LC02"):
        order = [x.batch_id for x in fifo_order([x for x in stock if x.warehouse == site], TODAY)]
        taken = [t.batch_id for t in result.takes if t.warehouse == site]
        assert taken == order[: len(taken)]
