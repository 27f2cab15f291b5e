"""A gateway reports on itself: its devices, its outbox, its disk."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from server import auth, gateways
from server.deps import engine_of, require_device
from server.errors import answers

router = APIRouter(prefix="/api/v1/gateway", tags=["events"], responses=answers(401, 422))


@router.post("/report")
def report(
    body: dict[str, Any],
    request: Request,
    device: Annotated[auth.Device, Depends(require_device)],
) -> dict[str, str]:
    """The gateway's devices (state, door, last seen, reads in the last ten minutes), outbox
    depth and age, disk; replaces its previous report."""
    try:
        gateways.record_report(engine_of(request), device.warehouse, device.client_id, body)
    except gateways.ReportError as exc:
        raise HTTPException(422, str(exc)) from exc
    return {"warehouse": device.warehouse, "status": "recorded"}
