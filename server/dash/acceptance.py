"""Acceptance (入库验收, art. 8, annex 1): the inspection group's screen.

Every role sees what waits for acceptance at its depot (stock in `pending_acceptance`, the
longest waiting first, live) and the written reports due to the commission within 10 working
days of each acceptance, with the working days left and the late ones marked. The depot head
(仓库负责人, the `approve:acceptance` permission, as POST /api/v1/acceptances has it;
server/domain/duties.py) records for the inspection group, line by line, the sampling, the
quality report's number with its file (a PDF or an image, kept with the decision:
server/domain/report_files.py) and the decision; the decision's page
(server.dash.acceptance_record) prints the annex 1 record and files the report. The form is
read against the API's own model (server.web.workflows.AcceptanceIn) and the decision goes
through server.services.acceptance.decide, which writes the audit entry, as the API's does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from server.dash import acceptance_record
from server.dash.acceptance_record import DECISIONS, MAY_DECIDE, RESULTS, report_file_of
from server.dash.common import lang_of, page, partial
from server.dash.forms import FieldError, Filled, flash, form_of, read, spent
from server.dash.refusals import next_step
from server.dash.region_cache import region
from server.domain import depot_time, evidence
from server.domain.bounds import Code, Ref
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.report_files import MAX_BYTES, ReportFile
from server.domain.scope import Named, Own
from server.services.acceptance import decide, list_decisions, reports_due
from server.storage import acceptance_views
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.workflows import AcceptanceIn, acceptance_request

router = APIRouter(include_in_schema=False)
RECENT = 20  # the latest decisions the page lists
INSPECTORS = 3  # the inspection group's names the form offers


def options(table: dict[str, tuple[str, str]], lang: str) -> list[tuple[str, str]]:
    """A choice's options as a select shows them: Chinese with English beside, or English."""
    return [(k, en if lang == "en" else f"{zh} {en}") for k, (zh, en) in table.items()]


def _waiting(request: Request, scope: Scope, notice: str | None) -> dict[str, Any]:
    """The goods waiting (of a notice's items, if one is named) and the reports due, each
    line with the working days it has waited and each report with its clock; worked out once
    per change on the floor (region_cache)."""
    engine, depot = engine_of(request), scope.user.warehouse
    only = None
    if notice:
        found = acceptance_views.notice_items(engine, notice)
        if found is None or (depot is not None and found[1] != depot):
            raise NotFoundPage(f"no inbound notice {notice}")
        depot, only = found[1], found[2]
    now = now_of(request)

    def worked_out() -> dict[str, Any]:
        today = depot_time.today(now)
        total, rows = acceptance_views.waiting(engine, depot, only)
        for row in rows:
            since: date | None = row["inbound_date"]
            row["waited"] = evidence.working_days_between(since, today) if since else None
        due = [] if notice else reports_due(engine, depot, now=now)
        return {"waiting": rows, "total": total, "due": due, "notice": notice or "",
                "today": today}  # fmt: skip

    values: dict[str, Any] = region(request, ("acceptance", notice), depot, worked_out)
    return values


@router.get("/acceptance", response_class=HTMLResponse)
def acceptance_page(
    request: Request,
    scope: Annotated[Scope, screen("read", Own())],
    notice: Annotated[Ref | None, Query()] = None,
) -> Response:
    answer = page(
        request,
        "dash/acceptance.html",
        scope.user,
        may_decide=allowed(scope.user.role, MAY_DECIDE),
        recent=list_decisions(
            engine_of(request), scope.user.warehouse, RECENT, now=now_of(request)
        ),
        decisions=DECISIONS,
        **_waiting(request, scope, notice),
    )
    return spent(request, answer)


@router.get("/partials/acceptance", response_class=HTMLResponse)
def acceptance_partial(
    request: Request,
    scope: Annotated[Scope, screen("read", Own())],
    notice: Annotated[Ref | None, Query()] = None,
) -> Response:
    return partial(
        request,
        "dash/acceptance_live.html",
        may_decide=allowed(scope.user.role, MAY_DECIDE),
        **_waiting(request, scope, notice),
    )


def _decide_page(
    request: Request,
    scope: Scope,
    line: dict[str, str],
    form: Filled[Any],
    refusal: DepotError | None = None,
    status: int = 200,
) -> Response:
    engine = engine_of(request)
    found = acceptance_views.one_waiting(
        engine, line["warehouse"], line["location"], line["item"], line["batch"]
    )
    may = allowed(scope.user.role, MAY_DECIDE)
    return page(
        request,
        "dash/acceptance_decide.html",
        scope.user,
        status_code=status,
        line=line,
        found=found,
        may_decide=may,
        form=form,
        refusal=refusal,
        next_step=next_step,
        suppliers=acceptance_views.supplier_choices(engine) if may else [],
        decision_options=options(DECISIONS, lang_of(request)),
        result_options=options(RESULTS, lang_of(request)),
        inspectors=INSPECTORS,
        max_mib=MAX_BYTES // 2**20,
    )


@router.get("/acceptance/decide", response_class=HTMLResponse)
def decide_page(
    request: Request,
    scope: Annotated[Scope, screen("read", Named("warehouse"))],
    warehouse: Code,
    location: Ref,
    item: Code,
    batch: Code,
    notice: Ref | None = None,
) -> Response:
    """One line waiting for acceptance, and the inspection group's form for it."""
    line = {"warehouse": warehouse, "location": location, "item": item, "batch": batch}
    found = acceptance_views.one_waiting(engine_of(request), warehouse, location, item, batch)
    values = {**line, "notice": notice or "", "decision": "accepted", "inspection.result": "pass"}
    if found is not None:
        values["qty"] = str(found["qty"])
    return _decide_page(request, scope, line, Filled(values=values))


def _read(fields: dict[str, str], fixed: dict[str, str]) -> Filled[AcceptanceIn]:
    """The form against the API's model; a sample larger than the quantity decided is the
    sampled field's error (the service refuses it too)."""
    form = read(AcceptanceIn, fields, fixed)
    body = form.model
    if body is not None and body.inspection.sampled > body.qty:
        error = FieldError(
            f"不能大于验收数量 {body.qty}", f"at most the quantity decided, {body.qty}"
        )
        return Filled(values=form.values, errors={"inspection.sampled": error})
    return form


@router.post("/acceptance", response_class=HTMLResponse)
def post_decision(
    request: Request,
    scope: Annotated[Scope, screen(MAY_DECIDE, Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
    report_file: Annotated[ReportFile | None, Depends(report_file_of)],
) -> Response:
    """Record the decision on one line, with the quality report's file if one is chosen."""
    fixed = {"warehouse": scope.depot} if scope.depot else {}
    form = _read(fields, fixed)
    line = {k: fields.get(k, "")[:64] for k in ("warehouse", "location", "item", "batch")}
    line.update(fixed)
    if form.model is None:
        return _decide_page(request, scope, line, form, status=422)
    body = form.model
    try:
        result = decide(
            engine_of(request),
            scope.user.username,
            acceptance_request(body, body.warehouse),
            now=now_of(request),
            report_file=report_file,
        )
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _decide_page(request, scope, line, form, refusal=exc, status=code)
    return flash(f"/acceptance/{result.approval_id}", body.decision, body.inspection.record_no)


router.include_router(acceptance_record.router)  # after /acceptance/decide: the same prefix
