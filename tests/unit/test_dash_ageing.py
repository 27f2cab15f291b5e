"""The overview's ageing rules: bands by cut-off dates agree with the plain definitions."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kernel.fifo import add_years
from server.domain.ageing import (
    AGE_BANDS,
    DUE_SOON_DAYS,
    age_band,
    due_on,
    remaining_band,
)

days = st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31))


@given(made=days, today=days, years=st.integers(min_value=1, max_value=15))
def test_remaining_band_is_the_days_left(made: date, today: date, years: int) -> None:
    left = (due_on(made, years) - today).days
    expected = (
        "overdue"
        if left < 0
        else "due_soon"
        if left <= DUE_SOON_DAYS
        else "within_year"
        if due_on(made, years) <= add_years(today, 1)
        else "later"
    )
    if (made.month, made.day) != (2, 29):  # a leap day's anniversary is 28 February
        assert remaining_band(made, years, today) == expected


@given(made=days, today=days)
def test_age_band_is_how_long_ago_it_was_made(made: date, today: date) -> None:
    band = age_band(made, today)
    limits = [limit for limit, _, _ in AGE_BANDS]
    if limits[band] is not None:
        assert add_years(made, limits[band]) > today
    if band > 0:
        assert add_years(made, limits[band - 1]) <= today  # type: ignore[operator]


def test_examples_a_keeper_would_check() -> None:
    today = date(2026, 11, 24)
    assert remaining_band(date(2021, 11, 24), 5, today) == "due_soon"  # due today
    assert remaining_band(date(2021, 11, 23), 5, today) == "overdue"  # due yesterday
    assert remaining_band(date(2022, 2, 21), 5, today) == "due_soon"  # 89 days left
    assert remaining_band(date(2022, 3, 1), 5, today) == "within_year"
    assert remaining_band(date(2024, 1, 1), 5, today) == "later"
    assert age_band(today - timedelta(days=30), today) == 0
    assert age_band(date(2020, 1, 1), today) == len(AGE_BANDS) - 1
