"""A phone order recorded at a depot cut off from the centre (gateway/domain/phone_orders.py):
the form checked field by field, the order's number, its clocks, and its plan over the depot's
own stock by the same FIFO rule the server reserves by."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.phone_orders import (
    Line,
    PhoneOrder,
    Problem,
    Stack,
    check_call,
    clocks,
    plan,
)
from kernel.fifo import Lot, fifo_key, offerable
from kernel.phone_order_numbers import made_by, number_for
from server.domain.fifo import Candidate, Site, allocate

NOW = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)  # 09:30 at the depot
ITEMS = frozenset({"ZP-001", "MB-002", "YR-003"})
ZONE = ZoneInfo("Asia/Shanghai")
FORM = {
    "caller_name": "王建国",
    "caller_unit": "绵阳市应急管理局",
    "caller_phone": "+86 816-222 1234",
    "notice": "",
    "destination": "北川县擂鼓镇安置点",
    "called_at": "2026-12-02T09:10:00+08:00",
}


def problems_of(form: dict[str, str], lines: list[tuple[str, str]]) -> dict[str, str]:
    found = check_call(form, lines, ITEMS, NOW, ZONE)
    assert isinstance(found, list), found
    return {p.field: p.en for p in found}


def test_a_call_as_typed_becomes_an_order() -> None:
    order = check_call({**FORM, "notice": " 绵应急调〔2026〕21号 "}, [("ZP-001", " 40 "),
                       ("MB-002", "300")], ITEMS, NOW, ZONE)  # fmt: skip
    assert isinstance(order, PhoneOrder)
    assert order.caller.name == "王建国" and order.caller.phone == "+86 816-222 1234"
    assert order.notice == "绵应急调〔2026〕21号"
    assert order.lines == (Line("ZP-001", 40), Line("MB-002", 300))
    assert order.called_at == datetime(2026, 12, 2, 1, 10, tzinfo=UTC)
    without = check_call(FORM, [("ZP-001", "1")], ITEMS, NOW, ZONE)
    assert isinstance(without, PhoneOrder) and without.notice is None


@pytest.mark.parametrize(
    ("changed", "field", "says"),
    [
        ({"caller_name": "  "}, "caller_name", "caller's name is needed"),
        ({"caller_unit": "局\x07"}, "caller_unit", "without control characters"),
        ({"caller_name": "王" * 201}, "caller_name", "at most 200 characters"),
        ({"caller_phone": "call me"}, "caller_phone", "digits"),
        ({"caller_phone": ""}, "caller_phone", "digits"),
        ({"destination": ""}, "destination", "destination is needed"),
        ({"notice": "号" * 65}, "notice", "at most 64 characters"),
        ({"called_at": ""}, "called_at", "time of the call is needed"),
        ({"called_at": "yesterday"}, "called_at", "time of the call is needed"),
        ({"called_at": "2026-12-02T09:50:00+08:00"}, "called_at", "cannot be in the future"),
        ({"called_at": "2026-11-30T09:00:00+08:00"}, "called_at", "over 48 hours old"),
    ],
)
def test_each_field_is_checked_and_named(changed: dict[str, str], field: str, says: str) -> None:
    assert says in problems_of({**FORM, **changed}, [("ZP-001", "5")])[field]


def test_a_time_without_its_zone_is_the_depots() -> None:
    """A browser's date-and-time field sends the depot's wall-clock time, without an offset."""
    order = check_call({**FORM, "called_at": "2026-12-02T09:10"}, [("ZP-001", "1")], ITEMS,
                       NOW, ZONE)  # fmt: skip
    assert isinstance(order, PhoneOrder)
    assert order.called_at == datetime(2026, 12, 2, 1, 10, tzinfo=UTC)


def test_every_problem_is_named_at_once() -> None:
    found = problems_of({**FORM, "caller_name": "", "caller_phone": "x"}, [("ZP-001", "0")])
    assert set(found) == {"caller_name", "caller_phone", "line-0"}


@pytest.mark.parametrize(
    ("lines", "field", "says"),
    [
        ([], "line-0", "at least one line"),
        ([("XX-999", "5")], "line-0", "no item XX-999"),
        ([("ZP-001", "5"), ("ZP-001", "6")], "line-1", "on a line above"),
        ([("ZP-001", "0")], "line-0", "whole number from 1"),
        ([("ZP-001", "1000001")], "line-0", "whole number from 1"),
        ([("ZP-001", "2.5")], "line-0", "whole number from 1"),
        ([("ZP-001", "5")] + [("MB-002", "1")] * 200, "line-200", "at most 200 lines"),
    ],
)
def test_each_line_is_checked(lines: list[tuple[str, str]], field: str, says: str) -> None:
    assert says in problems_of(FORM, lines)[field]


def test_problems_speak_chinese_first() -> None:
    found = check_call({**FORM, "destination": ""}, [("ZP-001", "1")], ITEMS, NOW, ZONE)
    assert found == [Problem("destination", "请填写目的地", "the destination is needed")]


def test_the_number_is_the_depots_own_and_fits_a_task_card() -> None:
    day = date(2026, 12, 2)
    assert number_for("LC01", day, 1) == "TEL-LC01-20261202-001"
    assert number_for("LC01", day, 999).isascii()
    with pytest.raises(ValueError):
        number_for("库01", day, 1)
    with pytest.raises(ValueError):
        number_for("LC01", day, 1000)
    assert made_by("TEL-LC01-20261202-001", "LC01")
    assert not made_by("TEL-LC01-20261202-001", "LC02")  # another depot's
    assert not made_by("TEL-LC01-2026120-001", "LC01")  # not a date of eight digits
    assert not made_by("D-2026-001", "LC01")  # the centre's


def test_both_clocks_run_from_the_call() -> None:
    order = check_call(FORM, [("ZP-001", "1")], ITEMS, NOW, ZONE)
    assert isinstance(order, PhoneOrder)
    due = clocks(order.called_at)
    assert due.first_batch_due == order.called_at + timedelta(hours=8)
    assert due.written_order_due == order.called_at + timedelta(hours=48)


TODAY = date(2026, 12, 2)
days = st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2026, 12, 1)))


def _stack(item: str, n: int, location: str, qty: int, dates: tuple[date | None, ...],
           years: int | None, walk: int) -> Stack:  # fmt: skip
    inbound, made, valid = dates
    return Stack(
        item, f"B{n}", location, qty, Lot(inbound, made, years, valid, walk, (n, location))
    )


stacks = st.lists(
    st.builds(
        _stack,
        st.sampled_from(sorted(ITEMS)),
        st.integers(1, 12),
        st.sampled_from(("A-01-01", "A-01-02", "B-02-01")),
        st.integers(0, 50),
        st.tuples(days, days, st.one_of(st.none(), st.dates(date(2026, 11, 1), date(2027, 1, 31)))),
        st.one_of(st.none(), st.integers(1, 10)),
        st.integers(0, 99),
    ),
    max_size=20,
    unique_by=lambda s: (s.batch, s.location),  # one stack per batch and place
)
asked = st.dictionaries(st.sampled_from(sorted(ITEMS)), st.integers(1, 200), min_size=1)


@given(stacks, asked)
def test_a_plan_takes_fifo_and_never_what_may_not_go(
    held: list[Stack], want: dict[str, int]
) -> None:
    lines = [Line(item, qty) for item, qty in want.items()]
    made = plan(lines, held, TODAY)
    for line in lines:
        may = sorted(
            (s for s in held if s.item == line.item and s.qty > 0 and offerable(s.lot, TODAY)),
            key=lambda s: fifo_key(s.lot, TODAY),
        )
        taken = [p for p in made.picks if p.item == line.item]
        # the stacks the rule puts first, each emptied before the next is touched
        assert [(p.batch, p.location) for p in taken] == [(s.batch, s.location)
                                                         for s in may[: len(taken)]]  # fmt: skip
        assert all(p.qty == s.qty for p, s in zip(taken[:-1], may, strict=False))
        assert sum(p.qty for p in taken) == min(line.qty, sum(s.qty for s in may))
        missing = line.qty - made.taken(line.item)
        assert [s.qty for s in made.short if s.item == line.item] == ([missing] if missing else [])
    assert [p.seq for p in made.picks] == list(range(1, len(made.picks) + 1))


@given(stacks, st.sampled_from(sorted(ITEMS)), st.integers(1, 300))
def test_the_gateway_plans_a_line_as_the_server_would_inside_the_depot(
    held: list[Stack], item: str, qty: int
) -> None:
    """One rule: the server's allocation over this depot alone takes the same stacks."""
    # the server's catalogue gives every item its storage years
    held = [replace(s, lot=replace(s.lot, storage_years=s.lot.storage_years or 5)) for s in held]
    made = plan([Line(item, qty)], held, TODAY)
    candidates = [
        Candidate("LC01", s.location, s.lot.walk_order, int(s.batch[1:]), s.batch, s.lot.inbound,
                  s.lot.made, s.qty, s.lot.storage_years or 5, s.lot.pass_valid_until)
        for s in held
        if s.item == item
    ]  # fmt: skip
    server = allocate(qty, (31.5, 104.7), [Site("LC01", 31.4, 104.6)], candidates, TODAY)
    assert [(t.batch_no, t.location, t.qty) for t in server.takes] == [
        (p.batch, p.location, p.qty) for p in made.picks
    ]
    assert server.shortfall == qty - made.taken(item)
