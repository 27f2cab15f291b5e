"""What a scan message says about an RFID tag's sighting: the antenna, the reads a station
folded into the message, their first, best and last moments, and the RSSI profile of the
reads (stdlib only; parsed and checked here, carried as `rfid` in kernel.contract).

A portal tells a tag's direction from how its RSSI rises and falls on each antenna
(gateway.domain.direction). A station that folds a tag's reads at one antenna into one
message over a fraction of a second keeps that shape as `levels`: up to four points of the
reads' smoothed RSSI (the first, the peak, the lowest after the peak and the last), each as
milliseconds after `first_seen` and dBm. The smoothing is the rule both sides use
(`smoothed`): an antenna's level is the SUPPORT-th strongest of its last DEPTH reads no older
than SPAN seconds, so one stray strong read (a reflection) makes no peak.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kernel import bounds

DEPTH = 3  # an antenna's level is taken over its last DEPTH reads (or messages)
SUPPORT = 2  # of which this many must reach it: the SUPPORT-th strongest
SPAN = 0.3  # seconds: older reads are not in the level
MAX_LEVELS = 4  # points of a message's RSSI profile
MAX_LEVEL_MS = 600_000  # a profile point's offset from first_seen
FIELDS = ("antenna", "rssi", "reads", "first_seen", "last_seen", "peak_seen", "levels")
_MOMENTS = ("first_seen", "last_seen", "peak_seen")


def smoothed(strengths: Sequence[float], support: int = SUPPORT) -> float | None:
    """The `support`-th strongest of an antenna's recent RSSIs (None while there are fewer):
    a read or message is one RSSI however many reads it stands for."""
    ordered = sorted(strengths, reverse=True)
    return ordered[support - 1] if len(ordered) >= support else None


@dataclass(frozen=True, slots=True)
class RfidInfo:
    antenna: int | None = None
    rssi: float | None = None  # the best read's
    reads: int = 1
    first_seen: str | None = None
    last_seen: str | None = None
    peak_seen: str | None = None  # when the best RSSI was read (a portal tells direction by it)
    levels: tuple[tuple[int, float], ...] | None = None  # (ms after first_seen, smoothed dBm)

    def to_dict(self) -> dict[str, Any]:
        """Without peak_seen or levels when there are none: gateways before them refuse the
        fields."""
        doc = asdict(self)
        for key in ("peak_seen", "levels"):
            if doc[key] is None:
                del doc[key]
        if self.levels is not None:
            doc["levels"] = [list(point) for point in self.levels]
        return doc

    def profile(self) -> tuple[tuple[float, float], ...]:
        """The levels as (seconds since the epoch, dBm); () without them."""
        if not self.levels or self.first_seen is None:
            return ()
        start = datetime.fromisoformat(self.first_seen).timestamp()
        return tuple((start + ms / 1000, dbm) for ms, dbm in self.levels)


def dbm(field: str, value: Any) -> float:
    """An RSSI: a finite number of dBm between -200 and 50."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not -200 <= value <= 50
    ):
        raise bounds.OutOfBounds(f"{field} must be a number of dBm between -200 and 50")
    return float(value) if isinstance(value, float) else value


def levels(field: str, value: Any, seen: dict[str, str | None]) -> tuple[tuple[int, float], ...]:
    """A profile: 1..MAX_LEVELS [ms, dBm] pairs in time order, inside first_seen..last_seen."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LEVELS:
        raise bounds.OutOfBounds(f"{field} must be a list of 1 to {MAX_LEVELS} [ms, dBm] pairs")
    if seen.get("first_seen") is None:
        raise bounds.OutOfBounds(f"{field} needs first_seen")
    span = MAX_LEVEL_MS
    if seen.get("last_seen") is not None:
        first, last = (datetime.fromisoformat(str(seen[k])) for k in ("first_seen", "last_seen"))
        span = math.ceil((last - first).total_seconds() * 1000)
    points = []
    for point in value:
        if not isinstance(point, list) or len(point) != 2:
            raise bounds.OutOfBounds(f"{field} must be a list of [ms, dBm] pairs")
        ms = bounds.integer(f"{field} offset", point[0], 0, min(span, MAX_LEVEL_MS))
        points.append((ms, dbm(f"{field} level", point[1])))
    if [p[0] for p in points] != sorted(p[0] for p in points):
        raise bounds.OutOfBounds(f"{field} must be in time order")
    return tuple(points)


def rfid_info(field: str, doc: dict[str, Any], ts: Any) -> RfidInfo:
    """A message's `rfid` object (its keys already among FIELDS), checked against its bounds
    and its message's `ts`."""
    antenna, rssi = doc.get("antenna"), doc.get("rssi")
    seen = {
        k: None if doc.get(k) is None else bounds.moment(f"{field}.{k}", doc[k]) for k in _MOMENTS
    }
    bounds.sightings(field, seen, ts)
    return RfidInfo(
        antenna=None if antenna is None else bounds.integer(f"{field}.antenna", antenna, 0, 65535),
        rssi=None if rssi is None else dbm(f"{field}.rssi", rssi),
        reads=bounds.integer(f"{field}.reads", doc.get("reads", 1), 1, 1_000_000),
        levels=None
        if doc.get("levels") is None
        else levels(f"{field}.levels", doc["levels"], seen),
        **seen,
    )
