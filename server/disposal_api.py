"""Re-inspection, scrapping, rotation and return inspection over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from server import disposal
from server.bounds import Cents, Code, Name, Note, Person, Qty, Ref
from server.deps import engine_of
from server.errors import answers
from server.guard import Scope, person
from server.scope import Named

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
    opinion: Note = ""


class ScrapProposalIn(StackIn):
    reason: str = Field(pattern="^(overdue|damaged)$")
    quality_report: Ref
    experts: list[Expert] = Field(max_length=20)
    source: str = Field("available", pattern="^(available|on_hold)$")


class ScrapApprovalIn(StackIn):
    notice: Ref = Field(description="批复文号")
    disposal: Name
    residual_value_cents: Cents = 0


class RotationIn(StackIn):
    plan: Ref = Field(description="轮换计划编号")


class ReturnInspectionIn(StackIn):
    record_no: Ref
    restock: bool
    order: Ref | None = Field(
        None, description="调拨通知编号: the dispatch the goods came back from (to restock)"
    )


def _run(call: Any) -> dict[str, Any]:
    return {"approval_id": call()}


@router.post("/reinspections", status_code=201)
def reinspect(
    body: ReinspectionIn,
    request: Request,
    scope: Annotated[Scope, person("accept", THE_DEPOT)],
) -> dict[str, Any]:
    """A quality check after the storage years (art. 25(4)): passed, the batch goes first."""
    return _run(
        lambda: disposal.reinspect(
            engine_of(request),
            scope.user.username,
            scope.named,
            body.item,
            body.batch,
            body.quality_report,
            body.passed,
        )
    )


@router.post("/scrapping/proposals", status_code=201)
def propose(
    body: ScrapProposalIn,
    request: Request,
    scope: Annotated[Scope, person("accept", THE_DEPOT)],
) -> dict[str, Any]:
    """Overdue or damaged goods to scrap_pending, with the report and >= 3 experts."""
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
        )
    )


@router.post("/scrapping/approvals", status_code=201)
def approve(
    body: ScrapApprovalIn,
    request: Request,
    scope: Annotated[Scope, person("approve", THE_DEPOT)],
) -> dict[str, Any]:
    """The approval notice: the goods leave the books, disposed of as recorded."""
    return _run(
        lambda: disposal.approve_scrapping(
            engine_of(request),
            scope.user.username,
            body.stack(scope),
            body.notice,
            body.disposal,
            body.residual_value_cents,
        )
    )


@router.post("/rotations", status_code=201)
def rotate(
    body: RotationIn, request: Request, scope: Annotated[Scope, person("accept", THE_DEPOT)]
) -> dict[str, Any]:
    """Planned outflow of ageing stock (轮换)."""
    return _run(
        lambda: disposal.rotate_out(
            engine_of(request), scope.user.username, body.stack(scope), body.plan
        )
    )


@router.post("/returns/inspections", status_code=201)
def inspect(
    body: ReturnInspectionIn,
    request: Request,
    scope: Annotated[Scope, person("accept", THE_DEPOT)],
) -> dict[str, Any]:
    """Returned reusable goods (art. 24): restocked, or left on hold for scrapping."""
    return _run(
        lambda: disposal.inspect_return(
            engine_of(request),
            scope.user.username,
            body.stack(scope),
            body.restock,
            body.record_no,
            body.order,
        )
    )
