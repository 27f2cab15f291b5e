"""Labels and bin cards (标签打印): asked for at the centre, printed at the depot.

Keepers, supervisors and admins (the `labels` permission, as the API's POST
/api/v1/print-requests) ask a depot's gateway to print GS1 logistic labels (units of one GTIN
and batch) or the bin cards (标识牌, annex 3) of one storage location's stacks, on one of the
depot's printers: those its gateway last reported, each with its trouble (paper out ...), or
a name typed while it has reported none. The gateway takes the request with its next sync and
its reports say what came of it; the list below the forms shows each request's state, live.
Everyone reads the list of their depot. The forms are read against the API's own models
(server.web.print_requests) and each request goes through server.services.print_requests,
which checks the rules and writes the audit entry, as the API's route does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from kernel.contract import ContractError, check_name
from kernel.print_outcomes import PROBLEMS
from server.dash.common import page, partial
from server.dash.forms import FieldError, Filled, empty, flash, form_of, message_of, read, spent
from server.dash.refusals import next_step
from server.domain.bounds import Filter
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.permissions import allowed
from server.domain.print_requests import KEEPER_UNITS, MANY_UNITS, MAX_UNITS
from server.domain.scope import Named
from server.services import gateways, print_requests
from server.storage import print_requests as views
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.print_requests import MAY_ASK, CardsIn, LabelsIn

router = APIRouter(include_in_schema=False)
THE_DEPOT = Named("depot")
THE_FORMS_DEPOT = Named("depot", "body")
STATES = {
    "asked": ("已提交待网关领取", "asked, for the gateway to take"),
    "queued": ("打印中", "printing"),
    "printed": ("已打印", "printed"),
    "attention": ("需主管到打印机处确认", "a supervisor must confirm at the printer"),
    "refused": ("被拒绝", "refused"),
}
KINDS = {"labels": ("物流标签", "logistic labels"), "cards": ("标识牌", "bin cards")}
# The gateways' trouble codes (their printers' own reasons); a code not here shows as it came.
MESSAGES = {
    "asked": ("已提交，网关下次同步时领取：申请", "Asked; the gateway takes it at its next sync:")
}
# What a field typed out of its pattern must be (the forms' plain "cannot be used" says less).
HINTS = {
    "batch": FieldError(
        "批次号 1 至 20 个字符：字母、数字和 GS1 允许的符号，不能有括号",
        "a batch is 1 to 20 letters, digits and GS1 symbols, no parentheses",
    ),
    "printer": FieldError(
        "打印机名称 1 至 40 个字符：字母、数字和 . _ -",
        "a printer's name is 1 to 40 letters, digits and . _ -",
    ),
    "gtin": FieldError("请从列表中选择物资条码", "choose the GTIN from the list"),
}
# A refusal of the rules shown beside the field it is about, as well as above the form.
FIELD_OF = {
    "bad_gtin": "gtin",
    "unknown_gtin": "gtin",
    "bad_dates": "expiry",
    "bad_quantity": "qty",
    "too_many_labels": "units",
    "unknown_location": "location",
    "bad_printer": "printer",
}


def list_values(request: Request, depot: str | None) -> dict[str, Any]:
    return {"rows": views.recent(engine_of(request), depot), "states": STATES, "kinds": KINDS,
            "depot": depot}  # fmt: skip


def _printers(request: Request, depot: str | None) -> tuple[list[dict[str, Any]], Any]:
    """The printers the depot's gateway last reported, and when it reported."""
    if depot is None:
        return [], None
    status = gateways.statuses(engine_of(request), depot).get(depot, {})
    return list(status.get("report", {}).get("printers") or []), status.get("reported_at")


def _page(
    request: Request,
    scope: Scope,
    forms: dict[str, Filled[Any]] | None = None,
    refusal: tuple[str, DepotError] | None = None,
    status: int = 200,
) -> Response:
    engine, user, depot = engine_of(request), scope.user, scope.depot
    try:  # a depot named by a form is a depot's code before any query sees it
        if depot is not None:
            check_name("depot", depot)
    except ContractError as exc:
        raise NotFoundPage(f"no depot {depot!r}") from exc
    offered = views.choices(engine, depot)
    if depot is not None and depot not in {d["code"] for d in offered["depots"]}:
        raise NotFoundPage(f"no depot {depot}")
    printers, reported_at = _printers(request, depot)
    answer = page(
        request,
        "dash/labels.html",
        user,
        status_code=status,
        may_ask=allowed(user.role, MAY_ASK),
        many=user.role in MANY_UNITS,
        keeper_units=KEEPER_UNITS,
        max_units=MAX_UNITS,
        printers=printers,
        reported_at=reported_at,
        troubles=PROBLEMS,
        choices=offered,
        forms={"labels": empty(), "cards": empty()} | (forms or {}),
        refusal=refusal,
        next_step=next_step,
        message=message_of(request, MESSAGES),
        **list_values(request, depot),
    )
    return spent(request, answer)


@router.get("/labels", response_class=HTMLResponse)
def labels_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return _page(request, scope)


@router.get("/partials/labels", response_class=HTMLResponse)
def labels_partial(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return partial(request, "dash/labels_live.html", **list_values(request, scope.depot))


def _ask(
    request: Request, scope: Scope, which: str, model: type[BaseModel], fields: dict[str, str]
) -> Response:
    """Read the form against the API's model and ask; a field out of bounds or a refusal
    shows the form again as typed, the refusal beside the field it is about."""
    fixed = {"kind": which, **({"depot": scope.depot} if scope.depot else {})}
    form = read(model, fields, fixed)
    if form.model is None:
        hinted = {
            name: HINTS[name] if name in HINTS and form.values.get(name) else error
            for name, error in form.errors.items()
        }
        return _page(request, scope, {which: Filled(form.values, hinted)}, status=422)
    body: Any = form.model
    user = scope.user
    try:
        asked = print_requests.ask(engine_of(request), user.username, user.role, body.depot,
                                   body.asked(), now_of(request))  # fmt: skip
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        field = FIELD_OF.get(getattr(exc, "reason", ""))
        if field is not None:
            step = next_step(exc)
            errors = {**form.errors, field: FieldError(step.zh, step.en)}
            form = Filled(values=form.values, errors=errors, model=None)
        return _page(request, scope, {which: form}, refusal=(which, exc), status=code)
    return flash(f"/labels?depot={asked['depot']}", "asked", f"#{asked['id']}")


@router.post("/labels", response_class=HTMLResponse)
def ask_labels(
    request: Request,
    scope: Annotated[Scope, screen(MAY_ASK, THE_FORMS_DEPOT)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    return _ask(request, scope, "labels", LabelsIn, fields)


@router.post("/labels/cards", response_class=HTMLResponse)
def ask_cards(
    request: Request,
    scope: Annotated[Scope, screen(MAY_ASK, THE_FORMS_DEPOT)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    return _ask(request, scope, "cards", CardsIn, fields)
