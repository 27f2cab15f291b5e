"""The quality report's file kept with its decision (server.domain.documents).

A decision that stands on a quality report (a re-inspection, a scrapping proposal, a return's
inspection, an acceptance) may keep the report itself, once, uploaded by the person who made
the decision; the audit entry names the file's SHA-256, so the file kept can be checked
against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from server.domain.documents import Document as Document
from server.domain.floor import Rejection
from server.services.audit import record
from server.storage.tables import approvals, decision_files

WITH_REPORT = ("reinspection", "scrap_proposal", "return_inspection", "acceptance")


def attach(
    engine: Engine, username: str, approval_id: int, document: Document, now: datetime
) -> str:
    """Keep `document` with decision `approval_id`; its SHA-256."""
    with engine.begin() as conn:
        row = conn.execute(
            select(approvals.c.kind, approvals.c.warehouse, approvals.c.decided_by)
            .where(approvals.c.id == approval_id)
            .with_for_update()
        ).first()
        if row is None or row.kind not in WITH_REPORT:
            raise Rejection("unknown_proposal", f"no decision {approval_id} that keeps a report")
        if row.decided_by != username:
            raise Rejection(
                "not_decider",
                f"{row.decided_by} made decision {approval_id}: they attach its report",
            )
        kept = conn.execute(
            select(decision_files.c.approval_id).where(decision_files.c.approval_id == approval_id)
        ).first()
        if kept is not None:
            raise Rejection("already_filed", f"decision {approval_id} keeps its report already")
        digest = document.sha256
        conn.execute(
            insert(decision_files).values(
                approval_id=approval_id,
                name=document.name,
                content_type=document.content_type,
                size=len(document.content),
                sha256=digest,
                content=document.content,
                uploaded_by=username,
                uploaded_at=now,
            )
        )
        record(
            conn,
            username,
            "report_file",
            f"approval {approval_id}",
            depot=row.warehouse,
            name=document.name,
            size=len(document.content),
            sha256=digest,
            now=now,
        )
    return digest


def described(engine: Engine, approval_id: int) -> dict[str, Any] | None:
    """The file kept with a decision, without its content: name, type, size, SHA-256."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                decision_files.c.name,
                decision_files.c.content_type,
                decision_files.c.size,
                decision_files.c.sha256,
                decision_files.c.uploaded_by,
                decision_files.c.uploaded_at,
            ).where(decision_files.c.approval_id == approval_id)
        ).first()
    return dict(row._mapping) if row is not None else None


def content(engine: Engine, approval_id: int) -> tuple[str, str, bytes] | None:
    """The file kept with a decision: name, type, bytes."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                decision_files.c.name, decision_files.c.content_type, decision_files.c.content
            ).where(decision_files.c.approval_id == approval_id)
        ).first()
    return (row.name, row.content_type, bytes(row.content)) if row is not None else None
