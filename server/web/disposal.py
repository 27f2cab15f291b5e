"""Re-inspection, scrapping, rotation, return inspection and returns to the supplier over
HTTP. Each route's permission comes from the separation-of-duties table (server/domain/duties.py);
the domain asks it again with the people concerned."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, Field

from server.domain.bounds import Cents, Code, Id, Name, Note, Person, Qty, Ref
from server.domain.scope import Named, Of
from server.services import decision_files, disposal, proposal_rejection, returns
from server.web.deps import engine_of, now_of, policy_of
from server.web.errors import answers
from server.web.guard import Scope, person
from server.web.papers import attach_upload

router = APIRouter(prefix="/api/v1", tags=["disposal"], responses=answers(401, 403, 404, 409, 422))
THE_DEPOT = Named("warehouse", "body")


class StackIn(BaseModel):
    warehouse: Code
    item: Code
    batch: Code
    location: Ref
    qty: Qty

    def stack(self, scope: Scope) -> disposal.Stack:
        return disposal.Stack(scope.named, self.item, self.batch, self.location, self.qty)


class ReinspectionIn(BaseModel):
    warehouse: Code
    item: Code
    batch: Code
    quality_report: Ref
    passed: bool


class Expert(BaseModel):
    name: Person
    opinion: Note = Field("", description="the expert's assessment (required, art. 25(1))")


class ScrapProposalIn(StackIn):
    reason: str = Field(pattern="^(overdue|damaged)$")
    quality_report: Ref
    experts: list[Expert] = Field(max_length=20)
    source: str = Field("available", pattern="^(available|on_hold)$")


class ScrapApprovalIn(BaseModel):
    warehouse: Code
    proposal: Id = Field(description="the scrapping proposal's approval_id")
    notice: Ref = Field(description="报废通知单编号 the approval notice's number")
    disposal: Name
    residual_value_cents: Cents = 0


class RotationIn(StackIn):
    plan: Ref = Field(description="轮换计划编号")


class RotationApprovalIn(BaseModel):
    warehouse: Code
    proposal: Id = Field(description="the rotation proposal's approval_id")


class RejectionIn(BaseModel):
    warehouse: Code
    proposal: Id = Field(description="the proposal's approval_id")
    reason: Name = Field(description="不予批准的理由 why it is refused")


class ReturnInspectionIn(StackIn):
    record_no: Ref
    restock: bool
    order: Ref | None = Field(
        None, description="调拨通知编号: the dispatch the goods came back from (to restock)"
    )


class SupplierReturnIn(BaseModel):
    warehouse: Code
    acceptance: Id = Field(description="the acceptance decision that rejected the goods")
    qty: Qty
    note: Ref = Field(description="退货单编号 the return note's number")
    location: Ref | None = Field(None, description="where the goods are, if moved since")


def _run(call: Any) -> dict[str, Any]:
    return {"approval_id": call()}


@router.post("/reinspections", status_code=201)
def reinspect(
    body: ReinspectionIn,
    request: Request,
    scope: Annotated[Scope, person("reinspect", THE_DEPOT)],
) -> dict[str, Any]:
    """A quality check of stock at or near its storage limit (art. 25(4)): passed, overdue
    stock of the batch goes first while the check is valid."""
    return _run(
        lambda: disposal.reinspect(
            engine_of(request),
            scope.user.username,
            scope.named,
            body.item,
            body.batch,
            body.quality_report,
            body.passed,
            policy_of(request),
            now=now_of(request),
        )
    )


@router.post("/scrapping/proposals", status_code=201)
def propose(
    body: ScrapProposalIn,
    request: Request,
    scope: Annotated[Scope, person("propose:scrapping", THE_DEPOT)],
) -> dict[str, Any]:
    """Overdue or damaged goods to scrap_pending, with the quality report and at least three
    experts' opinions; "overdue" only past the item's storage years."""
    experts = [(e.name, e.opinion) for e in body.experts]
    return _run(
        lambda: disposal.propose_scrapping(
            engine_of(request),
            scope.user.username,
            body.stack(scope),
            body.reason,
            body.quality_report,
            experts,
            body.source,
            now=now_of(request),
        )
    )


@router.post("/scrapping/approvals", status_code=201)
def approve(
    body: ScrapApprovalIn,
    request: Request,
    scope: Annotated[Scope, person("approve:scrapping", THE_DEPOT)],
) -> dict[str, Any]:
    """The commission's approval notice for a proposal (never by its proposer): the proposed
    goods leave the books, disposed of as recorded."""
    return _run(
        lambda: disposal.approve_scrapping(
            engine_of(request),
            scope.user.username,
            scope.named,
            body.proposal,
            body.notice,
            body.disposal,
            body.residual_value_cents,
            now=now_of(request),
        )
    )


@router.post("/rotations", status_code=201)
def rotate(
    body: RotationIn,
    request: Request,
    scope: Annotated[Scope, person("propose:rotation", THE_DEPOT)],
) -> dict[str, Any]:
    """Ageing stock proposed for rotation (轮换) under a plan; it leaves when approved."""
    return _run(
        lambda: disposal.propose_rotation(
            engine_of(request),
            scope.user.username,
            body.stack(scope),
            body.plan,
            now=now_of(request),
        )
    )


@router.post("/rotations/approvals", status_code=201)
def approve_rotation(
    body: RotationApprovalIn,
    request: Request,
    scope: Annotated[Scope, person("approve:rotation", THE_DEPOT)],
) -> dict[str, Any]:
    """A rotation approved by a second person: the outflow is booked."""
    return _run(
        lambda: disposal.approve_rotation(
            engine_of(request), scope.user.username, scope.named, body.proposal, now=now_of(request)
        )
    )


def _reject(kind: str, body: RejectionIn, request: Request, scope: Scope) -> dict[str, Any]:
    return _run(
        lambda: proposal_rejection.reject_proposal(
            engine_of(request),
            scope.user.username,
            scope.named,
            kind,
            body.proposal,
            body.reason,
            now=now_of(request),
        )
    )


@router.post("/scrapping/rejections", status_code=201)
def reject_scrapping(
    body: RejectionIn,
    request: Request,
    scope: Annotated[Scope, person("approve:scrapping", THE_DEPOT)],
) -> dict[str, Any]:
    """A scrapping proposal refused with its reason (never by its proposer): its goods go
    back from scrap_pending to where they were proposed from."""
    return _reject("scrapping", body, request, scope)


@router.post("/rotations/rejections", status_code=201)
def reject_rotation(
    body: RejectionIn,
    request: Request,
    scope: Annotated[Scope, person("approve:rotation", THE_DEPOT)],
) -> dict[str, Any]:
    """A rotation proposal refused with its reason (never by its proposer); nothing moves."""
    return _reject("rotation", body, request, scope)


@router.post("/returns/inspections", status_code=201)
def inspect(
    body: ReturnInspectionIn,
    request: Request,
    scope: Annotated[Scope, person("approve:restock", THE_DEPOT)],
) -> dict[str, Any]:
    """Returned reusable goods (art. 24): restocked (only what came back through returns,
    never by who took the return), or left on hold for scrapping."""
    return _run(
        lambda: returns.inspect_return(
            engine_of(request),
            scope.user.username,
            body.stack(scope),
            body.restock,
            body.record_no,
            body.order,
            now=now_of(request),
        )
    )


@router.post("/returns/supplier", status_code=201)
def back_to_supplier(
    body: SupplierReturnIn,
    request: Request,
    scope: Annotated[Scope, person("approve:supplier_return", THE_DEPOT)],
) -> dict[str, Any]:
    """Goods rejected at acceptance go back to the supplier (art. 8): they leave the books
    with the rejection as basis, approved by another person than the one who rejected them."""
    return _run(
        lambda: returns.return_to_supplier(
            engine_of(request),
            scope.user.username,
            scope.named,
            body.acceptance,
            body.qty,
            body.note,
            body.location,
            now=now_of(request),
        )
    )


@router.post("/approvals/{approval_id}/report-file", status_code=201)
async def attach_report(
    approval_id: Id,
    request: Request,
    file: Annotated[UploadFile, File()],
    scope: Annotated[Scope, person("approve", Of("approval", "approval_id"))],
) -> dict[str, Any]:
    """The quality report itself (PDF, PNG or JPEG, 10 MiB at most) kept with the decision
    that names it (a re-inspection, a scrapping proposal, a return's inspection, an
    acceptance), once, by the person who made the decision (server.services.decision_files;
    it is downloaded as GET /api/v1/acceptances/{id}/quality-report or /disposal/{id}/report)."""
    kept = await attach_upload(
        request, scope.user.username, approval_id, file, decision_files.BY_ITS_MAKER
    )
    return {"approval_id": approval_id, "sha256": kept.sha256, "size": kept.size}
