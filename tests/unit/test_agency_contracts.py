"""Agency storage points' contracts (art. 9): a contract's term as of a day, a line against
the stock held, and the master data file's lines checked (pure)."""

from __future__ import annotations

from datetime import date

from server.domain.contracts import Held, term
from server.services.agency_contracts import check_contracts

DAY = date(2026, 11, 23)


def test_a_contracts_term_as_of_a_day() -> None:
    assert term(date(2026, 1, 1), date(2026, 12, 31), DAY).state == "running"
    assert term(date(2026, 1, 1), date(2026, 12, 23), DAY) == term(
        date(2025, 1, 1), date(2026, 12, 23), DAY
    )
    assert term(date(2026, 1, 1), date(2026, 12, 23), DAY).state == "expiring"  # 30 days
    assert term(date(2026, 1, 1), date(2026, 12, 24), DAY).state == "running"  # 31 days
    assert term(date(2026, 1, 1), DAY, DAY).days_left == 0
    gone = term(date(2025, 1, 1), date(2026, 11, 22), DAY)
    assert (gone.state, gone.days_left) == ("expired", -1)
    assert term(date(2027, 1, 1), date(2027, 12, 31), DAY).state == "pending"


def test_only_available_stock_counts_towards_the_contract() -> None:
    line = Held("ZS-0001", 100, (("available", 60), ("reserved", 30), ("on_hold", 5)))
    assert (line.available, line.other, line.short) == (60, 35, 40)
    assert Held("ZS-0001", 50, (("available", 80),)).short == 0
    assert Held("ZS-0001", 50, ()).short == 50


ROW = {
    "number": "DC-2026-01",
    "warehouse": "LC02",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "yearly_fee_cents": "1200000",
    "unit_fee_cents": "",
    "item": "ZS-0001",
    "qty": "200",
}


def test_a_good_file_gives_each_contract_with_its_lines() -> None:
    contracts, errors = check_contracts([ROW, {**ROW, "item": "CQ-0001", "qty": "50"}])
    assert errors == []
    contract = contracts["DC-2026-01"]
    assert contract["lines"] == {"ZS-0001": 200, "CQ-0001": 50}
    assert (contract["ends_on"], contract["unit_fee_cents"]) == (date(2026, 12, 31), 0)


def test_each_bad_line_is_named_with_its_reason() -> None:
    rows = [
        ROW,
        {**ROW, "qty": "0"},  # line 3: below 1 (and the same item again)
        {**ROW, "item": "CQ-0001", "ends_on": "2025-12-31"},  # line 4: ends before it starts
        {**ROW, "item": "BD-0001", "starts_on": "2026-13-01"},  # line 5: not a date
        {**ROW, "item": "YF-0001", "yearly_fee_cents": "99"},  # line 6: another fee
    ]
    _, errors = check_contracts(rows)
    by_line = {(e.line, e.column) for e in errors}
    assert by_line == {
        (3, "qty"),
        (3, "item"),
        (4, "ends_on"),
        (5, "starts_on"),
        (6, "yearly_fee_cents"),
    }
    assert any("line 2" in e.message for e in errors if e.line == 6)
    assert check_contracts([{"number": "X"}])[1][0].line == 1  # the columns missing
