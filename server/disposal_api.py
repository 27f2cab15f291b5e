"""Re-inspection, scrapping, rotation and return inspection over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from server import auth, disposal
from server.bounds import Cents, Code, Name, Note, Person, Qty, Ref
from server.deps import check_warehouse, engine_of, require_user
from server.errors import answers

router = APIRouter(prefix="/api/v1", tags=["disposal"], responses=answers(401, 403, 404, 409, 422))


class StackIn(BaseModel):
    warehouse: Code
    item: Code
    batch: Code
    location: Ref
    qty: Qty

    def stack(self, user: auth.User) -> disposal.Stack:
        warehouse = check_warehouse(user, self.warehouse) or self.warehouse
        return disposal.Stack(warehouse, self.item, self.batch, self.location, self.qty)


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


def _run(call: Any) -> dict[str, Any]:
    return {"approval_id": call()}


@router.post("/reinspections", status_code=201)
def reinspect(
    body: ReinspectionIn,
    request: Request,
    user: Annotated[auth.User, Depends(require_user("accept"))],
) -> dict[str, Any]:
    """A quality check after the storage years (art. 25(4)): passed, the batch goes first."""
    warehouse = check_warehouse(user, body.warehouse) or body.warehouse
    return _run(
        lambda: disposal.reinspect(
            engine_of(request),
            user.username,
            warehouse,
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
    user: Annotated[auth.User, Depends(require_user("accept"))],
) -> dict[str, Any]:
    """Overdue or damaged goods to scrap_pending, with the report and >= 3 experts."""
    experts = [(e.name, e.opinion) for e in body.experts]
    return _run(
        lambda: disposal.propose_scrapping(
            engine_of(request),
            user.username,
            body.stack(user),
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
    user: Annotated[auth.User, Depends(require_user("approve"))],
) -> dict[str, Any]:
    """The approval notice: the goods leave the books, disposed of as recorded."""
    return _run(
        lambda: disposal.approve_scrapping(
            engine_of(request),
            user.username,
            body.stack(user),
            body.notice,
            body.disposal,
            body.residual_value_cents,
        )
    )


@router.post("/rotations", status_code=201)
def rotate(
    body: RotationIn, request: Request, user: Annotated[auth.User, Depends(require_user("accept"))]
) -> dict[str, Any]:
    """Planned outflow of ageing stock (轮换)."""
    return _run(
        lambda: disposal.rotate_out(engine_of(request), user.username, body.stack(user), body.plan)
    )


@router.post("/returns/inspections", status_code=201)
def inspect(
    body: ReturnInspectionIn,
    request: Request,
    user: Annotated[auth.User, Depends(require_user("accept"))],
) -> dict[str, Any]:
    """Returned reusable goods (art. 24): restocked, or left on hold for scrapping."""
    return _run(
        lambda: disposal.inspect_return(
            engine_of(request), user.username, body.stack(user), body.restock, body.record_no
        )
    )
