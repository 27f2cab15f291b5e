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
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from server.ledger import LedgerError, Posting, post
from server.tables import batches, events, item_gtins, locations

EVENT_TYPES = ("receiving",)


class Rejection(Exception):
    """An event the ledger will not take; `reason` is a short code, the message explains."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


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
    _receive(conn, caller, event)


def _receive(conn: Connection, caller: Caller, event: dict[str, Any]) -> None:
    qty = event.get("qty")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        raise Rejection("bad_quantity", f"qty must be a positive integer, not {qty!r}")
    item_code = conn.execute(
        select(item_gtins.c.item_code).where(item_gtins.c.gtin == str(event.get("gtin")))
    ).scalar_one_or_none()
    if item_code is None:
        raise Rejection("unknown_gtin", f"GTIN {event.get('gtin')} is not in the item catalog")
    location_id = conn.execute(
        select(locations.c.id).where(
            (locations.c.warehouse == caller.warehouse)
            & (locations.c.code == str(event.get("location")))
        )
    ).scalar_one_or_none()
    if location_id is None:
        raise Rejection("unknown_location", f"location {event.get('location')} is not known")
    batch_no = str(event.get("batch") or "")
    if not batch_no:
        raise Rejection("missing_batch", "a receiving event needs a batch number")
    batch_id = _batch(conn, item_code, batch_no, event)
    try:
        post(
            conn,
            [
                Posting(
                    caller.warehouse,
                    location_id,
                    batch_id,
                    "pending_acceptance",
                    qty,
                    author=str(event.get("device") or caller.client_id),
                    event_id=event["event_id"],
                )
            ],
        )
    except LedgerError as exc:
        raise Rejection("ledger", str(exc)) from exc


def _batch(conn: Connection, item_code: str, batch_no: str, event: dict[str, Any]) -> int:
    key = (batches.c.item_code == item_code) & (batches.c.batch_no == batch_no)
    found = conn.execute(select(batches.c.id).where(key)).scalar_one_or_none()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            batches.insert()
            .values(
                item_code=item_code,
                batch_no=batch_no,
                prod_date=_date(event.get("prod_date")),
                inbound_date=_date(str(event.get("occurred_at", ""))[:10]),
            )
            .returning(batches.c.id)
        ).scalar_one()
    )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
