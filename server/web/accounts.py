"""A person's own floor PIN over HTTP: `PUT /api/v1/me/floor-pin`, `DELETE` to remove it.

The PIN opens the floor pages of the person's depot at its gateway
(server/services/floor_access.py); the gateway receives its hash at its next sync. Administrators
set or remove anyone's with
`depot server set-floor-pin`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from server.domain.scope import Own
from server.services.floor_access import PIN_MAX, PIN_MIN, set_floor_pin
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1/me", tags=["auth"], responses=answers(401, 403, 422))


class FloorPin(BaseModel):
    pin: str = Field(min_length=PIN_MIN, max_length=PIN_MAX)


@router.put("/floor-pin", status_code=204)
def put_floor_pin(
    body: FloorPin,
    request: Request,
    scope: Annotated[Scope, person("floor", Own())],
) -> Response:
    """Set one's own floor PIN (6-64 characters, not one's password)."""
    user = scope.user
    set_floor_pin(
        engine_of(request), user.username, body.pin, actor=user.username, now=now_of(request)
    )
    return Response(status_code=204)


@router.delete("/floor-pin", status_code=204)
def delete_floor_pin(request: Request, scope: Annotated[Scope, person("floor", Own())]) -> Response:
    """No floor sign-on for oneself any more (until a PIN is set again)."""
    user = scope.user
    set_floor_pin(engine_of(request), user.username, None, actor=user.username, now=now_of(request))
    return Response(status_code=204)
