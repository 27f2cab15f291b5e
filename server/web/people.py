"""People's accounts and the gateways' tokens over HTTP, for the network's administrators
(the `people` permission; unbound callers only): list, create, change a role or depot,
disable and enable again, reset a password; register a gateway (its token in the answer,
once) and revoke it.
The people page (server/dash/people.py) reads its forms with these models and calls the same
services (server/services/accounts.py), which write the audit entries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from kernel.passwords import MAX_LENGTH, MIN_LENGTH
from server.domain.bounds import LINE, PRINTABLE, Code, Name, Offset
from server.domain.scope import Network
from server.services import accounts
from server.storage import people
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1", tags=["people"], responses=answers(401, 403, 404, 409, 422))
MAY = "people"
# a username or a gateway's name: letters, digits, dot, dash, underscore
Username = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Role = Literal["admin", "supervisor", "keeper", "dispatcher", "auditor"]
Password = Annotated[
    str, Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH, pattern=LINE), PRINTABLE
]


class UserIn(BaseModel):
    username: Username
    display_name: Name | None = None
    role: Role
    warehouse: Code | None = None  # none: the whole network
    password: Password


class UserChange(BaseModel):
    role: Role
    warehouse: Code | None = None


class PasswordIn(BaseModel):
    password: Password


class GatewayIn(BaseModel):
    client_id: Username
    warehouse: Code


Who = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Admin = Annotated[Scope, person(MAY, Network())]


@router.get("/users", dependencies=[person(MAY, Network())])
def list_users(request: Request, offset: Offset = 0) -> list[dict[str, Any]]:
    """A page of the accounts by username (100; `offset` for the next)."""
    return people.people(engine_of(request), offset)[: people.PAGE_ROWS]


@router.post("/users", status_code=201)
def create_user(body: UserIn, request: Request, scope: Admin) -> dict[str, str]:
    accounts.create_user(
        engine_of(request),
        body.username,
        body.password,
        role=body.role,
        now=now_of(request),
        display_name=body.display_name,
        warehouse=body.warehouse,
        actor=scope.user.username,
    )
    return {"username": body.username}


@router.put("/users/{username}", status_code=204)
def change_user(
    username: Who,
    body: UserChange,
    request: Request,
    scope: Admin,
) -> Response:
    accounts.change_user(
        engine_of(request),
        scope.user.username,
        username,
        role=body.role,
        warehouse=body.warehouse,
        now=now_of(request),
    )
    return Response(status_code=204)


@router.post("/users/{username}/disable", status_code=204)
def disable_user(username: Who, request: Request, scope: Admin) -> Response:
    accounts.disable_user(engine_of(request), scope.user.username, username, now_of(request))
    return Response(status_code=204)


@router.post("/users/{username}/enable", status_code=204)
def enable_user(username: Who, request: Request, scope: Admin) -> Response:
    accounts.enable_user(engine_of(request), scope.user.username, username, now_of(request))
    return Response(status_code=204)


@router.put("/users/{username}/password", status_code=204)
def reset_password(
    username: Who,
    body: PasswordIn,
    request: Request,
    scope: Admin,
) -> Response:
    accounts.reset_password(
        engine_of(request), scope.user.username, username, body.password, now_of(request)
    )
    return Response(status_code=204)


@router.get("/gateway-clients", dependencies=[person(MAY, Network())])
def list_gateways(request: Request, offset: Offset = 0) -> list[dict[str, Any]]:
    """A page of the gateway clients by depot (100; `offset` for the next)."""
    return people.gateway_clients(engine_of(request), offset)[: people.PAGE_ROWS]


@router.post("/gateway-clients", status_code=201)
def register_gateway(body: GatewayIn, request: Request, scope: Admin) -> dict[str, str]:
    """The token is in this answer only: the server keeps its hash."""
    token = accounts.create_gateway_client(
        engine_of(request), body.client_id, body.warehouse, now_of(request), scope.user.username
    )
    return {"client_id": body.client_id, "token": token}


@router.post("/gateway-clients/{client_id}/revoke", status_code=204)
def revoke_gateway(client_id: Who, request: Request, scope: Admin) -> Response:
    accounts.revoke_gateway(engine_of(request), scope.user.username, client_id, now_of(request))
    return Response(status_code=204)
