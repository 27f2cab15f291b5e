"""Gateways (网关): each depot's gateway clients with their last report and sync
(server.services.gateways writes them), for the network's administrators (the `people`
permission, as the API's /api/v1/gateway-clients).

Registering a gateway shows its token once, on the answer to the post itself (not stored,
not redirected to, not cached: the server keeps only its hash, and the page shown again does
not have it). Revoking a gateway's token makes every call with it answered 401. Both go
through server.services.accounts, which writes the audit entry (never the token).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.forms import Filled, empty, flash, flash_of, form_of, read, spent
from server.dash.masterdata import NAMES
from server.dash.offsets import Pages
from server.dash.refusals import next_step
from server.domain.bounds import Offset
from server.domain.errors import AccountError, status_of
from server.domain.scope import Network
from server.services import accounts
from server.storage import people
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.people import MAY, GatewayIn

router = APIRouter(include_in_schema=False)
Admin = Annotated[Scope, screen(MAY, Network())]
ClientId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
MESSAGES = {"revoked": ("已吊销网关令牌", "Gateway token revoked")}


def _message(request: Request) -> tuple[str, str, Any] | None:
    found = flash_of(request)
    if found is None:
        return None
    key, arg = found
    if key in MESSAGES:
        return ("ok", arg, MESSAGES[key])
    if key == "refused":
        return ("refused", arg, next_step(AccountError(arg, "")))
    return None


def _shown(
    request: Request,
    scope: Scope,
    form: Filled[Any],
    refusal: AccountError | None = None,
    new: tuple[str, str] | None = None,
    status: int = 200,
    offset: int = 0,
) -> Response:
    engine = engine_of(request)
    rows = people.gateway_clients(engine, offset)
    answer = page(
        request,
        "dash/gateways.html",
        scope.user,
        status_code=status,
        rows=rows[: people.PAGE_ROWS],
        pages=Pages("/gateways?", offset, people.PAGE_ROWS, len(rows) > people.PAGE_ROWS),
        depots=people.depots(engine),
        admin_kinds=NAMES,
        form=form,
        refusal=refusal,
        new=new,
        message=_message(request),
        next_step=next_step,
    )
    if new is not None:  # the token: on this answer only
        answer.headers["Cache-Control"] = "no-store"
    return spent(request, answer)


@router.get("/gateways", response_class=HTMLResponse)
def gateways_page(request: Request, scope: Admin, offset: Offset = 0) -> Response:
    return _shown(request, scope, empty(), offset=offset)


@router.post("/gateways", response_class=HTMLResponse)
def register(
    request: Request, scope: Admin, fields: Annotated[dict[str, str], Depends(form_of)]
) -> Response:
    form = read(GatewayIn, fields)
    if form.model is None:
        return _shown(request, scope, form, status=422)
    body = form.model
    try:
        token = accounts.create_gateway_client(
            engine_of(request), body.client_id, body.warehouse, now_of(request), scope.user.username
        )
    except AccountError as exc:
        return _shown(request, scope, form, refusal=exc, status=status_of(exc.reason))
    return _shown(request, scope, empty(), new=(body.client_id, token))


@router.post("/gateways/{client_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    client_id: ClientId,
    scope: Admin,
    fields: Annotated[dict[str, str], Depends(form_of)],
) -> Response:
    if fields.get("confirm") != "yes":
        return flash("/gateways", "refused", "unconfirmed")
    try:
        accounts.revoke_gateway(engine_of(request), scope.user.username, client_id, now_of(request))
    except AccountError as exc:
        return flash("/gateways", "refused", exc.reason)
    return flash("/gateways", "revoked", client_id)
