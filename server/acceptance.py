"""Acceptance of received goods (art. 8, annex 1: 入库验收单).

Goods scanned in at the door are booked as pending acceptance. The inspection group samples
them and has them tested; the supervisor records the decision with the inspection record.
Accepted goods become available stock where they are; rejected goods are put on hold (to go
back to the supplier) and never become available. Each decision is an approval row that its
postings point to, with the person who decided.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine, select

from server.approvals import Decision, record_decision
from server.audit import record
from server.basis import Kind, on_decision
from server.floor import Rejection
from server.inbound import apply_decision
from server.ledger import LedgerError, Posting, post
from server.refs import batch_id, location_id
from server.tables import approvals, stock


@dataclass(frozen=True, slots=True)
class Inspection:
    record_no: str  # the inspection record's number (验收单编号)
    sampled: int  # units sampled for the quality test
    result: str  # pass | fail
    quality_report: str | None = None  # the test report's reference (质量检验报告)
    inspectors: tuple[str, ...] = ()
    remarks: str = ""


@dataclass(frozen=True, slots=True)
class AcceptanceRequest:
    warehouse: str
    item: str
    batch: str
    location: str
    qty: int
    decision: str  # accepted | rejected
    inspection: Inspection
    supplier: str | None = None
    unit_price_cents: int | None = None
    notice: str | None = None  # the inbound notice the goods came against
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AcceptanceResult:
    approval_id: int
    status: str  # the status the goods now have: available or on_hold


def check(request: AcceptanceRequest) -> None:
    """The rules a decision must follow before anything is written."""
    if request.qty <= 0:
        raise Rejection("bad_quantity", "qty must be positive")
    if request.decision not in ("accepted", "rejected"):
        raise Rejection("bad_decision", "decision is accepted or rejected")
    if request.inspection.result not in ("pass", "fail"):
        raise Rejection("bad_inspection", "inspection result is pass or fail")
    if request.decision == "accepted" and request.inspection.result != "pass":
        raise Rejection("inspection_failed", "goods that failed inspection cannot be accepted")
    if request.inspection.sampled <= 0 or request.inspection.sampled > request.qty:
        raise Rejection("bad_inspection", "sampled must be between 1 and the quantity decided")
    if not request.inspection.record_no.strip():
        raise Rejection("bad_inspection", "the inspection record needs its number")


def decide(engine: Engine, username: str, request: AcceptanceRequest) -> AcceptanceResult:
    """Record an acceptance decision and move the goods out of pending acceptance."""
    check(request)
    status = "available" if request.decision == "accepted" else "on_hold"
    with engine.begin() as conn:
        batch = batch_id(conn, request.item, request.batch)
        where = location_id(conn, request.warehouse, request.location)
        pending = (
            conn.execute(
                select(stock.c.qty).where(
                    (stock.c.warehouse == request.warehouse)
                    & (stock.c.location_id == where)
                    & (stock.c.batch_id == batch)
                    & (stock.c.status == "pending_acceptance")
                )
            ).scalar_one_or_none()
            or 0
        )
        if pending < request.qty:
            raise Rejection(
                "insufficient_stock", f"{request.qty} to decide, {pending} pending acceptance there"
            )
        approval_id = record_decision(
            conn,
            Decision(
                "acceptance",
                request.warehouse,
                request.inspection.record_no,
                username,
                request.decision,
                asdict(request),
            ),
        )
        kind = Kind.ACCEPTANCE if request.decision == "accepted" else Kind.REJECTION
        basis = on_decision(kind, approval_id)
        try:
            post(
                conn,
                [
                    Posting(
                        request.warehouse,
                        where,
                        batch,
                        "pending_acceptance",
                        -request.qty,
                        username,
                        basis,
                    ),
                    Posting(
                        request.warehouse,
                        where,
                        batch,
                        status,
                        request.qty,
                        username,
                        basis,
                    ),
                ],
            )
        except LedgerError as exc:
            raise Rejection("insufficient_stock", str(exc)) from exc
        if request.notice:
            apply_decision(
                conn,
                request.notice,
                request.warehouse,
                request.item,
                request.batch,
                request.qty,
                request.decision == "accepted",
            )
        record(
            conn,
            username,
            f"acceptance_{request.decision}",
            f"approval {approval_id}",
            depot=request.warehouse,
            item=request.item,
            batch=request.batch,
            qty=request.qty,
        )
    return AcceptanceResult(approval_id, status)


def list_decisions(
    engine: Engine, warehouse: str | None, limit: int = 100
) -> list[dict[str, object]]:
    query = (
        select(approvals)
        .where(approvals.c.kind == "acceptance")
        .order_by(approvals.c.id.desc())
        .limit(limit)
    )
    if warehouse:
        query = query.where(approvals.c.warehouse == warehouse)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["payload"] = json.loads(str(row["payload"]))
    return rows
