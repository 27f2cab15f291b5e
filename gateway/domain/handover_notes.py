"""The handover note (annex 2) a depot's gateway makes for an order the depot made while cut
off from the centre (pure): the transport as typed at the floor pages, checked; the note's
number; and the note as it goes to the centre when the line is back.

    `check_transport`  carrier, driver, telephone, plate, receiver: a `Transport`, or every
                       problem by its field (Chinese first, English beside)
    (its number is kernel/phone_order_numbers.py's `note_number`: JJ-<order>-<depot>-G<n>)
    `wire`             the note as the centre keeps it (`POST /api/v1/gateway/handovers`)

A note hands over what has been loaded of the order at the depot so far, line by line, as
the centre's notes do (server/services/handover.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gateway.domain import form_checks as checks
from gateway.domain.form_checks import Problem

OUTBOX_TYPE = "handover"  # its place among the depot's events going to the centre
MAX_NAME = 200
MAX_PERSON = 100
MAX_PLATE = 20


@dataclass(frozen=True, slots=True)
class Transport:
    carrier: str  # 运输单位
    driver: str  # 驾驶员姓名
    phone: str  # 电话
    plate: str  # 车号
    receiver: str  # 收货（接收）单位


@dataclass(frozen=True, slots=True)
class NoteLine:
    """What was loaded of one stack (location, batch) of the order."""

    location: str
    item: str
    batch: str
    qty: int


_FIELDS = (  # field, Chinese, English, longest
    ("carrier", "运输单位", "carrier", MAX_NAME),
    ("driver", "驾驶员姓名", "driver's name", MAX_PERSON),
    ("plate", "车号", "plate", MAX_PLATE),
    ("receiver", "收货（接收）单位", "receiver", MAX_NAME),
)


def check_transport(form: Mapping[str, str]) -> Transport | list[Problem]:
    """The transport as typed: every field needed, one line each, within the centre's bounds."""
    problems: list[Problem] = []
    typed = {name: checks.line(form, name, zh, en, longest, problems)
             for name, zh, en, longest in _FIELDS}  # fmt: skip
    phone = checks.phone(form, "phone", "驾驶员电话", "driver's number", problems)
    if problems:
        return problems
    return Transport(typed["carrier"], typed["driver"], phone, typed["plate"], typed["receiver"])


def wire(
    number: str,
    order: str,
    transport: Transport,
    lines: tuple[NoteLine, ...],
    made_by: str,
    made_at: datetime,
) -> dict[str, object]:
    return {
        "number": number,
        "order": order,
        "carrier": transport.carrier,
        "driver": transport.driver,
        "phone": transport.phone,
        "plate": transport.plate,
        "receiver": transport.receiver,
        "lines": [{"location": x.location, "item": x.item, "batch": x.batch, "qty": x.qty}
                  for x in lines],
        "made_by": made_by,
        "made_at": made_at.isoformat(),
    }  # fmt: skip
