"""The steps of a stocktake round on its page (盘点, art. 12(3)): close it (which asks for
recounts where a variance passes the tolerance), give each variance its reason, mark lines
that will not be counted, and approve the adjustments (another supervisor: not one who counted
or closed, server/domain/duties.py). Each step declares the API route's permission and the
round's depot (`screen`), reads its form against the API's own model, calls the same service
as the API (which writes the audit entry), and answers with the round's page: a redirect with
a one-time message, or the page again with the field errors or the refusal as the next step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from server.dash.forms import flash, form_of, read
from server.dash.stocktakes import MAY_APPROVE, MAY_RUN, THE_ROUND, round_page
from server.domain.bounds import Id
from server.domain.errors import Rejection, status_of
from server.services import stocktake, stocktake_close
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.stocktakes import ReasonIn, SkipsIn

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=BaseModel)


def _to(stocktake_id: int) -> str:
    return f"/stocktakes/{stocktake_id}"


@router.post("/stocktakes/{stocktake_id}/close")
def close(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen(MAY_RUN, THE_ROUND)],
) -> Response:
    """Reconcile every line; lines over the tolerance are asked again (the round stays
    counting), else the round closes. Lines neither counted nor marked refuse it, named."""
    try:
        summary = stocktake_close.close(
            engine_of(request), scope.user.username, stocktake_id, now_of(request)
        )
    except Rejection as exc:
        if exc.reason == "lines_not_counted":  # the page names the lines to count or mark
            return round_page(request, scope, stocktake_id, refusal=exc, status=409)
        return flash(_to(stocktake_id), "refused", exc.reason)
    if summary.recounts:
        return flash(_to(stocktake_id), "recounts", str(summary.recounts))
    return flash(_to(stocktake_id), "closed", f"#{stocktake_id}")


def _step(
    request: Request,
    scope: Scope,
    stocktake_id: int,
    fields: dict[str, str],
    model: type[M],
    act: Callable[[M], tuple[str, str]],
) -> Response:
    """A step with a form: read against the API's model, done by `act` (the service call,
    answering the message's key and argument), or the page again with the field errors or the
    refusal."""
    form = read(model, fields)
    if form.model is None:
        return round_page(request, scope, stocktake_id, form=form, status=422)
    try:
        key, arg = act(form.model)
    except Rejection as exc:
        return round_page(request, scope, stocktake_id, form, exc, status_of(exc.reason))
    return flash(_to(stocktake_id), key, arg)


@router.post("/stocktakes/{stocktake_id}/reasons")
def give_reason(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen(MAY_RUN, THE_ROUND)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    def act(body: ReasonIn) -> tuple[str, str]:
        stocktake.set_reason(
            engine_of(request), scope.user.username, stocktake_id, body.location, body.item,
            body.batch, body.reason, now=now_of(request),
        )  # fmt: skip
        return "reason", f"{body.location} {body.batch}"

    return _step(request, scope, stocktake_id, fields, ReasonIn, act)


@router.post("/stocktakes/{stocktake_id}/not-counted")
def mark_not_counted(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen(MAY_RUN, THE_ROUND)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    def act(body: SkipsIn) -> tuple[str, str]:
        marks = [stocktake.Skip(x.location, x.item, x.batch, x.reason, x.note) for x in body.lines]
        marked = stocktake.mark_not_counted(
            engine_of(request), scope.user.username, stocktake_id, marks, now_of(request)
        )
        return "marked", str(marked)

    return _step(request, scope, stocktake_id, fields, SkipsIn, act)


@router.post("/stocktakes/{stocktake_id}/approve")
def approve(
    request: Request,
    stocktake_id: Id,
    scope: Annotated[Scope, screen(MAY_APPROVE, THE_ROUND)],
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    """Post the adjustments; one's own count or close is refused, shown as the next step."""
    if fields.get("confirm") != "yes":
        return flash(_to(stocktake_id), "refused", "unconfirmed")
    try:
        approval = stocktake_close.approve(
            engine_of(request), scope.user.username, stocktake_id, now=now_of(request)
        )
    except Rejection as exc:
        return flash(_to(stocktake_id), "refused", exc.reason)
    return flash(_to(stocktake_id), "approved", f"#{approval}")
