"""Re-inspection, scrapping and rotation (复检、报废、轮换, art. 25): the depot's screen.

A person picks an item the depot holds and one of its stock lines, oldest made first, and
records on it a re-inspection (the quality check of stock at its storage limit, art. 25(4),
with the report's number and file), proposes scrapping (the reason, the quality report and
each expert's opinion, at least three) or proposes rotation under a plan. Each form is read
against the API's own model (server.web.disposal) and each step is the API's service
(server.services.disposal), which writes the audit entry; who may do what is the
separation-of-duties table (server/domain/duties.py), asked by the guard for the form's post
and by the service again with the people concerned. A proposal's page, where another person
decides it, is server.dash.decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from server.dash.common import page
from server.dash.forms import FieldError, Filled, empty, flash, form_of, read, spent
from server.dash.refusals import next_step
from server.dash.uploads import checked, upload_of, with_file_error
from server.domain.bounds import Filter
from server.domain.errors import DepotError, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.report_files import CheckedReport, ReportFile
from server.domain.scope import Named
from server.services import decision_files, disposal
from server.storage import disposal_views as views
from server.web.deps import engine_of, now_of, policy_of
from server.web.disposal import ReinspectionIn, RotationIn, ScrapProposalIn
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
THE_DEPOT = Named("depot")
THE_FORMS_DEPOT = Named("warehouse", "body")
MAY = {"reinspect": "reinspect", "scrap": "propose:scrapping", "rotate": "propose:rotation"}
HELD = ("available", "on_hold")
EXPERT_ROWS = 5  # rows the form offers; at least three experts (art. 25(1))
KIND_NAMES = {
    "reinspection": ("复检", "re-inspection"),
    "scrap_proposal": ("报废申请", "scrapping proposal"),
    "scrapping": ("报废批复", "scrapping approved"),
    "rotation_proposal": ("轮换申请", "rotation proposal"),
    "rotation": ("轮换批复", "rotation approved"),
    "return_inspection": ("归还检验", "return inspection"),
    "supplier_return": ("退回供货方", "return to the supplier"),
}
STATUS_NAMES = {"available": ("可用", "available"), "on_hold": ("暂扣", "on hold")}


def _stack(fields: dict[str, str]) -> dict[str, str]:
    """The picked stock line (`stack`: batch|location|status) as the API's fields."""
    batch, location, status = ([*fields.get("stack", "").split("|"), "", ""])[:3]
    picked = {"batch": batch, "location": location}
    return {**fields, **{k: v for k, v in picked.items() if v}, "source": status or "available"}


def read_picked(model: Any, fields: dict[str, str], scope: Scope) -> Filled[Any]:
    fixed = {"warehouse": scope.depot} if scope.depot else {}
    form = read(model, _stack(fields), fixed)
    errors = dict(form.errors)
    for name in ("batch", "location"):  # the picked line's parts are one field on the page
        if name in errors:
            errors.setdefault("stack", errors.pop(name))
    values = {**form.values, "stack": fields.get("stack", "")}
    return Filled(values=values, errors=errors, model=form.model)


def picking(engine: Engine, depot: str | None, item: str | None, statuses: tuple[str, ...]
            ) -> dict[str, Any]:  # fmt: skip
    """What the stock picker shows: the depots to choose from (for people of no one depot),
    the items the depot holds in `statuses`, and the chosen item's stock lines."""
    held = views.held_items(engine, depot, statuses) if depot else []
    chosen = item if any(i["code"] == item for i in held) else None
    return {
        "depot": depot,
        "depots": views.depots(engine) if depot is None else [],
        "held": held,
        "item": chosen,
        "lines": views.stock_lines(engine, depot, chosen, statuses) if depot and chosen else [],
        "statuses": STATUS_NAMES,
        "kinds": KIND_NAMES,
    }


def workflow_page(
    request: Request,
    template: str,
    scope: Scope,
    may: dict[str, str],
    forms: dict[str, Filled[Any]] | None,
    refusal: tuple[str, DepotError] | None,
    status: int,
    **values: Any,
) -> Response:
    """A screen of forms, one at a time (`?do=`, else the first the person may post): each
    offered to the roles that may post it (`may`: form -> the permission), as typed after an
    error, with the refusal of the one posted."""
    role = scope.user.role
    mine = [k for k, p in may.items() if allowed(role, p)]
    asked = request.query_params.get("do")  # the form chosen (one at a time: ids stay unique)
    doing = next(iter(forms or {}), None) or (asked if asked in mine else None)
    answer = page(
        request,
        template,
        scope.user,
        status_code=status,
        may={k: k in mine for k in may},
        doing=doing or (mine[0] if mine else None),
        forms={k: empty() for k in may} | (forms or {}),
        refusal=refusal,
        next_step=next_step,
        **values,
    )
    return spent(request, answer)


def _page(
    request: Request,
    scope: Scope,
    item: str | None,
    forms: dict[str, Filled[Any]] | None = None,
    refusal: tuple[str, DepotError] | None = None,
    status: int = 200,
) -> Response:
    engine, depot = engine_of(request), scope.depot
    scrap = (forms or {}).get("scrap", empty())
    return workflow_page(
        request, "dash/disposal.html", scope, MAY, forms, refusal, status,
        experts=max(EXPERT_ROWS, scrap.rows("experts", 1)),
        waiting=views.waiting(engine, depot), recent=views.recent(engine, depot),
        **picking(engine, depot, item, HELD),
    )  # fmt: skip


@router.get("/disposal", response_class=HTMLResponse)
def disposal_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
    item: Filter | None = None,
) -> Response:
    return _page(request, scope, item)


Again = Callable[[dict[str, Filled[Any]], tuple[str, DepotError] | None, int], Response]


def carried_out(
    request: Request,
    scope: Scope,
    which: str,
    form: Filled[Any],
    upload: ReportFile | None,
    step: Callable[[Any], int],
    again: Again,
) -> Response:
    """Run `step` (the service) for a sound form, keep the report file with the decision, and
    go to the decision's page; else the page `again` with the form as typed (422) or the
    refusal as the next step."""
    document = checked(upload)
    if isinstance(document, FieldError):
        form = with_file_error(form, document)
    if form.model is None or form.errors:
        return again({which: form}, None, 422)
    try:
        approval = step(form.model)
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return again({which: form}, (which, exc), code)
    if upload is not None and isinstance(document, CheckedReport):  # kept by its maker
        try:
            engine, now, rule = engine_of(request), now_of(request), decision_files.BY_ITS_MAKER
            decision_files.attach(engine, scope.user.username, approval, upload, now, rule)
        except Rejection as exc:  # the decision stands: its page says the file was not kept
            return flash(f"/disposal/{approval}", "refused", exc.reason)
    return flash(f"/disposal/{approval}", which)


def _done(request: Request, scope: Scope, which: str, form: Filled[Any], upload: ReportFile | None,
          step: Callable[[Any], int]) -> Response:  # fmt: skip
    item = form.values.get("item")

    def again(forms: dict[str, Filled[Any]], refusal: Any, status: int) -> Response:
        return _page(request, scope, item, forms, refusal, status)

    return carried_out(request, scope, which, form, upload, step, again)


@router.post("/disposal/reinspections", response_class=HTMLResponse)
def reinspect(
    request: Request,
    scope: Annotated[Scope, screen(MAY["reinspect"], THE_FORMS_DEPOT)],
    fields: Annotated[dict[str, str], Depends(form_of)],
    upload: Annotated[ReportFile | None, Depends(upload_of)],
) -> Response:
    """A quality check of a batch at its storage limit: passed or failed, with its report."""
    form = read_picked(ReinspectionIn, fields, scope)

    def step(body: ReinspectionIn) -> int:
        return disposal.reinspect(
            engine_of(request), scope.user.username, body.warehouse, body.item, body.batch,
            body.quality_report, body.passed, policy_of(request), now=now_of(request),
        )  # fmt: skip

    return _done(request, scope, "reinspect", form, upload, step)


@router.post("/disposal/scrapping", response_class=HTMLResponse)
def propose_scrapping(
    request: Request,
    scope: Annotated[Scope, screen(MAY["scrap"], THE_FORMS_DEPOT)],
    fields: Annotated[dict[str, str], Depends(form_of)],
    upload: Annotated[ReportFile | None, Depends(upload_of)],
) -> Response:
    """Goods proposed for scrapping with the quality report and each expert's opinion."""
    form = read_picked(ScrapProposalIn, fields, scope)

    def step(body: ScrapProposalIn) -> int:
        stack = body.stack(scope)
        return disposal.propose_scrapping(
            engine_of(request), scope.user.username, stack, body.reason, body.quality_report,
            [(e.name, e.opinion) for e in body.experts], body.source, now=now_of(request),
        )  # fmt: skip

    return _done(request, scope, "scrap", form, upload, step)


@router.post("/disposal/rotations", response_class=HTMLResponse)
def propose_rotation(
    request: Request,
    scope: Annotated[Scope, screen(MAY["rotate"], THE_FORMS_DEPOT)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Ageing stock proposed for rotation under a plan; nothing moves until it is approved."""
    form = read_picked(RotationIn, fields, scope)

    def step(body: RotationIn) -> int:
        stack = body.stack(scope)
        return disposal.propose_rotation(
            engine_of(request), scope.user.username, stack, body.plan, now=now_of(request)
        )

    return _done(request, scope, "rotate", form, None, step)
