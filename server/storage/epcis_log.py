"""The EPCIS events of each depot, in the order its ledger committed them (`epcis_events`).

Every writer of a depot's ledger appends the events of what it wrote in its own transaction,
under the depot's lock (server.services.ledger.lock): the floor's accepted events (the batch
ingest), a decision's postings (the ledger's writer), a handover note. `seq` counts each
depot's events from 1 with no gap, and since the lock is held until the commit, no event
is committed behind one with a higher `seq`: a reader that has seen a depot up to some `seq`
has seen everything before it, for good. The query interface pages on it and the feed to
the provincial platform follows it (server.services.feed).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, true

from server.domain import depot_time
from server.domain.epcis import Captured
from server.domain.epcis_query import EventQuery
from server.storage.tables import epcis_events


def append(
    conn: Connection,
    warehouse: str,
    captured: Sequence[Captured],
    now: datetime,
    recorded: Sequence[datetime] | None = None,
) -> None:
    """Append events of `warehouse` recorded `now` (or each at its `recorded` time); the
    caller holds the depot's lock."""
    if not captured:
        return
    last = conn.execute(
        select(func.max(epcis_events.c.seq)).where(epcis_events.c.warehouse == warehouse)
    ).scalar()
    times = recorded or [now] * len(captured)
    rows = [
        {
            "warehouse": warehouse,
            "seq": (last or 0) + n,
            "event_id": c.event_id,
            "action": c.step.action,
            "biz_step": c.step.biz_step,
            "disposition": c.step.disposition,
            "event_time": c.event_time.astimezone(UTC),
            "record_time": at.astimezone(UTC),
            "read_point": c.read_point,
            "epc_classes": " " + " ".join(c.epc_classes) + " ",
            "body": json.dumps(c.body, ensure_ascii=False, separators=(",", ":")),
        }
        for n, (c, at) in enumerate(zip(captured, times, strict=True), start=1)
    ]
    conn.execute(epcis_events.insert(), rows)


@dataclass(frozen=True, slots=True)
class Found:
    """One event as stored: where it stands in its depot's order, and the event."""

    warehouse: str
    seq: int
    record_time: datetime
    event: dict[str, Any]


def _any(column: Any, values: tuple[str, ...]) -> Any:
    return column.in_(values) if values else None


def _classes(values: tuple[str, ...]) -> Any:
    if not values:
        return None
    return or_(
        *(
            epcis_events.c.epc_classes.contains(" " + v[:-1], autoescape=True)
            if v.endswith(".*")
            else epcis_events.c.epc_classes.contains(f" {v} ", autoescape=True)
            for v in values
        )
    )


def _between(column: Any, bounds: tuple[datetime | None, datetime | None]) -> list[Any]:
    low, high = bounds
    return [
        *([column >= low.astimezone(UTC)] if low else []),
        *([column < high.astimezone(UTC)] if high else []),
    ]


def page(conn: Connection, query: EventQuery) -> tuple[list[Found], bool]:
    """The events the query asks for after its position, by depot and then in each depot's
    order, at most `per_page`; and whether more follow."""
    if query.nothing:
        return [], False
    e = epcis_events.c
    conditions = [
        c
        for c in (
            _any(e.warehouse, query.warehouses or ()),
            _any(e.action, query.actions),
            _any(e.biz_step, query.biz_steps),
            _any(e.disposition, query.dispositions),
            _any(e.read_point, query.read_points),
            _any(e.event_id, query.event_ids),
            _classes(query.epc_classes),
        )
        if c is not None
    ]
    conditions += _between(e.event_time, query.event_time)
    conditions += _between(e.record_time, query.record_time)
    if query.after is not None:
        depot, seq = query.after
        conditions.append(or_(e.warehouse > depot, and_(e.warehouse == depot, e.seq > seq)))
    rows = conn.execute(
        select(e.warehouse, e.seq, e.record_time, e.body)
        .where(and_(true(), *conditions))
        .order_by(e.warehouse, e.seq)
        .limit(query.per_page + 1)
    ).all()
    found = [
        Found(r.warehouse, r.seq, depot_time.utc(r.record_time), json.loads(r.body))
        for r in rows[: query.per_page]
    ]
    return found, len(rows) > query.per_page


def after(conn: Connection, warehouse: str, seq: int, limit: int) -> list[Found]:
    """A depot's events after `seq`, in its order (the feed's reading)."""
    e = epcis_events.c
    rows = conn.execute(
        select(e.warehouse, e.seq, e.record_time, e.body)
        .where((e.warehouse == warehouse) & (e.seq > seq))
        .order_by(e.seq)
        .limit(limit)
    ).all()
    return [
        Found(r.warehouse, r.seq, depot_time.utc(r.record_time), json.loads(r.body)) for r in rows
    ]
