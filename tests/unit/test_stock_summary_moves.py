"""How stock lines moving change the overview's summary (server.storage.stock_summary.changes,
a pure function): quantities add up, and a line counts while it holds something."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from server.domain.ageing import UNKNOWN_MADE
from server.storage.stock_summary import changes, made_of

MAY = date(2024, 5, 1)
JUNE = date(2024, 6, 1)
MADE = {1: ("TENT", MAY), 2: ("TENT", JUNE), 3: ("QUILT", MAY)}


def test_a_move_between_places_changes_nothing_but_a_line_emptied_and_one_begun() -> None:
    before = {(10, 1, "available"): 5}
    # all of it moved from place 10 to place 11: same item, status and day
    assert changes(MADE, before, {(10, 1, "available"): -5, (11, 1, "available"): 5}) == {}
    # part of it: one more line holds some
    assert changes(MADE, before, {(10, 1, "available"): -2, (11, 1, "available"): 2}) == {
        ("TENT", "available", MAY): (1, 0)
    }


def test_a_status_change_moves_quantity_and_line_between_rows() -> None:
    before = {(10, 1, "pending_acceptance"): 5}
    net = {(10, 1, "pending_acceptance"): -5, (10, 1, "available"): 5}
    assert changes(MADE, before, net) == {
        ("TENT", "pending_acceptance", MAY): (-1, -5),
        ("TENT", "available", MAY): (1, 5),
    }


def test_batches_of_one_item_and_day_share_a_row() -> None:
    net = {(10, 1, "available"): 3, (10, 3, "available"): 4, (11, 2, "available"): 1}
    assert changes(MADE, {}, net) == {
        ("TENT", "available", MAY): (1, 3),
        ("QUILT", "available", MAY): (1, 4),
        ("TENT", "available", JUNE): (1, 1),
    }


def test_the_making_day_is_production_then_inbound_then_unknown() -> None:
    assert made_of(MAY, JUNE) == MAY
    assert made_of(None, JUNE) == JUNE
    assert made_of(None, None) == UNKNOWN_MADE


lines = st.dictionaries(
    st.tuples(st.integers(1, 3), st.sampled_from([1, 2, 3]), st.sampled_from(["a", "b"])),
    st.integers(0, 9),
    max_size=12,
)


@given(lines, lines)
def test_summed_changes_take_the_summary_of_before_to_the_summary_of_after(
    before: dict[tuple[int, int, str], int], after: dict[tuple[int, int, str], int]
) -> None:
    def summary(held: dict[tuple[int, int, str], int]) -> dict[tuple[str, str, date], list[int]]:
        out: dict[tuple[str, str, date], list[int]] = {}
        for (_, batch, status), qty in held.items():
            row = out.setdefault((MADE[batch][0], status, MADE[batch][1]), [0, 0])
            row[0] += qty > 0
            row[1] += qty
        return out

    net = {k: after.get(k, 0) - before.get(k, 0) for k in before.keys() | after.keys()}
    moved = summary(before)
    for key, (line_change, qty_change) in changes(MADE, before, net).items():
        row = moved.setdefault(key, [0, 0])
        row[0] += line_change
        row[1] += qty_change
    assert {k: v for k, v in moved.items() if v != [0, 0]} == {
        k: v for k, v in summary(after).items() if v != [0, 0]
    }
