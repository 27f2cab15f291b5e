"""Acceptance of received goods (art. 8, annex 1: 入库验收单).

Goods scanned in at the door are booked as pending acceptance. The inspection group samples
them and has them tested; the supervisor records the decision with the inspection record.
Accepted goods become available stock where they are, on the quality report of the testing
agency (the basis for acceptance, art. 8); rejected goods become `rejected` (to go back to
the supplier, server/services/returns.py) and never become available. Each decision is an approval
row that its postings point to, with the person who decided, who may not be a person who received
the goods (server/domain/duties.py). Within 10 working days of an acceptance the storage centre
reports it in writing to the commission (`file_report`); the list of decisions shows each
one's clock (server/domain/evidence.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, select

from server.domain import depot_time, evidence
from server.domain.basis import Kind, on_decision
from server.domain.errors import LedgerError
from server.domain.floor import Rejection
from server.domain.report_files import ReportFile, check_file
from server.services import decision_files, decisions
from server.services.audit import record
from server.services.inbound import apply_decision
from server.services.ledger import Posting, post
from server.services.refs import batch_id, location_id
from server.storage.tables import approvals, stock

FILED = approvals.alias("filed")


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
    status: str  # the status the goods now have: available or rejected


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
    if request.decision == "accepted":
        evidence.check_report(request.inspection.quality_report, "accepting goods (art. 8)")


def decide(
    engine: Engine,
    username: str,
    request: AcceptanceRequest,
    now: datetime,
    report_file: ReportFile | None = None,
) -> AcceptanceResult:
    """Record an acceptance decision and move the goods out of pending acceptance; the
    quality report's file, if given, is kept with it (server.services.decision_files)."""
    check(request)
    report = check_file(report_file) if report_file is not None else None
    status = "available" if request.decision == "accepted" else "rejected"
    with engine.begin() as conn:
        batch = batch_id(conn, request.item, request.batch)
        where = location_id(conn, request.warehouse, request.location)
        receivers = decisions.floor_authors(conn, request.warehouse, batch, "pending_acceptance")
        decisions.check_approval(conn, "acceptance", username, receivers)
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
        approval_id = decisions.record_approval(
            conn,
            "acceptance",
            request.warehouse,
            request.inspection.record_no,
            username,
            request.decision,
            asdict(request),
            now=now,
        )
        if report is not None:
            decision_files.keep(conn, approval_id, request.warehouse, report, username, now)
        kind = Kind.ACCEPTANCE if request.decision == "accepted" else Kind.REJECTION
        basis = on_decision(kind, approval_id)
        try:
            post(
                conn,
                [
                    Posting(request.warehouse, where, batch, held, qty, username, basis)
                    for held, qty in (("pending_acceptance", -request.qty), (status, request.qty))
                ],
                now=now,
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
            now=now,
        )
    return AcceptanceResult(approval_id, status)


def file_report(
    engine: Engine, username: str, warehouse: str, acceptance_id: int, reference: str, now: datetime
) -> int:
    """The written report of an acceptance to the commission (art. 8: within 10 working
    days); a decision that completes the acceptance, made once."""
    with engine.begin() as conn:
        accepted = decisions.proposal(conn, acceptance_id, ("acceptance",), warehouse)
        if accepted.decision != "accepted":
            raise Rejection("not_accepted", f"acceptance {acceptance_id} rejected the goods")
        clock = evidence.report_clock(
            depot_time.local_date(accepted.decided_at), depot_time.today(now)
        )
        report = decisions.record_approval(
            conn,
            "acceptance_report",
            warehouse,
            reference,
            username,
            "reported",
            {"acceptance": acceptance_id, "due": clock.due, "late": clock.late},
            parent=acceptance_id,
            now=now,
        )
        record(
            conn,
            username,
            "acceptance_report",
            f"approval {acceptance_id}",
            depot=warehouse,
            reference=reference,
            late=clock.late,
            now=now,
        )
    return report


def report_of(row: Any, on: date) -> dict[str, Any] | None:
    """An accepted decision's report clock, as the API and the dashboard show it."""
    if row["decision"] != "accepted":
        return None
    filed_at = row.get("report_filed_at")
    filed_on = depot_time.local_date(filed_at) if filed_at is not None else None
    clock = evidence.report_clock(depot_time.local_date(row["decided_at"]), on, filed_on)
    return {
        "due": clock.due.isoformat(),
        "working_days_left": clock.working_days_left,
        "filed": clock.filed,
        "late": clock.late,
        "reference": row.get("report_reference"),
        "filed_by": row.get("report_filed_by"),
    }


def decisions_query(warehouse: str | None, limit: int) -> Any:
    query = (
        select(
            approvals,
            FILED.c.reference.label("report_reference"),
            FILED.c.decided_at.label("report_filed_at"),
            FILED.c.decided_by.label("report_filed_by"),
        )
        .outerjoin(
            FILED, and_(FILED.c.parent_id == approvals.c.id, FILED.c.kind == "acceptance_report")
        )
        .where(approvals.c.kind == "acceptance")
        .order_by(approvals.c.id.desc())
        .limit(limit)
    )
    return query.where(approvals.c.warehouse == warehouse) if warehouse else query


def list_decisions(
    engine: Engine,
    warehouse: str | None,
    limit: int = 100,
    only: int | None = None,
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    """Decisions, newest first (or the one `only` names), each accepted one with its
    report's clock."""
    on = depot_time.today(now)
    query = decisions_query(warehouse, limit)
    if only is not None:
        query = query.where(approvals.c.id == only)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["report"] = report_of(row, on)
        for key in ("report_reference", "report_filed_at", "report_filed_by"):
            row.pop(key)
        row["payload"] = decisions.payload_of(row["payload"])
    return rows


def reports_due(
    engine: Engine, warehouse: str | None, limit: int = 50, *, now: datetime
) -> list[dict[str, Any]]:
    """Accepted decisions whose report is not filed yet, the soonest due first."""
    on = depot_time.today(now)
    query = (
        decisions_query(warehouse, limit)
        .where((approvals.c.decision == "accepted") & FILED.c.id.is_(None))
        .order_by(None)
        .order_by(approvals.c.decided_at, approvals.c.id)  # the deadline follows the decision
    )
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for row in rows:
        row["report"] = report_of(row, on)
        row["payload"] = decisions.payload_of(row["payload"])
    return rows
