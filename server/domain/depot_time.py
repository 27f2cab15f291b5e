"""The depots' own time: the one time zone in which the server reckons days and months and
shows moments (China Standard Time, Asia/Shanghai, unless set otherwise).

Moments are stored in UTC; whatever is counted by the calendar is counted in this zone: a
month for the monthly report runs from the 1st at 00:00 to the 1st of the next month at
00:00 depot time (November ends at 1 December 00:00 Beijing time, 30 November 16:00 UTC);
"today" for a batch's age, a storage limit or a report's availability is the depot's date;
the date printed on a paper is the depot's date of its moment; due times (the 8-hour and
48-hour clocks, which are durations) are shown in it.

The setting: `DEPOT_TIMEZONE` (an IANA zone name, e.g. Asia/Shanghai, Asia/Urumqi, UTC), or
`depot server run --timezone NAME`, which sets it for the process before anything reads it.
A name the system's zone database does not know stops the server at start. The zone rule is
the kernel's (kernel/depot_time.py), which the gateways follow too: both reckon a batch's
storage limit and a re-inspection's validity on the same date (kernel/fifo.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from kernel import depot_time as shared
from server.domain.errors import ZoneError

ENV = shared.ENV
DEFAULT = shared.DEFAULT


def zone_named(name: str) -> ZoneInfo:
    try:
        return shared.zone_named(name)
    except shared.UnknownZone as exc:
        raise ZoneError(str(exc)) from exc


def zone() -> ZoneInfo:
    """The depots' time zone, as set now (ZoneInfo keeps one object per name: cheap)."""
    try:
        return shared.zone()
    except shared.UnknownZone as exc:
        raise ZoneError(str(exc)) from exc


def use(name: str) -> ZoneInfo:
    """Set the zone for this process (the server's --timezone); refuses an unknown name."""
    try:
        return shared.use(name)
    except shared.UnknownZone as exc:
        raise ZoneError(str(exc)) from exc


def utc(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite gives them back without a zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    return utc(moment).astimezone(zone())


def local_date(moment: datetime) -> date:
    """The depot's date of a stored moment."""
    return local(moment).date()


def today(now: datetime) -> date:
    """The depot's date at the moment `now` (the caller's clock: kernel/clock.py)."""
    return local_date(now)


def month_of(moment: datetime) -> str:
    """YYYY-MM of a stored moment, by the depot's calendar."""
    return local(moment).strftime("%Y-%m")


def start_of_day(day: date) -> datetime:
    """The first moment of a depot day, in UTC (for comparing with stored moments)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone()).astimezone(UTC)
