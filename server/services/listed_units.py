"""The tagged units a notice lists, received at a door (server.services.ingest): each once.

A receiving event that names a unit's tag (`epc`, kernel/floor_events) counts against the
unit's own notice line, and the unit keeps the event that received it; another event
receiving the same unit is refused (`unit_received`), so that once per unit holds at the
server as at the door, and the sync tells a rebuilt gateway which units came already. All of
it under the depot's ledger lock, in the receiving events' transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update

from kernel.epc_keys import tag_key
from kernel.floor_events import Receiving
from server.domain.errors import Rejection
from server.storage.tables import inbound_lines, inbound_notices, inbound_units


@dataclass(frozen=True, slots=True)
class Listed:
    id: int
    line: int  # its line's place in the notice, from 0


def listed_of(
    conn: Connection, warehouse: str, event: Receiving, taken: Mapping[int, str]
) -> Listed | None:
    """The unit the event's notice lists with its tag (by the tag's GS1 key where its URI
    names one), or None: an event without a tag, or a tag the notice does not list. A unit
    received already by another event (`taken`: this batch's) is refused."""
    if not event.epc or not event.notice:
        return None
    key = tag_key(event.epc)
    if key is not None and key.sscc:
        same = inbound_units.c.sscc == key.sscc
    elif key is not None:
        same = (inbound_units.c.gtin == key.gtin) & (inbound_units.c.serial == key.serial)
    else:
        same = inbound_units.c.epc == event.epc
    row = conn.execute(
        select(inbound_units.c.id, inbound_units.c.line_id, inbound_units.c.received_event)
        .select_from(
            inbound_units.join(inbound_notices, inbound_notices.c.id == inbound_units.c.notice_id)
        )
        .where(
            (inbound_notices.c.number == event.notice)
            & (inbound_notices.c.warehouse == warehouse)
            & same
        )
        .order_by(inbound_units.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    by = taken.get(row.id) or row.received_event
    if by is not None and by != event.event_id:
        raise Rejection(
            "unit_received", f"tag {event.epc} was received on notice {event.notice} already"
        )
    place = conn.execute(
        select(func.count())
        .select_from(inbound_lines)
        .where(
            inbound_lines.c.notice_id
            == select(inbound_lines.c.notice_id)
            .where(inbound_lines.c.id == row.line_id)
            .scalar_subquery(),
            inbound_lines.c.id < row.line_id,
        )
    ).scalar_one()
    return Listed(int(row.id), int(place))


def mark_received(conn: Connection, taken: Mapping[int, str], now: datetime) -> None:
    """Each unit received by this batch keeps the event that received it."""
    for unit_id, event_id in taken.items():
        conn.execute(
            update(inbound_units)
            .where(inbound_units.c.id == unit_id)
            .values(received_event=event_id, received_at=now)
        )
