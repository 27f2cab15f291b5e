"""One decision of re-inspection, scrapping, rotation or returns (审批单), and deciding it.

The page shows what was decided, by whom and when, on which stock, with the quality report
(its number, and the file kept with it: server.services.decision_files) and, for a scrapping
proposal, each expert's opinion. A proposal waiting for its decision offers the approval and
the refusal to the roles the separation-of-duties table gives them (server/domain/duties.py:
the commission, never the proposer; the service asks it again with the people concerned, and
its refusal is shown as the person's next step). Once decided, the page links the decision
that completed it and the ledger's postings of both (/ledger/approvals/{id}).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.disposal import KIND_NAMES
from server.dash.forms import FieldError, Filled, empty, flash, flash_of, form_of, read, spent
from server.dash.refusals import next_step
from server.dash.uploads import checked, download, upload_of
from server.domain.bounds import Id
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.report_files import CheckedReport, ReportFile
from server.domain.scope import Of
from server.services import decision_files, disposal, proposal_rejection
from server.storage import disposal_views as views
from server.web.deps import engine_of, now_of
from server.web.disposal import RejectionIn, RotationApprovalIn, ScrapApprovalIn
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
THE_DECISION = Of("approval", "approval_id")
SHOWN = (
    *KIND_NAMES,
    "scrap_rejection",
    "rotation_rejection",
)
NAMES = {
    **KIND_NAMES,
    "scrap_rejection": ("报废不予批准", "scrapping refused"),
    "rotation_rejection": ("轮换不予批准", "rotation refused"),
}
DECIDES = {"scrap_proposal": "scrapping", "rotation_proposal": "rotation"}
MESSAGES = {
    "reinspect": ("已记录复检", "Re-inspection recorded"),
    "scrap": ("已提交报废申请", "Scrapping proposed"),
    "rotate": ("已提交轮换申请", "Rotation proposed"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已不予批准", "Refused"),
    "filed": ("已附报告文件", "Report file kept"),
    "restock": ("已记录归还检验", "Return inspection recorded"),
    "supplier": ("已退回供货方", "Returned to the supplier"),
}


def _decision(request: Request, approval_id: int) -> dict[str, Any]:
    found = views.decision(engine_of(request), approval_id)
    if found is None or found["kind"] not in SHOWN:
        raise NotFoundPage(f"no decision {approval_id} of re-inspection, scrapping or returns")
    return found


def _message(request: Request) -> tuple[str, str, Any] | None:
    found = flash_of(request)
    if found is None:
        return None
    key, arg = found
    if key in MESSAGES:
        return ("ok", arg, MESSAGES[key])
    return ("refused", arg, next_step(Rejection(arg, ""))) if key == "refused" else None


def _page(
    request: Request,
    scope: Scope,
    approval_id: int,
    forms: dict[str, Filled[Any]] | None = None,
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    found, role = _decision(request, approval_id), scope.user.role
    decides = DECIDES.get(found["kind"])
    may_decide = decides is not None and found["child"] is None
    answer = page(
        request,
        "dash/decision.html",
        scope.user,
        status_code=status,
        d=found,
        names=NAMES,
        decides=decides,
        may_approve=may_decide and allowed(role, f"approve:{decides}"),
        file=decision_files.about(engine_of(request), [approval_id]).get(approval_id),
        may_file=found["kind"] in decision_files.WITH_REPORT
        and found["decided_by"] == scope.user.username,
        forms={"approve": empty(), "reject": empty(), "file": empty()} | (forms or {}),
        refusal=refusal,
        next_step=next_step,
        message=_message(request),
    )
    return spent(request, answer)


@router.get("/disposal/{approval_id}", response_class=HTMLResponse)
def decision_page(
    request: Request, approval_id: Id, scope: Annotated[Scope, screen("read", THE_DECISION)]
) -> Response:
    return _page(request, scope, approval_id)


def _decide(
    request: Request, scope: Scope, approval_id: int, which: str, form: Filled[Any], step: Any
) -> Response:
    """Run `step` (the service) for a sound form and show the decision; else the page again
    with the form as typed and the refusal as the next step."""
    if form.model is None:
        return _page(request, scope, approval_id, {which: form}, status=422)
    try:
        step(form.model)
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _page(request, scope, approval_id, {which: form}, exc, status=code)
    return flash(f"/disposal/{approval_id}", "approved" if which == "approve" else "rejected")


def _fixed(request: Request, approval_id: int) -> dict[str, Any]:
    return {"warehouse": _decision(request, approval_id)["warehouse"], "proposal": approval_id}


@router.post("/disposal/{approval_id}/approve-scrapping", response_class=HTMLResponse)
def approve_scrapping(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("approve:scrapping", THE_DECISION)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """The commission's approval notice for a scrapping proposal: the goods leave the books."""
    form = read(ScrapApprovalIn, fields, _fixed(request, approval_id))

    def step(body: ScrapApprovalIn) -> int:
        return disposal.approve_scrapping(
            engine_of(request), scope.user.username, body.warehouse, body.proposal, body.notice,
            body.disposal, body.residual_value_cents, now=now_of(request),
        )  # fmt: skip

    return _decide(request, scope, approval_id, "approve", form, step)


@router.post("/disposal/{approval_id}/approve-rotation", response_class=HTMLResponse)
def approve_rotation(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("approve:rotation", THE_DECISION)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """A rotation approved by a second person: the outflow is booked."""
    if fields.get("confirm") != "yes":
        return _page(request, scope, approval_id, refusal=Rejection("unconfirmed", ""), status=422)
    form = read(RotationApprovalIn, {}, _fixed(request, approval_id))

    def step(body: RotationApprovalIn) -> int:
        return disposal.approve_rotation(
            engine_of(request), scope.user.username, body.warehouse, body.proposal,
            now=now_of(request),
        )  # fmt: skip

    return _decide(request, scope, approval_id, "approve", form, step)


def _reject(
    request: Request, scope: Scope, approval_id: int, kind: str, fields: dict[str, str]
) -> Response:
    form = read(RejectionIn, fields, _fixed(request, approval_id))

    def step(body: RejectionIn) -> int:
        return proposal_rejection.reject_proposal(
            engine_of(request), scope.user.username, body.warehouse, kind, body.proposal,
            body.reason, now=now_of(request),
        )  # fmt: skip

    return _decide(request, scope, approval_id, "reject", form, step)


@router.post("/disposal/{approval_id}/reject-scrapping", response_class=HTMLResponse)
def reject_scrapping(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("approve:scrapping", THE_DECISION)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """A scrapping proposal refused with its reason: the goods go back."""
    return _reject(request, scope, approval_id, "scrapping", fields)


@router.post("/disposal/{approval_id}/reject-rotation", response_class=HTMLResponse)
def reject_rotation(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("approve:rotation", THE_DECISION)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """A rotation proposal refused with its reason."""
    return _reject(request, scope, approval_id, "rotation", fields)


@router.post("/disposal/{approval_id}/report", response_class=HTMLResponse)
def file_report(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("approve", THE_DECISION)],
    upload: Annotated[ReportFile | None, Depends(upload_of)],
) -> Response:
    """The quality report's file kept with the decision, by whoever made it, once."""
    document = checked(upload)
    if upload is None or not isinstance(document, CheckedReport):
        error = document if isinstance(document, FieldError) else None
        form: Filled[Any] = Filled(
            values={}, errors={"report_file": error or FieldError("请选择文件", "choose the file")}
        )
        return _page(request, scope, approval_id, {"file": form}, status=422)
    try:
        decision_files.attach(
            engine_of(request),
            scope.user.username,
            approval_id,
            upload,
            now_of(request),
            decision_files.BY_ITS_MAKER,
        )
    except Rejection as exc:
        return flash(f"/disposal/{approval_id}", "refused", exc.reason)
    return flash(f"/disposal/{approval_id}", "filed")


@router.get("/disposal/{approval_id}/report")
def report_file(
    request: Request, approval_id: Id, scope: Annotated[Scope, screen("read", THE_DECISION)]
) -> Response:
    """The kept quality report, as an attachment."""
    _decision(request, approval_id)
    return download(engine_of(request), approval_id)
