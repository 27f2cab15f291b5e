"""The quality report's file kept with its acceptance decision (art. 8).

The inspection group uploads the testing agency's report (a PDF or an image,
server.domain.report_files) with its decision (server.services.acceptance.decide keeps it in
the decision's own transaction) or after it (`attach`, POST
/api/v1/acceptances/{id}/quality-report); one file per decision, kept as it came with its
size and SHA-256, and never replaced: a second one is refused (report_attached). Each file
kept is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from server.domain.floor import Rejection
from server.domain.report_files import CheckedReport, ReportFile, check_file
from server.services.audit import record
from server.services.ledger import lock
from server.storage.tables import approvals, quality_reports

ABOUT = (
    quality_reports.c.approval_id,
    quality_reports.c.filename,
    quality_reports.c.media_type,
    quality_reports.c.size,
    quality_reports.c.sha256,
    quality_reports.c.uploaded_by,
    quality_reports.c.uploaded_at,
)


def keep(
    conn: Connection,
    approval_id: int,
    warehouse: str,
    report: CheckedReport,
    username: str,
    now: datetime,
) -> None:
    """Keep `report` with decision `approval_id` (inside the caller's transaction, the
    depot's chains locked): refused if the decision has one already."""
    kept = conn.execute(
        select(quality_reports.c.id).where(quality_reports.c.approval_id == approval_id)
    ).first()
    if kept is not None:
        raise Rejection("report_attached", f"acceptance {approval_id} has its quality report")
    conn.execute(
        insert(quality_reports).values(
            approval_id=approval_id,
            warehouse=warehouse,
            filename=report.name,
            media_type=report.media_type,
            size=report.size,
            sha256=report.sha256,
            content=report.content,
            uploaded_by=username,
            uploaded_at=now,
        )
    )
    record(
        conn,
        username,
        "quality_report_kept",
        f"approval {approval_id}",
        depot=warehouse,
        filename=report.name,
        media_type=report.media_type,
        size=report.size,
        sha256=report.sha256,
        now=now,
    )


def attach(
    engine: Engine,
    username: str,
    approval_id: int,
    warehouse: str,
    file: ReportFile,
    now: datetime,
) -> CheckedReport:
    """Keep the quality report of an acceptance decided without its file."""
    report = check_file(file)
    with engine.begin() as conn:
        lock(conn, warehouse)
        found = conn.execute(
            select(approvals.c.id).where(
                (approvals.c.id == approval_id)
                & (approvals.c.kind == "acceptance")
                & (approvals.c.warehouse == warehouse)
            )
        ).first()
        if found is None:
            raise Rejection("unknown_acceptance", f"{warehouse} has no acceptance {approval_id}")
        keep(conn, approval_id, warehouse, report, username, now)
    return report


def content_of(engine: Engine, approval_id: int) -> Any:
    """The kept file of a decision (name, type, bytes), or None."""
    with engine.connect() as conn:
        return conn.execute(
            select(*ABOUT, quality_reports.c.content).where(
                quality_reports.c.approval_id == approval_id
            )
        ).first()


def about(engine: Engine, approval_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What is kept for each of these decisions (without the bytes), by decision."""
    wanted = sorted(set(approval_ids))
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(*ABOUT).where(quality_reports.c.approval_id.in_(wanted)))
        return {r.approval_id: dict(r._mapping) for r in rows}
