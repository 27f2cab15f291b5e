"""One acceptance decision (art. 8, annex 1): what the inspection group recorded, the quality
report kept with it, the annex 1 record to print (the PDF of GET
/api/v1/acceptances/{id}/form.pdf) and the written report to the commission with its
10-working-day clock.

Every role of the decision's depot reads it. The depot head (`approve:acceptance`, as the
API's routes) files the written report (server.services.acceptance.file_report, as POST
/api/v1/acceptances/{id}/report) and keeps the quality report's file with a decision made
without it (server.services.decision_files.attach, as POST
/api/v1/acceptances/{id}/quality-report); each service writes its audit entry.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from server.dash.common import page
from server.dash.forms import flash, form_of, message_of, spent
from server.dash.uploads import upload_of
from server.domain.bounds import Id
from server.domain.errors import NotFoundPage, Rejection
from server.domain.permissions import allowed
from server.domain.report_files import MAX_BYTES, ReportFile
from server.domain.scope import Of
from server.services import decision_files
from server.services.acceptance import file_report, list_decisions
from server.storage import papers
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.workflows import ReportIn

router = APIRouter(include_in_schema=False)
MAY_DECIDE = "approve:acceptance"  # the permission of POST /api/v1/acceptances
DECISIONS = {"accepted": ("合格，同意入库", "accepted"), "rejected": ("不合格，拒收", "rejected")}
RESULTS = {"pass": ("合格", "pass"), "fail": ("不合格", "fail")}
MESSAGES = {
    "accepted": ("已记录验收决定：合格入库", "Decision recorded: accepted"),
    "rejected": ("已记录验收决定：拒收", "Decision recorded: rejected"),
    "reported": ("已登记书面报告", "Written report recorded"),
    "attached": ("已保存检验报告文件", "Quality report file kept"),
}


report_file_of = upload_of  # the quality report's file posted with the form, if chosen


def _depot_of(request: Request, approval_id: int) -> str:
    """The depot of an acceptance decision (the 404 page for another kind of decision)."""
    found = papers.acceptance(engine_of(request), approval_id)
    if found is None:
        raise NotFoundPage(f"no acceptance decision {approval_id}")
    return str(found[0].warehouse)


@router.get("/acceptance/{approval_id}", response_class=HTMLResponse)
def decision_page(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("read", Of("approval", "approval_id"))],
) -> Response:
    engine = engine_of(request)
    found = papers.acceptance(engine, approval_id)
    if found is None:
        raise NotFoundPage(f"no acceptance decision {approval_id}")
    row, payload, item, _, _ = found
    (decision,) = list_decisions(engine, row.warehouse, only=approval_id, now=now_of(request))
    answer = page(
        request,
        "dash/acceptance_record.html",
        scope.user,
        decision=decision,
        payload=payload,
        item=item,
        kept=decision_files.about(engine, [approval_id]).get(approval_id),
        may_decide=allowed(scope.user.role, MAY_DECIDE),
        message=message_of(request, MESSAGES),
        decisions=DECISIONS,
        results=RESULTS,
        max_mib=MAX_BYTES // 2**20,
    )
    return spent(request, answer)


@router.post("/acceptance/{approval_id}/report")
def post_report(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen(MAY_DECIDE, Of("approval", "approval_id"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """The written report to the commission (art. 8), once, within 10 working days."""
    to = f"/acceptance/{approval_id}"
    try:
        body = ReportIn.model_validate({"reference": fields.get("reference", "")})
    except ValidationError:
        return flash(to, "refused", "bad_report_reference")
    try:
        file_report(
            engine_of(request),
            scope.user.username,
            _depot_of(request, approval_id),
            approval_id,
            body.reference,
            now=now_of(request),
        )
    except Rejection as exc:
        return flash(to, "refused", exc.reason)
    return flash(to, "reported", body.reference)


@router.post("/acceptance/{approval_id}/quality-report")
def post_quality_report(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen(MAY_DECIDE, Of("approval", "approval_id"))],
    report_file: Annotated[ReportFile | None, Depends(report_file_of)],
) -> Response:
    """Keep the quality report's file with a decision recorded without it."""
    to = f"/acceptance/{approval_id}"
    if report_file is None:
        return flash(to, "refused", "report_type")
    _depot_of(request, approval_id)  # the 404 page for another kind of decision
    try:
        kept = decision_files.attach(
            engine_of(request),
            scope.user.username,
            approval_id,
            report_file,
            now_of(request),
            decision_files.AFTER_ACCEPTANCE,
        )
    except Rejection as exc:
        return flash(to, "refused", exc.reason)
    return flash(to, "attached", kept.name)
