"""Inbound notices and receiving (入库通知与收货, art. 8): the first workflow screen.

Keepers and supervisors (the `count` permission, as the API's POST /api/v1/inbound-notices)
create a notice: the supplier from the master data, the expected date, lines of item and
quantity. Each notice's page shows, live, what the doors received against it (the receiving
events the gateways sent naming it) beside what acceptance decided, and closes it when no
more is expected. Every role reads the notices of its depot; a depot's people see only
their own. The form is read against the API's own model (server.web.workflows.NoticeIn) and
each change goes through server.services.inbound, which writes the audit entry, as the API's
does; a refusal is shown as the person's next step (server.dash.refusals).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page, partial
from server.dash.forms import Filled, empty, flash, form_of, message_of, read, spent
from server.dash.refusals import next_step
from server.domain.bounds import Id
from server.domain.errors import DepotError, NotFoundPage, Rejection, status_of
from server.domain.levels import LABELS
from server.domain.permissions import allowed
from server.domain.scope import Named, Of, Own
from server.services import inbound
from server.storage import notices
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.workflows import NoticeIn, notice_units

router = APIRouter(include_in_schema=False)
MAY_CREATE = "count"  # the permission of POST /api/v1/inbound-notices and of closing one
MESSAGES = {
    "created": ("已创建入库通知", "Inbound notice created"),
    "closed": ("已关闭入库通知", "Inbound notice closed"),
}
BLANK_ROWS = 5  # empty lines the form offers; "more lines" adds five
MAX_BLANK = 100
STATES = {"open": ("待收货", "open"), "closed": ("已关闭", "closed")}


def _list(
    request: Request,
    scope: Scope,
    form: Filled[Any],
    refusal: DepotError | None = None,
    status: int = 200,
    blank: int = BLANK_ROWS,
) -> Response:
    engine, user = engine_of(request), scope.user
    # the list's depots: the person's own, or every depot (after a post naming a depot, the
    # scope is that depot's; the page shown again is still the person's whole list)
    depot = user.warehouse
    choices = notices.choices(engine, depot) if allowed(user.role, MAY_CREATE) else None
    options = (
        {
            "warehouses": [
                (w["code"], f"{w['code']} {w['name_zh']}") for w in choices["warehouses"]
            ],
            "suppliers": [(s["code"], f"{s['code']} {s['name']}") for s in choices["suppliers"]],
            "levels": [(code, f"{zh} {en}") for code, (zh, en) in LABELS.items()],
        }
        if choices
        else {}
    )
    answer = page(
        request,
        "dash/inbound.html",
        user,
        status_code=status,
        rows=notices.recent(engine, depot),
        choices=choices,
        options=options,
        form=form,
        blank=blank,
        refusal=refusal,
        next_step=next_step,
        message=_message(request),
        messages=MESSAGES,
        states=STATES,
        own_depot=depot,
    )
    return spent(request, answer)


def _message(request: Request) -> tuple[str, str, Any] | None:
    return message_of(request, MESSAGES)


@router.get("/inbound", response_class=HTMLResponse)
def notices_page(request: Request, scope: Annotated[Scope, screen("read", Own())]) -> Response:
    return _list(request, scope, empty())


@router.post("/inbound", response_class=HTMLResponse)
def create(
    request: Request,
    scope: Annotated[Scope, screen(MAY_CREATE, Named("warehouse", "body"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Create a notice; a field out of its bounds or a refusal shows the form again, as typed."""
    fixed = {"warehouse": scope.depot} if scope.depot else {}
    form = read(NoticeIn, fields, fixed)
    more = fields.get("more", "")
    if more:  # "more lines": the form again with more empty lines, nothing created
        blank = int(more) if more.isdigit() and int(more) <= MAX_BLANK else BLANK_ROWS
        return _list(request, scope, replace(form, errors={}), blank=blank)
    if form.model is None:
        return _list(request, scope, form, status=422)
    body = form.model
    try:
        notice_id = inbound.create_notice(
            engine_of(request),
            scope.user.username,
            body.number,
            body.warehouse,
            body.supplier,
            body.expected_on,
            [inbound.NoticeLine(x.item, x.qty, x.batch) for x in body.lines],
            now=now_of(request),
            owner_level=body.owner_level,
            units=notice_units(body),
        )
    except DepotError as exc:
        code = status_of(exc.reason) if isinstance(exc, Rejection) else 422
        return _list(request, scope, form, refusal=exc, status=code)
    return flash(f"/inbound/{notice_id}", "created", body.number)


def _values(request: Request, notice_id: int) -> dict[str, Any]:
    found = notices.notice(engine_of(request), notice_id)
    if found is None:
        raise NotFoundPage(f"no inbound notice {notice_id}")
    return {"notice": found, "states": STATES}


@router.get("/inbound/{notice_id}", response_class=HTMLResponse)
def notice_page(
    request: Request,
    notice_id: Id,
    scope: Annotated[Scope, screen("read", Of("notice", "notice_id"))],
) -> Response:
    values = _values(request, notice_id)
    answer = page(
        request,
        "dash/notice.html",
        scope.user,
        may_close=allowed(scope.user.role, MAY_CREATE),
        message=_message(request),
        next_step=next_step,
        **values,
    )
    return spent(request, answer)


@router.get("/partials/inbound/{notice_id}", response_class=HTMLResponse)
def notice_partial(
    request: Request,
    notice_id: Id,
    scope: Annotated[Scope, screen("read", Of("notice", "notice_id"))],
) -> Response:
    return partial(request, "dash/notice_live.html", **_values(request, notice_id))


@router.post("/inbound/{notice_id}/close")
def close(
    request: Request,
    notice_id: Id,
    scope: Annotated[Scope, screen(MAY_CREATE, Of("notice", "notice_id"))],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Close a notice (nothing more is expected); it asks for the box ticked first."""
    to = f"/inbound/{notice_id}"
    if fields.get("confirm") != "yes":
        return flash(to, "refused", "unconfirmed")
    try:
        number = inbound.close_notice(
            engine_of(request), scope.user.username, notice_id, now=now_of(request)
        )
    except Rejection as exc:
        return flash(to, "refused", exc.reason)
    return flash(to, "closed", number)
