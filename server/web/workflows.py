"""The regulated workflows over HTTP: acceptance decisions and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from server.domain.bounds import Code, Filter, Id, Name, Note, Qty, Ref
from server.domain.scope import Named, Of, Own
from server.domain.tag_units import MAX_EPC_URI, MAX_UNITS, TaggedUnit
from server.services import audit, digest, inbound, notifications, report_classes, reports
from server.services.acceptance import (
    AcceptanceRequest,
    Inspection,
    decide,
    file_report,
    list_decisions,
)
from server.storage import queries
from server.web import tabular
from server.web.deps import engine_of, now_of
from server.web.downloads import download
from server.web.errors import TABLES, answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1", tags=["workflows"], responses=answers(401, 403, 404, 409, 422))


class InspectionIn(BaseModel):
    record_no: Ref = Field(description="验收单编号")
    sampled: Qty
    result: str = Field(pattern="^(pass|fail)$")
    quality_report: Ref | None = Field(
        None, description="质量检验报告编号: required to accept goods (art. 8)"
    )
    inspectors: list[Name] = Field(default_factory=list, max_length=20)
    remarks: Note = ""


class AcceptanceIn(BaseModel):
    warehouse: Code
    item: Code = Field(description="item code")
    batch: Code
    location: Ref = Field(description="where the goods wait, usually the receiving door")
    qty: Qty
    decision: str = Field(pattern="^(accepted|rejected)$")
    inspection: InspectionIn
    supplier: Code | None = None
    notice: Ref | None = Field(None, description="the inbound notice's number")


class NoticeLineIn(BaseModel):
    item: Code
    qty: Qty
    batch: Filter | None = None


class NoticeUnitIn(BaseModel):
    epc: str = Field(
        min_length=1,
        max_length=MAX_EPC_URI,
        pattern="^[!-~]+$",
        description="the unit's tag as the supplier encoded it: an SSCC or serialised SGTIN "
        "pure-identity URI (a tag URI is kept as its pure identity; anything else: 422 bad_epc)",
    )
    line: int = Field(ge=1, le=500, description="the notice line it is on, from 1")
    item: Code
    batch: Code
    qty: Qty
    prod_date: date | None = None
    expiry: date | None = None


class NoticeIn(BaseModel):
    number: Ref
    warehouse: Code
    supplier: Code | None = None
    expected_on: date | None = None
    owner_level: str | None = Field(
        None,
        pattern="^(central|province|city|county)$",
        description="the level that owns the goods (art. 17); the depot's own level if not given",
    )
    lines: list[NoticeLineIn] = Field(min_length=1, max_length=500)
    units: list[NoticeUnitIn] = Field(
        default_factory=list,
        max_length=MAX_UNITS,
        description="the tagged units the supplier is sending (its dispatch advice)",
    )


def notice_units(body: NoticeIn) -> list[TaggedUnit]:
    """The service's tagged units from the API's model (the route's and the page's)."""
    return [
        TaggedUnit(u.epc, u.line, u.item, u.batch, u.qty, u.prod_date, u.expiry) for u in body.units
    ]


def acceptance_request(body: AcceptanceIn, warehouse: str) -> AcceptanceRequest:
    """The service's request from the API's model (the route's and the page's)."""
    got = body.inspection
    return AcceptanceRequest(
        warehouse=warehouse,
        item=body.item,
        batch=body.batch,
        location=body.location,
        qty=body.qty,
        decision=body.decision,
        inspection=Inspection(
            record_no=got.record_no,
            sampled=got.sampled,
            result=got.result,
            quality_report=got.quality_report,
            inspectors=tuple(got.inspectors),
            remarks=got.remarks,
        ),
        supplier=body.supplier,
        notice=body.notice,
    )


@router.post("/acceptances", status_code=201)
def post_acceptance(
    body: AcceptanceIn,
    request: Request,
    scope: Annotated[Scope, person("approve:acceptance", Named("warehouse", "body"))],
) -> dict[str, Any]:
    """Record the inspection group's decision on received goods (art. 8): accepted goods
    (on the quality report) become available, rejected ones wait to go back to the supplier.
    Never by a person who received the goods."""
    result = decide(
        engine_of(request),
        scope.user.username,
        acceptance_request(body, scope.named),
        now=now_of(request),
    )
    return {"approval_id": result.approval_id, "status": result.status}


class ReportIn(BaseModel):
    reference: Ref = Field(description="the written report's number (验收入库情况报告)")


@router.post("/acceptances/{approval_id}/report", status_code=201)
def post_acceptance_report(
    approval_id: Id,
    body: ReportIn,
    request: Request,
    scope: Annotated[Scope, person("approve:acceptance", Of("approval", "approval_id"))],
) -> dict[str, Any]:
    """The written report of an acceptance to the commission, due within 10 working days
    (art. 8); once per acceptance."""
    engine = engine_of(request)
    warehouse = queries.depot_of_approval(engine, approval_id)
    report = file_report(
        engine, scope.user.username, warehouse, approval_id, body.reference, now=now_of(request)
    )
    (row,) = list_decisions(engine, warehouse, only=approval_id, now=now_of(request))
    return {"approval_id": report, "acceptance": approval_id, "report": row["report"]}


@router.get("/notifications")
def get_notifications(
    request: Request, scope: Annotated[Scope, person("read", Own())]
) -> dict[str, Any]:
    """What the signed-in person was told, newest first (e.g. a reservation of their order
    that a stocktake loss took, and what was planned instead)."""
    return {"rows": notifications.for_person(engine_of(request), scope.user.username)}


@router.post("/inbound-notices", status_code=201)
def post_notice(
    body: NoticeIn,
    request: Request,
    scope: Annotated[Scope, person("count", Named("warehouse", "body"))],
) -> dict[str, Any]:
    """What a supplier is due to deliver (keepers, supervisors)."""
    notice_id = inbound.create_notice(
        engine_of(request),
        scope.user.username,
        body.number,
        scope.named,
        body.supplier,
        body.expected_on,
        [inbound.NoticeLine(x.item, x.qty, x.batch) for x in body.lines],
        now=now_of(request),
        owner_level=body.owner_level,
        units=notice_units(body),
    )
    return {"id": notice_id, "number": body.number}


@router.post("/inbound-notices/{notice_id}/close")
def post_notice_close(
    notice_id: Id,
    request: Request,
    scope: Annotated[Scope, person("count", Of("notice", "notice_id"))],
) -> dict[str, Any]:
    """Close a notice by hand: nothing more is expected against it (keepers, supervisors)."""
    number = inbound.close_notice(
        engine_of(request), scope.user.username, notice_id, now=now_of(request)
    )
    return {"id": notice_id, "number": number, "status": "closed"}


@router.get("/inbound-notices")
def get_notices(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Filter | None = None,
    status: Annotated[
        str | None, Query(pattern="^(open|closed)?$", description="empty: all")
    ] = "open",
) -> dict[str, Any]:
    return {"rows": inbound.notices(engine_of(request), scope.depot, status)}


@router.get("/acceptances")
def get_acceptances(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Filter | None = None,
) -> dict[str, Any]:
    """Acceptance decisions, newest first; an accepted one with its report's clock (`report`:
    due date, working days left, filed or late)."""
    rows = list_decisions(engine_of(request), scope.depot, now=now_of(request))
    return {"rows": rows}


@router.get("/reports/monthly", response_model=None, responses=TABLES)
def get_monthly(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")],
    warehouse: Filter | None = None,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
    by: Annotated[str, Query(pattern="^(item|class)$")] = "item",
) -> dict[str, Any] | Response:
    """Art. 14: inbound, outbound, rotation, scrapping and balances per warehouse and item
    for a finished month (from the 1st of the month after); `by=class`: the same summed by
    major and middle class of the items' national codes (GB/T 38565), one line per unit."""
    engine = engine_of(request)
    rows = reports.kept_monthly(engine, month, scope.depot, now_of(request))
    name, header = f"monthly-{month}-{scope.depot or 'all'}", reports.HEADER
    if by == "class":
        name, header = f"{name}-by-class", report_classes.HEADER
        rows = [line.row() for line in report_classes.monthly_by_class(engine, rows)]
    if format == "csv":
        return download(tabular.to_csv(header, rows), name, "csv")
    if format == "xlsx":
        return download(tabular.to_xlsx(header, rows, f"{month} 月报"), name, "xlsx")
    answer = {"month": month, "header": list(header), "rows": [list(r) for r in rows]}
    return answer if by == "item" else {**answer, "by": by}


@router.get("/ledger/value")
def get_value_ledger(
    request: Request,
    scope: Annotated[Scope, person("audit", Named("warehouse"))],
    warehouse: Code,
) -> dict[str, Any]:
    """Quantities against the value ledger (账账相符): quantity x unit price per batch."""
    rows = digest.value_ledger(engine_of(request), scope.named)
    return {
        "warehouse": scope.named,
        "rows": rows,
        "total_cents": sum(int(str(r["value_cents"])) for r in rows),
        "batches_on_catalogue_price": sum(1 for r in rows if r["catalogue_price"]),
    }


@router.get("/audit")
def get_audit(
    request: Request,
    scope: Annotated[Scope, person("audit", Own())],
    actor: Filter | None = None,
) -> dict[str, Any]:
    """Who did what and when, newest first; for a person bound to a depot, the entries about
    that depot (`warehouse` in each row; none: the network)."""
    return {"rows": audit.entries(engine_of(request), scope.depot, actor=actor)}
