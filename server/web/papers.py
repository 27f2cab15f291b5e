"""The papers over HTTP: acceptance records and bin cards as PDF, and the quality report's
file kept with a decision (uploaded, and given back as it came: the one download of any
decision's file, server.services.decision_files)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from kernel.bin_card import BinCard, gs1_batch_code
from kernel.bin_card_paper import bin_cards_pdf
from server.domain import depot_time
from server.domain.bounds import Code, Filter, Id, Line
from server.domain.report_files import MAX_BYTES, CheckedReport, ReportFile
from server.domain.scope import Named, Of
from server.services import decision_files
from server.storage import papers
from server.web import printing
from server.web.deps import engine_of, now_of
from server.web.downloads import download, kept_file
from server.web.errors import PDF, answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1", tags=["papers"], responses=answers(401, 403, 404, 422))


@router.get("/acceptances/{approval_id}/form.pdf", response_class=Response, responses=PDF)
def acceptance_form(
    approval_id: Id,
    request: Request,
    scope: Annotated[Scope, person("read", Of("approval", "approval_id"))],
) -> Response:
    """The acceptance record of annex 1 (入库验收单) for one decision."""
    found = papers.acceptance(engine_of(request), approval_id)
    if found is None:
        raise HTTPException(404, "no such acceptance decision")
    row, payload, item, depot, price = found
    inspection = payload["inspection"]
    quality, decision = printing.acceptance_verdict(row.decision, inspection.get("quality_report"))
    form = printing.AcceptanceForm(
        record_no=row.reference or f"#{row.id}",
        storage_centre=depot.name_zh,
        supplier=payload.get("supplier") or "—",
        place=f"{depot.name_zh} {payload['location']}",
        decided_on=depot_time.local_date(row.decided_at),
        item=f"{item.name_zh}（批次 {payload['batch']}）",
        spec=item.spec,
        qty=payload["qty"],
        unit=item.unit_zh,
        price_cents=price if price is not None else item.unit_price_cents,
        inspection=f"抽样 {inspection['sampled']}；检验人 {'、'.join(inspection['inspectors'])}"
        if inspection.get("inspectors")
        else f"抽样 {inspection['sampled']}",
        quality_report=quality,
        decision=decision,
        decided_by=row.decided_by,
    )
    return download(printing.acceptance_pdf(form), f"acceptance-{approval_id}", "pdf")


@router.get("/bin-cards.pdf", response_class=Response, responses=PDF)
def bin_cards(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Code,
    location: Filter | None = None,
    zone: Filter | None = None,
    keeper: Filter | None = None,
    head: Line = "",
) -> Response:
    """Bin cards (annex 3, 标识牌) for the stacks of a warehouse, a zone or one location."""
    depot = scope.named
    rows = papers.stacks(engine_of(request), depot, location, zone)
    if not rows:
        raise HTTPException(404, "no stock there to make cards for")
    cards = [
        BinCard(
            item=r.name_zh,
            location=r.location,
            manufacturer=r.manufacturer or "—",
            spec=r.spec,
            qty=int(r.qty),
            unit=r.unit_zh,
            prod_date=r.prod_date,
            inbound_date=r.inbound_date,
            storage_years=r.storage_years,
            keeper=keeper or scope.user.display_name,
            code=gs1_batch_code(r.gtin, r.batch_no, r.prod_date, r.name_zh),
            head=head,
        )
        for r in rows
    ]
    return download(bin_cards_pdf(cards), f"bin-cards-{depot}", "pdf")


REPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The quality report as it was uploaded",
        "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in (
            "application/pdf", "image/png", "image/jpeg")},
    }
}  # fmt: skip


@router.post("/acceptances/{approval_id}/quality-report", status_code=201, responses=answers(409))
async def post_quality_report(
    approval_id: Id,
    request: Request,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG, 10 MiB at most")],
    scope: Annotated[Scope, person("approve:acceptance", Of("approval", "approval_id"))],
) -> dict[str, Any]:
    """Keep the testing agency's quality report (art. 8) with an acceptance decided without
    its file: once per decision (report_attached, 409), a PDF, JPEG or PNG by its content
    (report_type), 10 MiB at most (report_too_large)."""
    kept = await attach_upload(
        request, scope.user.username, approval_id, file, decision_files.AFTER_ACCEPTANCE
    )
    return {
        "acceptance": approval_id,
        "filename": kept.name,
        "media_type": kept.media_type,
        "size": kept.size,
        "sha256": kept.sha256,
    }


@router.get("/acceptances/{approval_id}/quality-report", response_class=Response, responses=REPORT)
def get_quality_report(
    approval_id: Id,
    request: Request,
    scope: Annotated[Scope, person("read", Of("approval", "approval_id"))],
) -> Response:
    """The quality report kept with an acceptance decision, as it was uploaded (the file any
    decision keeps: server.services.decision_files)."""
    return report_download(engine_of(request), approval_id)


async def attach_upload(
    request: Request,
    username: str,
    approval_id: int,
    file: UploadFile,
    rule: decision_files.Attaching,
) -> CheckedReport:
    """An uploaded quality report, read no further than one byte past its bound, kept with
    its decision by `rule` (server.services.decision_files): both routes that take one."""
    content = await file.read(MAX_BYTES + 1)
    report = ReportFile(file.filename or "", content)
    # the write runs in the worker threads, as a plain route's would: never on the event loop
    return await run_in_threadpool(
        decision_files.attach,
        engine_of(request),
        username,
        approval_id,
        report,
        now_of(request),
        rule,
    )


def report_download(engine: Engine, approval_id: int) -> Response:
    """The quality report's file kept with a decision, as it was uploaded (404 without one):
    the one way it is downloaded, here and from the disposal pages."""
    found = decision_files.content_of(engine, approval_id)
    if found is None:
        raise HTTPException(404, "no quality report kept with this decision")
    return kept_file(found.name, found.content_type, found.content)
