"""The FIFO rule (kernel/fifo.py), written once for the server and the gateway: which stock
may go, and in which order (design section 4; arts. 15, 25(4)). The rule against a plain
definition of "overdue", and the server's reservation and the gateway's offers against each
other over the same stock."""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.domain.fifo import PickLine, held_back, offer
from kernel.fifo import Lot, fifo_key, offerable, overdue
from server.domain.fifo import Candidate, fifo_order

TODAY = date(2026, 11, 24)


def limit(made: date, years: int) -> date:
    """The storage limit by the calendar: the same day `years` on, or the month's last day."""
    year = made.year + years
    return date(year, made.month, min(made.day, calendar.monthrange(year, made.month)[1]))


def plainly_overdue(lot: Lot, today: date) -> bool:
    made = lot.made or lot.inbound
    return (
        made is not None
        and lot.storage_years is not None
        and today > limit(made, years=lot.storage_years)
    )


def pass_counts(lot: Lot, today: date) -> bool:
    return lot.pass_valid_until is not None and lot.pass_valid_until >= today


some_dates = st.one_of(st.none(), st.dates(date(1995, 1, 1), date(2035, 12, 31)))
lots = st.lists(
    st.builds(
        Lot,
        inbound=some_dates,
        made=some_dates,
        storage_years=st.one_of(st.none(), st.integers(1, 20)),
        pass_valid_until=some_dates,
        walk_order=st.integers(0, 30),
        tiebreak=st.tuples(st.integers(0, 10_000)),
    ),
    max_size=20,
    unique_by=lambda lot: lot.tiebreak,
)
days = st.dates(date(2000, 1, 1), date(2040, 12, 31))


def ordered(stock: list[Lot], today: date) -> list[Lot]:
    return sorted((lot for lot in stock if offerable(lot, today)), key=lambda x: fifo_key(x, today))


@settings(max_examples=400)
@given(lots, days)
def test_overdue_stock_goes_only_with_a_pass_valid_today(stock: list[Lot], today: date) -> None:
    for lot in stock:
        assert overdue(lot, today) == plainly_overdue(lot, today)
        assert offerable(lot, today) == (not plainly_overdue(lot, today) or pass_counts(lot, today))
    for lot in ordered(stock, today):
        assert not plainly_overdue(lot, today) or pass_counts(lot, today)


@settings(max_examples=400)
@given(lots, days)
def test_overdue_and_passed_first_then_inbound_production_walk_with_missing_dates_last(
    stock: list[Lot], today: date
) -> None:
    order = ordered(stock, today)
    first = [plainly_overdue(lot, today) for lot in order]
    assert first == sorted(first, reverse=True)  # every overdue-and-passed lot before the rest
    for (a, a_first), (b, b_first) in pairwise(zip(order, first, strict=True)):
        if a_first != b_first:
            continue
        if a.inbound != b.inbound:  # the earlier inbound date; an unknown one after all known
            assert b.inbound is None or (a.inbound is not None and a.inbound < b.inbound)
        elif a.made != b.made:  # then the earlier production date, unknown last
            assert b.made is None or (a.made is not None and a.made < b.made)
        elif a.walk_order != b.walk_order:
            assert a.walk_order < b.walk_order
        else:
            assert a.tiebreak < b.tiebreak


def test_the_storage_limit_day_is_not_overdue_the_next_is() -> None:
    lot = Lot(date(2018, 5, 1), date(2018, 3, 10), 8, None, 1)
    assert offerable(lot, date(2026, 3, 10)) and not overdue(lot, date(2026, 3, 10))
    assert overdue(lot, date(2026, 3, 11)) and not offerable(lot, date(2026, 3, 11))
    leap = Lot(None, date(2016, 2, 29), 7, None, 1)  # no 29 February seven years on: the 28th
    assert not overdue(leap, date(2023, 2, 28)) and overdue(leap, date(2023, 3, 1))
    by_inbound = Lot(date(2018, 5, 1), None, 8, None, 1)  # production unknown: from inbound
    assert not overdue(by_inbound, date(2026, 5, 1)) and overdue(by_inbound, date(2026, 5, 2))


def test_a_pass_counts_through_its_last_day() -> None:
    lot = Lot(date(2010, 1, 1), date(2010, 1, 1), 5, date(2026, 11, 24), 1)
    assert offerable(lot, TODAY)
    assert not offerable(lot, TODAY + timedelta(days=1))
    assert not offerable(replace(lot, pass_valid_until=None), TODAY)


def test_without_storage_years_or_any_date_a_batch_is_never_overdue() -> None:
    assert not overdue(Lot(date(1990, 1, 1), date(1990, 1, 1), None, None, 1), TODAY)
    assert not overdue(Lot(None, None, 1, None, 1), TODAY)


# --- the server and the gateway over the same stock ----------------------------------------

stacks = st.lists(
    st.tuples(
        st.integers(1, 5_000),  # batch id: the gateway's pick line id too
        some_dates,  # inbound
        some_dates,  # production
        st.integers(1, 15),  # storage years (every item sets them)
        some_dates,  # re-inspection pass valid until
        st.integers(1, 30),  # walk order
    ),
    max_size=15,
    unique_by=lambda stack: stack[0],
)


def both_sides(
    stack: tuple[int, date | None, date | None, int, date | None, int],
) -> tuple[Candidate, PickLine]:
    batch, inbound, made, years, valid, walk = stack
    location = f"A-{walk:02d}"
    server = Candidate("LC01", location, walk, batch, f"B{batch}", inbound, made, 10, years, valid)

    def iso(day: date | None) -> str | None:
        return day.isoformat() if day else None

    gateway = PickLine(
        batch, "101", "ZS-0001", f"B{batch}", location, walk, 10, 0,
        iso(inbound), iso(made), years, iso(valid),
    )  # fmt: skip
    return server, gateway


def offered_in_turn(lines: list[PickLine], today: date) -> list[int]:
    """The lines a picker is offered one after the other, taking each whole."""
    taken: list[int] = []
    while (line := offer(lines, "ZS-0001", today)) is not None:
        taken.append(line.id)
        lines = [replace(x, done=x.qty) if x.id == line.id else x for x in lines]
    return taken


@settings(max_examples=300)
@given(stacks, days)
def test_the_gateway_offers_in_the_order_the_server_reserves(
    stock: list[tuple[int, date | None, date | None, int, date | None, int]], today: date
) -> None:
    pairs = [both_sides(s) for s in stock]
    reserved = [c.batch_id for c in fifo_order([c for c, _ in pairs], today)]
    lines = [line for _, line in pairs]
    assert offered_in_turn(lines, today) == reserved
    left_out = {c.batch_id for c, _ in pairs} - set(reserved)
    assert {line.id for line in held_back(lines, today)} == left_out


def test_a_batch_without_an_inbound_date_goes_last_on_both_sides() -> None:
    undated = (1, None, date(2025, 1, 1), 8, None, 1)
    newest = (2, date(2026, 11, 1), date(2026, 10, 1), 8, None, 9)
    older = (3, date(2024, 1, 1), date(2023, 12, 1), 8, None, 20)
    pairs = [both_sides(s) for s in (undated, newest, older)]
    assert [c.batch_id for c in fifo_order([c for c, _ in pairs], TODAY)] == [3, 2, 1]
    assert offered_in_turn([line for _, line in pairs], TODAY) == [3, 2, 1]
