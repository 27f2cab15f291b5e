"""Domain events from the gateways, posted to the ledger exactly once.

Each event is handled in its own transaction: its row in `events` (primary key event_id)
and its postings commit together or not at all, so a batch sent twice, or two gateways
racing, can never post anything twice. A rejected event is recorded with its reason, and
sending it again answers "duplicate" with that first verdict.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from server.floor import HANDLERS, Rejection
from server.tables import events

EVENT_TYPES = tuple(HANDLERS)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who posts: a gateway's API client, bound to one warehouse."""

    client_id: str
    warehouse: str


@dataclass(frozen=True, slots=True)
class EventResult:
    event_id: str
    result: str  # accepted | duplicate | rejected
    reason: str | None = None
    original: str | None = None  # for a duplicate: the first verdict

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event_id": self.event_id, "result": self.result}
        if self.reason:
            out["reason"] = self.reason
        if self.original:
            out["original"] = self.original
        return out


def ingest(engine: Engine, caller: Caller, batch: list[Any]) -> list[EventResult]:
    return [ingest_one(engine, caller, event) for event in batch]


def ingest_one(engine: Engine, caller: Caller, event: Any) -> EventResult:
    event_id = event.get("event_id") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not _is_uuid(event_id):
        return EventResult(str(event_id), "rejected", "bad_event_id: event_id must be a UUID")
    try:
        with engine.begin() as conn:
            seen = _seen(conn, event_id)
            if seen is not None:
                return seen
            _record(conn, caller, event, "accepted", None)
            _apply(conn, caller, event)
        return EventResult(event_id, "accepted")
    except Rejection as exc:
        return _reject(engine, caller, event, str(exc))
    except IntegrityError:
        with engine.connect() as conn:
            seen = _seen(conn, event_id)
        if seen is not None:
            return seen
        raise


def _seen(conn: Connection, event_id: str) -> EventResult | None:
    row = conn.execute(
        select(events.c.status, events.c.reason).where(events.c.event_id == event_id)
    ).one_or_none()
    if row is None:
        return None
    return EventResult(event_id, "duplicate", row.reason, original=row.status)


def _reject(engine: Engine, caller: Caller, event: dict[str, Any], reason: str) -> EventResult:
    try:
        with engine.begin() as conn:
            seen = _seen(conn, event["event_id"])
            if seen is not None:
                return seen
            _record(conn, caller, event, "rejected", reason)
    except IntegrityError:
        pass
    return EventResult(event["event_id"], "rejected", reason)


def _record(
    conn: Connection, caller: Caller, event: dict[str, Any], status: str, reason: str | None
) -> None:
    conn.execute(
        events.insert().values(
            event_id=event["event_id"],
            type=str(event.get("type", ""))[:32],
            warehouse=str(event.get("warehouse", ""))[:32],
            source=caller.client_id,
            occurred_at=str(event.get("occurred_at", ""))[:40],
            received_at=datetime.now(UTC),
            status=status,
            reason=reason,
            payload=json.dumps(event, ensure_ascii=False, sort_keys=True),
        )
    )


def _apply(conn: Connection, caller: Caller, event: dict[str, Any]) -> None:
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise Rejection("unsupported_type", f"event type {kind!r} is not handled")
    if event.get("warehouse") != caller.warehouse:
        raise Rejection(
            "warehouse_not_allowed",
            f"{caller.client_id} may post only for warehouse {caller.warehouse}",
        )
    HANDLERS[kind](conn, caller.warehouse, str(event.get("device") or caller.client_id), event)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
