"""A gateway reports on itself: its devices, its outbox, its disk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request

from server import gateways
from server.deps import engine_of
from server.errors import answers
from server.guard import Scope, device
from server.scope import Own

router = APIRouter(prefix="/api/v1/gateway", tags=["events"], responses=answers(401, 422))


@router.post("/report")
def report(
    body: dict[str, Any],
    request: Request,
    scope: Annotated[Scope, device(Own())],
) -> dict[str, str]:
    """The gateway's devices (state, door, last seen, reads in the last ten minutes), outbox
    depth and age, disk; replaces its previous report."""
    try:
        gateways.record_report(engine_of(request), scope.named, scope.device.client_id, body)
    except gateways.ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"warehouse": scope.named, "status": "recorded"}
