"""How old stock is and how long it may still be kept: pure rules for the overview.

A batch's storage years (建议储存年限) count from its production date, or its inbound date if
production is unknown (as FIFO counts them, server/fifo.py). Past them it is overdue: it needs
a quality re-inspection before it may go out, unless it has passed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.fifo import add_years

DUE_SOON_DAYS = 90

# (upper bound in years, Chinese, English): how long ago the batch was made
AGE_BANDS = (
    (1, "1 年内", "under 1 year"),
    (2, "1-2 年", "1-2 years"),
    (3, "2-3 年", "2-3 years"),
    (5, "3-5 年", "3-5 years"),
    (None, "5 年以上", "over 5 years"),
)
# how long it may still be kept
REMAINING_BANDS = (
    ("overdue", "已超期", "overdue"),
    ("due_soon", f"{DUE_SOON_DAYS} 天内到期", f"due within {DUE_SOON_DAYS} days"),
    ("within_year", "1 年内到期", "due within a year"),
    ("later", "1 年以上", "more than a year"),
)


def age_band(made: date, today: date) -> int:
    """Index into AGE_BANDS."""
    for index, (limit, _, _) in enumerate(AGE_BANDS):
        if limit is not None and add_years(made, limit) > today:
            return index
    return len(AGE_BANDS) - 1


def due_on(made: date, storage_years: int) -> date:
    return add_years(made, storage_years)


def remaining_band(due: date, today: date) -> str:
    days = (due - today).days
    if days < 0:
        return "overdue"
    if days <= DUE_SOON_DAYS:
        return "due_soon"
    if add_years(today, 1) >= due:
        return "within_year"
    return "later"


@dataclass(frozen=True, slots=True)
class Stack:
    """Stock of like batches: same making date and storage years (the query groups them)."""

    made: date
    storage_years: int
    reinspected: bool
    batches: int
    qty: int


@dataclass(frozen=True, slots=True)
class Ageing:
    by_age: tuple[tuple[int, int], ...]  # per AGE_BANDS: (batches, qty)
    by_remaining: dict[str, tuple[int, int]]  # per REMAINING_BANDS key: (batches, qty)
    reinspected_overdue: int  # overdue batches that passed a re-inspection


def ageing(stacks: list[Stack], today: date) -> Ageing:
    by_age = [[0, 0] for _ in AGE_BANDS]
    by_remaining = {key: [0, 0] for key, _, _ in REMAINING_BANDS}
    reinspected = 0
    for s in stacks:
        band = by_age[age_band(s.made, today)]
        band[0] += s.batches
        band[1] += s.qty
        key = remaining_band(due_on(s.made, s.storage_years), today)
        by_remaining[key][0] += s.batches
        by_remaining[key][1] += s.qty
        if key == "overdue" and s.reinspected:
            reinspected += s.batches
    return Ageing(
        tuple((b, q) for b, q in by_age),
        {k: (v[0], v[1]) for k, v in by_remaining.items()},
        reinspected,
    )
