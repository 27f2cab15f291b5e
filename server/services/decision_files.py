"""The quality report's file kept with its decision (server.domain.report_files).

A decision that stands on the testing agency's quality report (an acceptance, art. 8; a
re-inspection, a scrapping proposal, a return's inspection, art. 25) may keep the report
itself, one file per decision, never replaced (report_attached), as it came with its size
and SHA-256; the audit entry (`quality_report_kept`) names the SHA-256 too, so the file kept
can be checked against it. It is kept either with the decision in the decision's own
transaction (`keep`: server.services.acceptance.decide) or afterwards (`attach`), by the
rule of the way it comes: an acceptance's by anyone of the depot who may decide one
(AFTER_ACCEPTANCE, POST /api/v1/acceptances/{id}/quality-report), any decision's by the
person who made it (BY_ITS_MAKER, POST /api/v1/approvals/{id}/report-file and the disposal
pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from server.domain.floor import Rejection
from server.domain.report_files import CheckedReport, ReportFile, check_file
from server.services.audit import record
from server.services.ledger import lock
from server.storage.tables import approvals, decision_files

# the decisions that stand on a quality report and may keep its file
WITH_REPORT = ("acceptance", "reinspection", "scrap_proposal", "return_inspection")

ABOUT = (
    decision_files.c.approval_id,
    decision_files.c.name,
    decision_files.c.content_type,
    decision_files.c.size,
    decision_files.c.sha256,
    decision_files.c.uploaded_by,
    decision_files.c.uploaded_at,
)


@dataclass(frozen=True, slots=True)
class Attaching:
    """Who may keep a decision's file after the decision: the kinds of decision it may be
    (else `unknown`, 404) and whether only the person who made it may (else not_decider)."""

    kinds: tuple[str, ...]
    unknown: str
    maker_only: bool


AFTER_ACCEPTANCE = Attaching(("acceptance",), "unknown_acceptance", maker_only=False)
BY_ITS_MAKER = Attaching(WITH_REPORT, "unknown_proposal", maker_only=True)


def keep(
    conn: Connection,
    approval_id: int,
    warehouse: str,
    report: CheckedReport,
    username: str,
    now: datetime,
) -> None:
    """Keep `report` with decision `approval_id` of depot `warehouse` (inside the caller's
    transaction, the depot's chains locked): refused if the decision has one already."""
    kept = conn.execute(
        select(decision_files.c.approval_id).where(decision_files.c.approval_id == approval_id)
    ).first()
    if kept is not None:
        raise Rejection("report_attached", f"decision {approval_id} keeps its report already")
    conn.execute(
        insert(decision_files).values(
            approval_id=approval_id,
            name=report.name,
            content_type=report.media_type,
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
        name=report.name,
        content_type=report.media_type,
        size=report.size,
        sha256=report.sha256,
        now=now,
    )


def attach(
    engine: Engine,
    username: str,
    approval_id: int,
    file: ReportFile,
    now: datetime,
    rule: Attaching,
) -> CheckedReport:
    """Check `file` and keep it with a decision made without it, by `rule`."""
    report = check_file(file)
    with engine.begin() as conn:
        found = conn.execute(
            select(approvals.c.kind, approvals.c.warehouse).where(approvals.c.id == approval_id)
        ).first()
        if found is None or found.kind not in rule.kinds:
            raise Rejection(rule.unknown, f"no decision {approval_id} that keeps a report")
        lock(conn, found.warehouse)
        maker = conn.execute(
            select(approvals.c.decided_by).where(approvals.c.id == approval_id)
        ).scalar_one()
        if rule.maker_only and maker != username:
            raise Rejection(
                "not_decider", f"{maker} made decision {approval_id}: they attach its report"
            )
        keep(conn, approval_id, found.warehouse, report, username, now)
    return report


def about(engine: Engine, approval_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """What is kept for each of these decisions (without the bytes), by decision."""
    wanted = sorted(set(approval_ids))
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(*ABOUT).where(decision_files.c.approval_id.in_(wanted)))
        return {r.approval_id: dict(r._mapping) for r in rows}


def content_of(engine: Engine, approval_id: int) -> Any:
    """The file kept with a decision (name, content_type, content, ...), or None."""
    with engine.connect() as conn:
        return conn.execute(
            select(*ABOUT, decision_files.c.content).where(
                decision_files.c.approval_id == approval_id
            )
        ).first()
