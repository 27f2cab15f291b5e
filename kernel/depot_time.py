"""The depots' time zone: the one zone in which the server and the gateways reckon a depot's
date ("today" for a batch's age, its storage limit, a re-inspection's validity), so that both
sides of FIFO agree on the day (kernel/fifo.py).

The setting: `DEPOT_TIMEZONE` (an IANA zone name, e.g. Asia/Shanghai, Asia/Urumqi, UTC), or
`--timezone NAME` on `depot server run` and `depot gateway run`, which sets it for the process
before anything reads it. China Standard Time (Asia/Shanghai) when neither is given. A name the
system's zone database does not know stops the process at start.

Standard library only.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV = "DEPOT_TIMEZONE"
DEFAULT = "Asia/Shanghai"


class UnknownZone(ValueError):
    """A name the zone database does not know."""


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # unknown, or not a zone name at all
        raise UnknownZone(
            f"{ENV}={name!r} is not a time zone (an IANA name such as {DEFAULT})"
        ) from exc


def zone() -> ZoneInfo:
    """The depots' time zone, as set now (ZoneInfo keeps one object per name: cheap)."""
    return zone_named(os.environ.get(ENV) or DEFAULT)


def use(name: str) -> ZoneInfo:
    """Set the zone for this process (from --timezone); refuses an unknown name."""
    found = zone_named(name)
    os.environ[ENV] = name
    return found


def depot_date(moment: datetime | float) -> date:
    """The depot's date at a moment: an aware datetime, a naive one taken as UTC (as SQLite
    gives stored moments back), or seconds since the epoch (the gateway's clock)."""
    if isinstance(moment, datetime):
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return aware.astimezone(zone()).date()
    return datetime.fromtimestamp(moment, zone()).date()
