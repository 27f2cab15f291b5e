"""The time of day, as an input. A `Clock` is any callable that answers the current moment as
an aware UTC datetime; the entry points (the server's app, its commands and periodic jobs,
the gateway's floor pages and throttles) are built with one and pass the moment down, so the
rules and services underneath never read the clock themselves and a test can set the time
it means.

`system_clock` is the real one; `FixedClock` stands still until it is set or moved on (for
tests, and for a command asked to act "as at" a moment). A duration (how long a request
took) is measured with `time.monotonic()`, which is no time of day and needs no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The moment now, from the system's clock, in UTC."""
    return datetime.now(UTC)


def aware_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a moment without a zone is refused (its meaning would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a clock's moment must carry its time zone, not {moment.isoformat()}")
    return moment.astimezone(UTC)


def seconds(clock: Clock) -> float:
    """The clock's moment as seconds since the epoch (for parts that keep times as numbers)."""
    return clock().timestamp()


class FixedClock:
    """A clock that answers the moment it was given, until `set` or `advance` moves it."""

    def __init__(self, at: datetime) -> None:
        self._at = aware_utc(at)

    def __call__(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = aware_utc(at)

    def advance(self, by: timedelta) -> datetime:
        """Move the clock on by `by` (never back: a negative step is refused); the new moment."""
        if by < timedelta(0):
            raise ValueError("a clock is moved on, not back; use set() for another moment")
        self._at += by
        return self._at

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"
