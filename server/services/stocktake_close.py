"""The end of a stocktake (art. 12(3)): its close, which reconciles every counted line
against the ledger in one set operation (the rule: server.domain.reconciliation), and the
approval of its adjustments by a second person, which posts them.

Closing computes every line in the database: the ledger's quantity per location and batch
against the latest count and the card. A variance above the tolerance asks for a recount
(round 2) before the stocktake can close, and a line nobody counted must have been marked not
counted with a reason, or the close is refused: no line is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, literal, select, update

from server.domain.basis import Kind, on_decision
from server.domain.errors import LedgerError, Rejection
from server.domain.reconciliation import Summary
from server.services import decisions
from server.services.audit import record
from server.services.ledger import Posting, post
from server.services.replan import Loss, release, replan
from server.services.stocktake import stocktake_row
from server.storage import stocktake_progress
from server.storage.tables import (
    batches,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktake_skips,
    stocktakes,
)

skips = stocktake_skips


def close(engine: Engine, username: str, stocktake_id: int, now: datetime) -> Summary:
    """Compute every line as one set operation; ask for recounts where they are due."""
    with engine.begin() as conn:
        take = stocktake_row(conn, stocktake_id, lock=True)
        if take.status != "counting":
            raise Rejection("not_counting", f"stocktake {stocktake_id} is {take.status}")
        if conn.dialect.name == "postgresql":  # sort 100,000s of lines in memory, not on disk
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.execute(delete(stocktake_lines).where(stocktake_lines.c.stocktake_id == take.id))
        conn.execute(
            stocktake_lines.insert().from_select(
                [c.name for c in stocktake_lines.c], lines_query(take)
            )
        )
        _refuse_hidden_lines(conn, take.id)
        summary = summary_of(conn, take.id)
        stocktake_progress.tally(conn, take.id)
        status = "counting" if summary.recounts else "closed"
        conn.execute(
            update(stocktakes)
            .where(stocktakes.c.id == take.id)
            .values(
                status=status,
                closed_by=username if status == "closed" else None,
                closed_at=now if status == "closed" else None,
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
            now=now,
        )
    return summary


def lines_query(take: Any) -> Any:
    """SELECT of every line (the rule of server.domain.reconciliation.reconcile, set-wise), as one
    aggregation: the ledger's rows in scope and the latest count of each line (highest round,
    newest) stacked with UNION ALL, then grouped by location and batch, so that lines only in the
    ledger, only counted, or both come out in one sort, with no join between two large intermediate
    results.

    Longer than 80 lines for a reason: it is one SQL statement, built in the order the
    database runs it; its parts mean nothing alone."""
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


def summary_of(conn: Connection, stocktake_id: int) -> Summary:
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


def approve(engine: Engine, username: str, stocktake_id: int, now: datetime) -> int:
    """Post the adjustments of a closed stocktake, approved by a second person: not the one
    who closed it, not one who counted (server/domain/duties.py). A loss is booked from available
    stock first, then from reserved stock, whose orders are planned again."""
    with engine.begin() as conn:
        take = stocktake_row(conn, stocktake_id, lock=True)
        if take.status != "closed":
            raise Rejection("not_closed", f"stocktake {stocktake_id} is {take.status}")
        counters = _counters(conn, stocktake_id)
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
            now=now,
        )
        losses = _reserved_losses(conn, take, variances)
        try:
            # Reservations on a lost stack give way first (reserved -> available, on this
            # approval and each order), then every variance is booked to available stock, and
            # only then are the orders planned again (never from the stack just lost).
            released = [
                r for loss in losses for r in release(conn, username, loss, approval_id, now=now)
            ]
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
                now=now,
            )
            orders = replan(conn, username, released, now=now)
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
            now=now,
        )
    return approval_id


def _counters(conn: Connection, stocktake_id: int) -> frozenset[str]:
    """The people who counted for a stocktake (none of them may approve its adjustments)."""
    counted_by = stocktake_counts.c.counted_by
    query = select(counted_by).distinct().where(stocktake_counts.c.stocktake_id == stocktake_id)
    return frozenset(conn.execute(query).scalars())


def _reserved_losses(conn: Connection, take: Any, variances: Sequence[Any]) -> list[Loss]:
    """The part of each loss that the stack's available stock cannot cover: reserved stock
    lost, whose reservations give way (server/services/replan.py)."""
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
