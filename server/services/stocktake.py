"""Stocktakes: ledger against goods and against bin cards (账账、账物、账卡相符, art. 12(3)).

A supervisor opens a stocktake for the whole warehouse or one zone. Counters count blind
(they are never shown the ledger's quantity) and write down what each stack's bin card says;
counts arrive through the API or as stock_taking events from the floor, each credited to the
person who counted. Closing (server/services/stocktake_close.py) computes every line in one set
operation in the database: the ledger's quantity per location and batch against the latest count
and the card. A variance above the tolerance asks for a recount (round 2) before the stocktake can
close, and a line nobody counted must be marked not counted with a reason (`mark_not_counted`) or
the close is refused: no line is hidden. Variances need a reason code; adjustments post only when a
second person approves them (server/domain/duties.py: not the one who closed it, not one who
counted). A loss on stock reserved for dispatch releases the reservation and plans the order again
(server/services/replan.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    delete,
    select,
    update,
)

from server.domain.floor import Rejection
from server.services.audit import record
from server.services.refs import batch_id, known_warehouse, location_id
from server.storage import stocktake_progress
from server.storage.tables import (
    batches,
    locations,
    stocktake_counts,
    stocktake_lines,
    stocktake_skips,
    stocktakes,
)

REASONS = (
    "miscount",
    "damaged",
    "misplaced",
    "unrecorded_issue",
    "unrecorded_receipt",
    "card_error",
    "theft_or_loss",
    "other",
)
skips = stocktake_skips
# Why a line was not counted (marked before the stocktake closes).
NOT_COUNTED_REASONS = ("inaccessible", "sealed", "hazard", "in_use", "other")
SHOWN_LINES = 100  # not-counted lines named in a close's answer


@dataclass(frozen=True, slots=True)
class Count:
    location: str  # location code
    item: str  # item code
    batch: str
    counted: int
    card: int | None = None  # the bin card's quantity, if the stack has one
    round: int = 1


@dataclass(frozen=True, slots=True)
class Skip:
    """A line marked not counted, and why."""

    location: str
    item: str
    batch: str
    reason: str
    note: str | None = None


def stocktake_row(conn: Connection, stocktake_id: int, lock: bool = False) -> Any:
    query = select(stocktakes).where(stocktakes.c.id == stocktake_id)
    row = conn.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise Rejection("unknown_stocktake", f"stocktake {stocktake_id} does not exist")
    return row


def open_stocktake(
    engine: Engine,
    username: str,
    warehouse: str,
    zone: str | None,
    tolerance: int,
    now: datetime,
) -> int:
    """A stocktake of a warehouse or one zone of it, open for counting from `now`."""
    if tolerance < 0:
        raise Rejection("bad_tolerance", "tolerance must be zero or more")
    with engine.begin() as conn:
        known_warehouse(conn, warehouse)
        if (
            zone is not None
            and conn.execute(
                select(locations.c.id).where(
                    (locations.c.warehouse == warehouse) & (locations.c.zone == zone)
                )
            ).first()
            is None
        ):
            raise Rejection("unknown_zone", f"zone {zone} has no locations in {warehouse}")
        new_id = int(
            conn.execute(
                stocktakes.insert()
                .values(
                    warehouse=warehouse,
                    zone=zone,
                    status="counting",
                    tolerance=tolerance,
                    opened_by=username,
                    opened_at=now,
                )
                .returning(stocktakes.c.id)
            ).scalar_one()
        )
        stocktake_progress.start(conn, new_id, warehouse, zone)
        record(
            conn,
            username,
            "stocktake_open",
            f"stocktake {new_id}",
            depot=warehouse,
            zone=zone,
            now=now,
        )
    return new_id


def count_rows(
    conn: Connection,
    take: Any,
    username: str,
    counts: list[Count],
    now: datetime,
    event_id: str | None = None,
) -> list[dict[str, object]]:
    """Count rows ready to insert, checked against the stocktake's warehouse and zone."""
    rows = []
    for count in counts:
        if count.counted < 0 or (count.card is not None and count.card < 0):
            raise Rejection("bad_quantity", "counted and card quantities cannot be negative")
        if count.round not in (1, 2):
            raise Rejection("bad_round", "round is 1 (blind count) or 2 (recount)")
        where = _in_scope(conn, take, count.location)
        rows.append(
            {
                "stocktake_id": take.id,
                "location_id": where,
                "batch_id": batch_id(conn, count.item, count.batch),
                "round": count.round,
                "counted": count.counted,
                "card": count.card,
                "counted_by": username,
                "counted_at": now,
                "event_id": event_id,
            }
        )
    return rows


def _in_scope(conn: Connection, take: Any, location: str) -> int:
    """A location of the stocktake's warehouse and zone (its id)."""
    where = location_id(conn, take.warehouse, location)
    if take.zone is not None:
        zone = conn.execute(select(locations.c.zone).where(locations.c.id == where))
        if zone.scalar_one() != take.zone:
            raise Rejection("outside_zone", f"{location} is not in zone {take.zone}")
    return where


def record_counts(
    engine: Engine, username: str, stocktake_id: int, counts: list[Count], now: datetime
) -> int:
    """Counts of one person, credited to them and recorded at `now`."""
    with engine.begin() as conn:
        take = stocktake_row(conn, stocktake_id)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        rows = count_rows(conn, take, username, counts, now)
        if rows:
            conn.execute(stocktake_counts.insert(), rows)
            stocktake_progress.add_counted(conn, rows)
        record(
            conn,
            username,
            "stocktake_count",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            lines=len(rows),
            rounds=sorted({c.round for c in counts}),
            now=now,
        )
    return len(rows)


def mark_not_counted(
    engine: Engine, username: str, stocktake_id: int, marks: list[Skip], now: datetime
) -> int:
    """Mark lines not counted, each with its reason, before the stocktake closes."""
    with engine.begin() as conn:
        take = stocktake_row(conn, stocktake_id, lock=True)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        rows: dict[tuple[int, int], dict[str, Any]] = {}
        for mark in marks:
            if mark.reason not in NOT_COUNTED_REASONS:
                raise Rejection(
                    "bad_reason",
                    f"not counted: the reason is one of {', '.join(NOT_COUNTED_REASONS)}",
                )
            where = _in_scope(conn, take, mark.location)
            key = (where, batch_id(conn, mark.item, mark.batch))
            rows[key] = {
                "stocktake_id": take.id,
                "location_id": key[0],
                "batch_id": key[1],
                "reason": mark.reason,
                "note": mark.note,
                "marked_by": username,
                "marked_at": now,
            }
        for key in rows:
            conn.execute(
                delete(skips).where(
                    (skips.c.stocktake_id == take.id)
                    & (skips.c.location_id == key[0])
                    & (skips.c.batch_id == key[1])
                )
            )
        if rows:
            conn.execute(skips.insert(), list(rows.values()))
        record(
            conn,
            username,
            "stocktake_not_counted",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            lines=len(rows),
            reasons=sorted({m.reason for m in marks}),
            now=now,
        )
    return len(rows)


def not_counted_lines(
    conn: Connection, stocktake_id: int, limit: int = SHOWN_LINES
) -> list[dict[str, Any]]:
    """The lines of a closed round that nobody counted, with the reason each was marked."""
    lines = stocktake_lines.c
    query = (
        select(
            locations.c.code.label("location"),
            batches.c.item_code.label("item"),
            batches.c.batch_no.label("batch"),
            lines.expected,
            lines.reason,
            skips.c.note,
            skips.c.marked_by,
        )
        .select_from(stocktake_lines)
        .join(locations, locations.c.id == lines.location_id)
        .join(batches, batches.c.id == lines.batch_id)
        .outerjoin(
            skips,
            (skips.c.stocktake_id == lines.stocktake_id)
            & (skips.c.location_id == lines.location_id)
            & (skips.c.batch_id == lines.batch_id),
        )
        .where((lines.stocktake_id == stocktake_id) & (lines.state == "not_counted"))
        .order_by(locations.c.walk_order, locations.c.code, batches.c.batch_no)
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(query).mappings()]


def set_reason(
    engine: Engine,
    username: str,
    stocktake_id: int,
    location: str,
    item: str,
    batch: str,
    reason: str,
    now: datetime,
) -> None:
    if reason not in REASONS:
        raise Rejection("bad_reason", f"reason is one of {', '.join(REASONS)}")
    with engine.begin() as conn:
        take = stocktake_row(conn, stocktake_id)
        where = location_id(conn, take.warehouse, location)
        done = conn.execute(
            update(stocktake_lines)
            .where(
                (stocktake_lines.c.stocktake_id == stocktake_id)
                & (stocktake_lines.c.location_id == where)
                & (stocktake_lines.c.batch_id == batch_id(conn, item, batch))
            )
            .values(reason=reason)
        ).rowcount
        if not done:
            raise Rejection("unknown_line", "no such line in this stocktake")
        stocktake_progress.tally(conn, stocktake_id)
        record(
            conn,
            username,
            "stocktake_reason",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            location=location,
            batch=batch,
            reason=reason,
            now=now,
        )
