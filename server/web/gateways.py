"""A gateway reports on itself: its devices, its outbox, its disk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from server.domain.scope import Own
from server.services import gateways
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, device

router = APIRouter(prefix="/api/v1/gateway", tags=["events"], responses=answers(401, 422))


@router.post("/report")
def report(
    body: dict[str, Any],
    request: Request,
    scope: Annotated[Scope, device(Own())],
) -> dict[str, str]:
    """The gateway's devices (state, door, last seen, reads in the last ten minutes), outbox
    depth and age, disk; replaces its previous report."""
    gateways.record_report(
        engine_of(request), scope.named, scope.device.client_id, body, now=now_of(request)
    )
    return {"warehouse": scope.named, "status": "recorded"}
