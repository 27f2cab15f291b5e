"""kernel/clock.py: the system clock answers an aware UTC moment; a fixed clock answers the
moment it is set to until it is moved, and refuses a moment without a zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kernel.clock import FixedClock, seconds, system_clock


def test_the_system_clock_answers_an_aware_moment_in_utc() -> None:
    before = datetime.now(UTC)
    now = system_clock()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)


def test_a_fixed_clock_stands_still_until_moved() -> None:
    beijing = timezone(timedelta(hours=8))
    clock = FixedClock(datetime(2026, 12, 1, 0, 0, tzinfo=beijing))
    assert clock() == clock() == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert clock().tzinfo is UTC
    assert clock.advance(timedelta(hours=8, seconds=1)) == datetime(
        2026, 12, 1, 0, 0, 1, tzinfo=UTC
    )
    clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    assert clock() == datetime(2027, 1, 1, tzinfo=UTC)
    assert seconds(clock) == datetime(2027, 1, 1, tzinfo=UTC).timestamp()


def test_a_fixed_clock_refuses_a_moment_without_a_zone_and_never_goes_back() -> None:
    with pytest.raises(ValueError, match="time zone"):
        FixedClock(datetime(2026, 12, 1))
    clock = FixedClock(datetime(2026, 12, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="time zone"):
        clock.set(datetime(2026, 12, 2))
    with pytest.raises(ValueError, match="moved on"):
        clock.advance(timedelta(seconds=-1))
    assert clock() == datetime(2026, 12, 1, tzinfo=UTC)
