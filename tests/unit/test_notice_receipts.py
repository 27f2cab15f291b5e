"""What the doors received against each line of an inbound notice (server/domain/receiving.py
`count`): each unit counted against the lines in order, as the gateway counted it at the door."""

from __future__ import annotations

from server.domain.receiving import Line, Receipt, count


def line(item: str, qty: int, batch: str | None = None) -> Line:
    return Line(item, batch, qty)


def test_units_fill_the_first_line_with_room_then_the_next() -> None:
    lines = [line("A", 10), line("A", 10), line("B", 5)]
    got = count(lines, [Receipt("A", "x", 6), Receipt("A", "x", 6), Receipt("B", "y", 5)])
    assert got == [6, 6, 5]


def test_a_line_naming_a_batch_takes_that_batch_only() -> None:
    lines = [line("A", 10, "2026B"), line("A", 10)]
    assert count(lines, [Receipt("A", "2026C", 4), Receipt("A", "2026B", 3)]) == [3, 4]


def test_more_than_expected_stays_on_a_short_line_or_the_first() -> None:
    lines = [line("A", 10), line("A", 10)]
    assert count(lines, [Receipt("A", "x", 8), Receipt("A", "x", 8)]) == [8, 8]
    assert count(lines, [Receipt("A", "x", 25)]) == [25, 0]
    assert count(lines, [Receipt("A", "x", 10), Receipt("A", "x", 10), Receipt("A", "x", 1)]) == [
        11,
        10,
    ]


def test_an_item_on_no_line_counts_nowhere() -> None:
    assert count([line("A", 10)], [Receipt("Z", "x", 3)]) == [0]


def test_counting_goes_on_from_what_was_received_before() -> None:
    lines = [line("A", 10), line("A", 10)]
    assert count(lines, [Receipt("A", "x", 3)], start=[9, 0]) == [9, 3]
