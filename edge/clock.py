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
