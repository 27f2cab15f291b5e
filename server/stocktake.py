"""Stocktakes: ledger against goods and against bin cards (账账、账物、账卡相符, art. 12(3)).

A supervisor opens a stocktake for the whole warehouse or one zone. Counters count blind
(they are never shown the ledger's quantity) and write down what each stack's bin card says;
counts arrive through the API or as stock_taking events from the floor. Closing computes
every line in one set operation in the database: the ledger's quantity per location and batch
against the latest count and the card. A variance above the tolerance asks for a recount
(round 2) before the stocktake can close. Variances need a reason code; adjustments post only
when a second person, a supervisor who did not count, approves them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    literal,
    select,
    update,
)

from server.approvals import Decision, record_decision
from server.audit import record
from server.basis import Kind, on_decision
from server.floor import Rejection
from server.ledger import LedgerError, Posting, post
from server.refs import batch_id, known_warehouse, location_id
from server.tables import (
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
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


@dataclass(frozen=True, slots=True)
class Count:
    location: str  # location code
    item: str  # item code
    batch: str
    counted: int
    card: int | None = None  # the bin card's quantity, if the stack has one
    round: int = 1


@dataclass(frozen=True, slots=True)
class Summary:
    lines: int
    ok: int
    variances: int
    recounts: int
    not_counted: int
    card_mismatches: int


def _stocktake(conn: Connection, stocktake_id: int, lock: bool = False) -> Any:
    query = select(stocktakes).where(stocktakes.c.id == stocktake_id)
    row = conn.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise Rejection("unknown_stocktake", f"stocktake {stocktake_id} does not exist")
    return row


def open_stocktake(
    engine: Engine, username: str, warehouse: str, zone: str | None, tolerance: int
) -> int:
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
                    opened_at=datetime.now(UTC),
                )
                .returning(stocktakes.c.id)
            ).scalar_one()
        )
        record(conn, username, "stocktake_open", f"stocktake {new_id}", depot=warehouse, zone=zone)
    return new_id


def count_rows(
    conn: Connection, take: Any, username: str, counts: list[Count], event_id: str | None = None
) -> list[dict[str, object]]:
    """Count rows ready to insert, checked against the stocktake's warehouse and zone."""
    now = datetime.now(UTC)
    rows = []
    for count in counts:
        if count.counted < 0 or (count.card is not None and count.card < 0):
            raise Rejection("bad_quantity", "counted and card quantities cannot be negative")
        if count.round not in (1, 2):
            raise Rejection("bad_round", "round is 1 (blind count) or 2 (recount)")
        where = location_id(conn, take.warehouse, count.location)
        if take.zone is not None:
            zone = conn.execute(select(locations.c.zone).where(locations.c.id == where))
            if zone.scalar_one() != take.zone:
                raise Rejection("outside_zone", f"{count.location} is not in zone {take.zone}")
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


def record_counts(engine: Engine, username: str, stocktake_id: int, counts: list[Count]) -> int:
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        rows = count_rows(conn, take, username, counts)
        if rows:
            conn.execute(stocktake_counts.insert(), rows)
    return len(rows)


def close(engine: Engine, username: str, stocktake_id: int) -> Summary:
    """Compute every line as one set operation; ask for recounts where they are due."""
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id, lock=True)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        if conn.dialect.name == "postgresql":  # sort 100,000s of lines in memory, not on disk
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.execute(delete(stocktake_lines).where(stocktake_lines.c.stocktake_id == take.id))
        conn.execute(
            stocktake_lines.insert().from_select(
                [c.name for c in stocktake_lines.c], _lines_query(take)
            )
        )
        summary = _summary(conn, take.id)
        status = "counting" if summary.recounts else "closed"
        conn.execute(
            update(stocktakes)
            .where(stocktakes.c.id == take.id)
            .values(
                status=status,
                closed_by=username if status == "closed" else None,
                closed_at=datetime.now(UTC) if status == "closed" else None,
            )
        )
        record(
            conn,
            username,
            "stocktake_close",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            status=status,
            variances=summary.variances,
            recounts=summary.recounts,
        )
    return summary


def _lines_query(take: Any) -> Any:
    """SELECT of every line, as one aggregation: the ledger's rows in scope and the latest
    count of each line (highest round, newest) stacked with UNION ALL, then grouped by
    location and batch, so that lines only in the ledger, only counted, or both come out
    in one sort, with no join between two large intermediate results."""
    scope = select(locations.c.id).where(locations.c.warehouse == take.warehouse)
    if take.zone is not None:
        scope = scope.where(locations.c.zone == take.zone)
    ledger = select(
        stock.c.location_id,
        stock.c.batch_id,
        stock.c.qty.label("expected"),
        literal(None).label("counted"),
        literal(None).label("card"),
        literal(0).label("round"),
    ).where((stock.c.warehouse == take.warehouse) & stock.c.location_id.in_(scope))
    ranked = (
        select(
            stocktake_counts.c.location_id,
            stocktake_counts.c.batch_id,
            stocktake_counts.c.counted,
            stocktake_counts.c.card,
            stocktake_counts.c.round,
            func.row_number()
            .over(
                partition_by=(stocktake_counts.c.location_id, stocktake_counts.c.batch_id),
                order_by=(stocktake_counts.c.round.desc(), stocktake_counts.c.id.desc()),
            )
            .label("rank"),
        )
        .where(
            (stocktake_counts.c.stocktake_id == take.id) & stocktake_counts.c.location_id.in_(scope)
        )
        .subquery("ranked")
    )
    counts = select(
        ranked.c.location_id,
        ranked.c.batch_id,
        literal(0).label("expected"),
        ranked.c.counted,
        ranked.c.card,
        ranked.c.round,
    ).where(ranked.c.rank == 1)
    both = ledger.union_all(counts).subquery("both")
    grouped = (
        select(
            both.c.location_id,
            both.c.batch_id,
            func.sum(both.c.expected).label("expected"),
            func.max(both.c.counted).label("counted"),
            func.max(both.c.card).label("card"),
            func.max(both.c.round).label("rounds"),
        )
        .group_by(both.c.location_id, both.c.batch_id)
        .having(
            (func.sum(both.c.expected) != 0) | (func.coalesce(func.max(both.c.counted), 0) != 0)
        )
        .subquery("lines")
    )
    state = case(
        (grouped.c.counted.is_(None), literal("not_counted")),
        (grouped.c.counted == grouped.c.expected, literal("ok")),
        (
            and_(
                func.abs(grouped.c.counted - grouped.c.expected) > take.tolerance,
                grouped.c.rounds < 2,
            ),
            literal("recount"),
        ),
        else_=literal("variance"),
    )
    return select(
        literal(take.id).label("stocktake_id"),
        grouped.c.location_id,
        grouped.c.batch_id,
        grouped.c.expected,
        grouped.c.counted,
        grouped.c.card,
        grouped.c.rounds,
        (grouped.c.counted - grouped.c.expected).label("variance"),
        state.label("state"),
        literal(None).label("reason"),
    )


def _summary(conn: Connection, stocktake_id: int) -> Summary:
    lines = stocktake_lines.c
    row = conn.execute(
        select(
            func.count(),
            func.sum(case((lines.state == "ok", 1), else_=0)),
            func.sum(case((lines.state == "variance", 1), else_=0)),
            func.sum(case((lines.state == "recount", 1), else_=0)),
            func.sum(case((lines.state == "not_counted", 1), else_=0)),
            func.sum(
                case((and_(lines.card.is_not(None), lines.card != lines.expected), 1), else_=0)
            ),
        ).where(lines.stocktake_id == stocktake_id)
    ).one()
    return Summary(*(int(v or 0) for v in row))


def set_reason(
    engine: Engine,
    username: str,
    stocktake_id: int,
    location: str,
    item: str,
    batch: str,
    reason: str,
) -> None:
    if reason not in REASONS:
        raise Rejection("bad_reason", f"reason is one of {', '.join(REASONS)}")
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id)
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
        record(
            conn,
            username,
            "stocktake_reason",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            location=location,
            batch=batch,
            reason=reason,
        )


def approve(engine: Engine, username: str, stocktake_id: int) -> int:
    """Post the adjustments of a closed stocktake; the approver must not have counted."""
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id, lock=True)
        if take.status != "closed":
            raise Rejection("not_closed", f"stocktake {stocktake_id} is {take.status}")
        counters = set(
            conn.execute(
                select(stocktake_counts.c.counted_by.distinct()).where(
                    stocktake_counts.c.stocktake_id == stocktake_id
                )
            ).scalars()
        )
        if username in counters:
            raise Rejection("same_person", "the person who counted cannot approve the adjustment")
        variances = conn.execute(
            select(stocktake_lines).where(
                (stocktake_lines.c.stocktake_id == stocktake_id)
                & (stocktake_lines.c.state == "variance")
            )
        ).all()
        missing = [v for v in variances if not v.reason]
        if missing:
            raise Rejection("reason_missing", f"{len(missing)} variances have no reason code")
        approval_id = record_decision(
            conn,
            Decision(
                "adjustment",
                take.warehouse,
                f"stocktake {stocktake_id}",
                username,
                "approved",
                {"stocktake": stocktake_id, "lines": len(variances)},
            ),
        )
        basis = on_decision(Kind.ADJUSTMENT, approval_id, stocktake_id)
        entries = [
            Posting(
                take.warehouse,
                v.location_id,
                v.batch_id,
                "available",
                v.variance,
                username,
                basis,
            )
            for v in variances
        ]
        try:
            post(conn, entries)
        except LedgerError as exc:
            raise Rejection(
                "insufficient_stock",
                f"{exc}; a loss beyond the available stock needs another basis",
            ) from exc
        conn.execute(
            update(stocktakes)
            .where(stocktakes.c.id == stocktake_id)
            .values(status="adjusted", approval_id=approval_id)
        )
        record(
            conn,
            username,
            "stocktake_approve",
            f"stocktake {stocktake_id}",
            depot=take.warehouse,
            approval=approval_id,
            lines=len(variances),
        )
    return approval_id
