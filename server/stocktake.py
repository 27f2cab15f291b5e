"""Stocktakes: ledger against goods and against bin cards (账账、账物、账卡相符, art. 12(3)).

A supervisor opens a stocktake for the whole warehouse or one zone. Counters count blind
(they are never shown the ledger's quantity) and write down what each stack's bin card says;
counts arrive through the API or as stock_taking events from the floor, each credited to the
person who counted. Closing computes every line in one set operation in the database: the
ledger's quantity per location and batch against the latest count and the card. A variance
above the tolerance asks for a recount (round 2) before the stocktake can close, and a line
nobody counted must be marked not counted with a reason (`mark_not_counted`) or the close is
refused: no line is hidden. Variances need a reason code; adjustments post only when a second
person approves them (server/duties.py: not the one who closed it, not one who counted). A
loss on stock reserved for dispatch releases the reservation and plans the order again
(server/replan.py).
"""

from __future__ import annotations

from collections.abc import Sequence
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

from server import decisions
from server.audit import record
from server.basis import Kind, on_decision
from server.floor import Rejection
from server.ledger import LedgerError, Posting, post
from server.refs import batch_id, known_warehouse, location_id
from server.replan import Loss, release, replan
from server.tables import (
    batches,
    locations,
    stock,
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
        _refuse_hidden_lines(conn, take.id)
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
        # a line not counted carries the reason it was marked with
        case((grouped.c.counted.is_(None), skips.c.reason), else_=None).label("reason"),
    ).outerjoin(
        skips,
        (skips.c.stocktake_id == take.id)
        & (skips.c.location_id == grouped.c.location_id)
        & (skips.c.batch_id == grouped.c.batch_id),
    )


def _refuse_hidden_lines(conn: Connection, stocktake_id: int) -> None:
    """A line neither counted nor marked not counted with a reason refuses the close."""
    lines = stocktake_lines.c
    hidden = (lines.stocktake_id == stocktake_id) & (lines.state == "not_counted")
    hidden = hidden & lines.reason.is_(None)
    total = conn.execute(select(func.count()).where(hidden)).scalar_one()
    if not total:
        return
    first = conn.execute(
        select(locations.c.code, batches.c.item_code, batches.c.batch_no)
        .select_from(stocktake_lines)
        .join(locations, locations.c.id == lines.location_id)
        .join(batches, batches.c.id == lines.batch_id)
        .where(hidden)
        .order_by(locations.c.walk_order, locations.c.code, batches.c.batch_no)
        .limit(10)
    ).all()
    named = ", ".join(f"{r.code} {r.item_code}/{r.batch_no}" for r in first)
    raise Rejection(
        "lines_not_counted",
        f"{total} lines were neither counted nor marked not counted with a reason: {named}"
        + (" ..." if total > len(first) else ""),
    )


def mark_not_counted(engine: Engine, username: str, stocktake_id: int, marks: list[Skip]) -> int:
    """Mark lines not counted, each with its reason, before the stocktake closes."""
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id, lock=True)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        now = datetime.now(UTC)
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
    """Post the adjustments of a closed stocktake, approved by a second person: not the one
    who closed it, not one who counted (server/duties.py). A loss is booked from available
    stock first, then from reserved stock, whose orders are planned again."""
    with engine.begin() as conn:
        take = _stocktake(conn, stocktake_id, lock=True)
        if take.status != "closed":
            raise Rejection("not_closed", f"stocktake {stocktake_id} is {take.status}")
        counters = frozenset(
            conn.execute(
                select(stocktake_counts.c.counted_by)
                .distinct()
                .where(stocktake_counts.c.stocktake_id == stocktake_id)
            ).scalars()
        )
        decisions.check_approval(
            conn, "adjustment", username, frozenset({take.closed_by}), counters
        )
        variances = conn.execute(
            select(stocktake_lines).where(
                (stocktake_lines.c.stocktake_id == stocktake_id)
                & (stocktake_lines.c.state == "variance")
            )
        ).all()
        missing = [v for v in variances if not v.reason]
        if missing:
            raise Rejection("reason_missing", f"{len(missing)} variances have no reason code")
        approval_id = decisions.record_approval(
            conn,
            "adjustment",
            take.warehouse,
            f"stocktake {stocktake_id}",
            username,
            "approved",
            {"stocktake": stocktake_id, "lines": len(variances)},
            parent=None,
        )
        losses = _reserved_losses(conn, take, variances)
        try:
            # Reservations on a lost stack give way first (reserved -> available, on this
            # approval and each order), then every variance is booked to available stock, and
            # only then are the orders planned again (never from the stack just lost).
            released = [r for loss in losses for r in release(conn, username, loss, approval_id)]
            basis = on_decision(Kind.ADJUSTMENT, approval_id, stocktake_id)
            post(
                conn,
                [
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
                ],
            )
            orders = replan(conn, username, released)
        except LedgerError as exc:
            raise Rejection(
                "insufficient_stock",
                f"{exc}; a loss beyond the stock held there needs another basis",
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
            replanned=sorted(set(orders)),
        )
    return approval_id


def _reserved_losses(conn: Connection, take: Any, variances: Sequence[Any]) -> list[Loss]:
    """The part of each loss that the stack's available stock cannot cover: reserved stock
    lost, whose reservations give way (server/replan.py)."""
    lost = [v for v in variances if v.variance < 0]
    if not lost:
        return []
    rows = conn.execute(
        select(stock.c.location_id, stock.c.batch_id, stock.c.qty).where(
            (stock.c.warehouse == take.warehouse)
            & (stock.c.status == "available")
            & stock.c.location_id.in_({v.location_id for v in lost})
            & stock.c.batch_id.in_({v.batch_id for v in lost})
        )
    )
    available = {(r.location_id, r.batch_id): int(r.qty) for r in rows}
    losses = []
    for v in lost:
        short = -v.variance - available.get((v.location_id, v.batch_id), 0)
        if short > 0:
            losses.append(
                Loss(take.warehouse, v.location_id, v.batch_id, short, f"stocktake {take.id}")
            )
    return losses
