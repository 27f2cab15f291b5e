"""The number of an emergency dispatch a depot makes on a phone order while it is cut off from
the centre, one rule for the gateway that makes it and the server that takes it (pure).

    TEL-<depot>-<the depot's date of the call>-<the day's serial>, e.g. TEL-LC01-20261202-001

Only a depot makes numbers with its own code, and the centre makes none with this prefix, so
no two orders anywhere share one. ASCII, so that it fits a Code 128 task card.
"""

from __future__ import annotations

import re
from datetime import date

from kernel import bounds

PREFIX = "TEL"
MAX_PER_DAY = 999  # the serial's three digits

_DEPOT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")


def number_for(depot: str, called_on: date, serial: int) -> str:
    """The `serial`th order the depot took on the day of the call (its own date)."""
    if not _DEPOT_CODE.fullmatch(depot):
        raise ValueError(f"a depot code fit for a task card, not {depot!r}")
    bounds.integer("serial", serial, 1, MAX_PER_DAY)
    return f"{PREFIX}-{depot}-{called_on:%Y%m%d}-{serial:03d}"


def made_by(number: str, depot: str) -> bool:
    """Whether `number` is one that `depot` makes."""
    head = f"{PREFIX}-{depot}-"
    tail = number[len(head) :]
    return number.startswith(head) and re.fullmatch(r"[0-9]{8}-[0-9]{3}", tail) is not None


def note_number(order: str, depot: str, serial: int) -> str:
    """The `serial`th handover note a depot's gateway printed for an order it made:
    JJ-<order>-<depot>-G<n>. The centre numbers its own notes JJ-<order>-<depot>-<n>, so a
    note printed at the depot never takes one of them."""
    bounds.integer("serial", serial, 1, MAX_PER_DAY)
    return f"JJ-{order}-{depot}-G{serial}"


def note_made_by(number: str, order: str, depot: str) -> bool:
    """Whether `number` is a note number `depot`'s gateway makes for `order`."""
    tail = number.removeprefix(f"JJ-{order}-{depot}-G")
    return tail != number and tail.isascii() and tail.isdigit() and 1 <= int(tail) <= MAX_PER_DAY
