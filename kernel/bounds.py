"""The bounds every input is checked against where it enters: one definition for the
stations, the gateway and the server.

Each check returns the value or raises `OutOfBounds` with a short reason in English that
names the field. Nothing here does IO.

    MAX_QTY         a read's or an event's quantity, in the item's unit (a pallet, a case)
    MAX_STOCK       the quantity of one stock line in the central ledger
    INT64_MAX       the largest integer a database column takes
    MAX_ID          the largest row id (32-bit integer columns)
    clean text      no lone surrogates (they cannot be written as UTF-8), no control
                    characters, at most a given length
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

MAX_QTY = 1_000_000  # one read or one event: far above any pallet, far below overflow
MAX_STOCK = 10**12  # one stock line: a million reads of MAX_QTY (a database CHECK too)
INT64_MAX = 2**63 - 1
MAX_ID = 2**31 - 1  # row ids are 32-bit integer columns
MAX_TEXT = 200  # free text on the floor: a batch number, a serial, a location code

_UNCLEAN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_C1 = re.compile(r"[\x80-\x9f]")
# A telephone number: digits, with a leading +, spaces, dashes, brackets, an extension (转 / x)
PHONE = r"^\+?[0-9(][0-9 ()\-]{3,30}([ ]?(转|x|ext\.?)[ ]?[0-9]{1,6})?$"
MAX_PHONE = 40
MAX_ORDER_PICKS = 1000  # the stacks one order's plan may take (an order made at a depot)
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class OutOfBounds(ValueError):
    """An input outside the bounds of its field; the message names the field and why."""


def is_clean(text: str) -> bool:
    """No lone surrogate and no control character (tab, newline and the GS separator too:
    decoded fields never hold them; the raw bytes of a read travel as base64)."""
    return _UNCLEAN.search(text) is None


def is_line(text: str) -> bool:
    """One line of text the server takes: clean, and no C1 control character either."""
    return is_clean(text) and _C1.search(text) is None


def printable(value: str, max_len: int = MAX_TEXT) -> str:
    """`value` made clean text of at most `max_len` characters: each control character or
    lone surrogate replaced by U+FFFD (for text a part writes itself from what the system
    says, such as an OS error quoting a path)."""
    return _UNCLEAN.sub("\ufffd", value[:max_len])


def text(field: str, value: Any, max_len: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise OutOfBounds(f"{field} must be text")
    if len(value) > max_len:
        raise OutOfBounds(f"{field} is longer than {max_len} characters")
    if not is_clean(value):
        raise OutOfBounds(f"{field} holds a control character or a lone surrogate")
    return value


def optional_text(field: str, value: Any, max_len: int = MAX_TEXT) -> str | None:
    return None if value is None else text(field, value, max_len)


def integer(field: str, value: Any, low: int = 0, high: int = INT64_MAX) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise OutOfBounds(f"{field} must be an integer")
    if not low <= value <= high:
        raise OutOfBounds(f"{field} must be between {low} and {high}")
    return value


def quantity(field: str, value: Any) -> int:
    """A quantity read or moved at once: 1..MAX_QTY."""
    return integer(field, value, 1, MAX_QTY)


def event_id(field: str, value: Any) -> str:
    """A UUID in its canonical form (lower-case hex, 8-4-4-4-12), as the stations make them."""
    if not isinstance(value, str) or not _CANONICAL_UUID.fullmatch(value):
        raise OutOfBounds(f"{field} must be a UUID in canonical form")
    uuid.UUID(value)  # the pattern admits only what parses
    return value


def timestamp(field: str, value: Any) -> str:
    """An ISO 8601 date and time (as the stations write them), kept as sent."""
    return _parses(field, value, 40, datetime.fromisoformat, "an ISO 8601 date and time")


def moment(field: str, value: Any) -> str:
    """An ISO 8601 date and time with its UTC offset: a moment any clock can be compared to."""
    timestamp(field, value)
    if datetime.fromisoformat(value).utcoffset() is None:
        raise OutOfBounds(f"{field} must give its UTC offset")
    return str(value)


MAX_SIGHTING_FROM_TS = 600.0  # seconds: a tag's sightings are this close to its message


def sightings(field: str, seen: dict[str, str | None], ts: Any) -> None:
    """A tag's sightings (moments, checked): first_seen <= peak_seen <= last_seen, each
    within MAX_SIGHTING_FROM_TS of the message's ts (a portal's direction is told by them)."""
    at = {k: datetime.fromisoformat(v).timestamp() for k, v in seen.items() if v is not None}
    order = [at[k] for k in ("first_seen", "peak_seen", "last_seen") if k in at]
    if order != sorted(order):
        raise OutOfBounds(f"{field}: first_seen <= peak_seen <= last_seen")
    try:
        sent = datetime.fromisoformat(str(ts))
    except ValueError:
        return  # ts itself is checked with the message
    if sent.utcoffset() is None:
        return
    if any(abs(t - sent.timestamp()) > MAX_SIGHTING_FROM_TS for t in at.values()):
        raise OutOfBounds(f"{field}: sightings more than {MAX_SIGHTING_FROM_TS:.0f} s from ts")


def iso_date(field: str, value: Any) -> str:
    return _parses(field, value, 10, date.fromisoformat, "a date YYYY-MM-DD")


def _parses(field: str, value: Any, max_len: int, parse: Callable[[str], Any], what: str) -> str:
    text(field, value, max_len)
    try:
        parse(value)
    except ValueError as exc:
        raise OutOfBounds(f"{field} must be {what}") from exc
    return str(value)
