"""How old stock is and how long it may still be kept: pure rules for the overview.

A batch's storage years (建议储存年限) count from its production date, or its inbound date if
production is unknown (as FIFO counts them, kernel/fifo.py). Past them it is overdue: it
needs a quality re-inspection before it may go out, unless it has passed one.

The bands are decided by comparing the making date with cut-off dates computed here, so that
the database can sort a province's stock into bands in one pass (`cutoffs`), and the same
rules decide a single batch (`age_band`, `remaining_band`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kernel.fifo import add_years, storage_limit

DUE_SOON_DAYS = 90
# The making day kept for stock whose batch has neither a production nor an inbound date: in
# the first age band, and never due (as a missing date compares in the bands' rules).
UNKNOWN_MADE = date(9999, 12, 31)

# (upper bound in years, Chinese, English): how long ago the batch was made
AGE_BANDS = (
    (1, "1 年内", "under 1 year"),
    (2, "1-2 年", "1-2 years"),
    (3, "2-3 年", "2-3 years"),
    (5, "3-5 年", "3-5 years"),
    (None, "5 年以上", "over 5 years"),
)
# how long it may still be kept, most urgent first
REMAINING_BANDS = (
    ("overdue", "已超期", "overdue"),
    ("due_soon", f"{DUE_SOON_DAYS} 天内到期", f"due within {DUE_SOON_DAYS} days"),
    ("within_year", "1 年内到期", "due within a year"),
    ("later", "1 年以上", "more than a year"),
)


def years_before(day: date, years: int) -> date:
    return add_years(day, -years)


def age_cutoffs(today: date) -> list[date]:
    """Made after cut-off k (and not after k-1): in AGE_BANDS[k]; made on or before the last:
    the last band."""
    return [years_before(today, limit) for limit, _, _ in AGE_BANDS if limit is not None]


def remaining_cutoffs(today: date, storage_years: int) -> list[tuple[str, date]]:
    """For stock kept `storage_years`: made before the date, it is in that band (checked in
    order); otherwise it is 'later'."""
    return [
        ("overdue", years_before(today, storage_years)),
        ("due_soon", years_before(today + timedelta(days=DUE_SOON_DAYS + 1), storage_years)),
        ("within_year", years_before(add_years(today, 1) + timedelta(days=1), storage_years)),
    ]


def age_band(made: date, today: date) -> int:
    """Index into AGE_BANDS."""
    for index, cutoff in enumerate(age_cutoffs(today)):
        if made > cutoff:
            return index
    return len(AGE_BANDS) - 1


def due_on(made: date, storage_years: int) -> date:
    return storage_limit(made, storage_years)


def remaining_band(made: date, storage_years: int, today: date) -> str:
    for band, cutoff in remaining_cutoffs(today, storage_years):
        if made < cutoff:
            return band
    return "later"


@dataclass(frozen=True, slots=True)
class Ageing:
    by_age: tuple[tuple[int, int], ...]  # per AGE_BANDS: (batches, qty)
    by_remaining: dict[str, tuple[int, int]]  # per REMAINING_BANDS key: (batches, qty)
    reinspected_overdue: int  # overdue batches that passed a re-inspection
