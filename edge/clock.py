"""Event ids and timestamps as the stations make them."""

from __future__ import annotations

from datetime import datetime

import uuid6


def new_event_id() -> str:
    """A UUIDv7: time-ordered, made on the device, unique without coordination."""
    return str(uuid6.uuid7())


def now_iso() -> str:
    """Local time with its offset and milliseconds, as in the scan message."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def iso_at(at: float) -> str:
    """A moment (seconds since the epoch) as now_iso writes it: an RFID tag's first and
    last sighting."""
    return datetime.fromtimestamp(at).astimezone().isoformat(timespec="milliseconds")
