"""GET /live: server-sent events telling a page that what it shows may have changed.

The server keeps nothing in memory for it (a second instance serves the same stream): each
stream looks at the ledger's own markers once a second (the newest event per depot in view,
the last posting of each ledger, the last audit entry about the depots in view, the gateways'
last reports) and sends `change` when they move. The page then fetches its live regions
again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, func, select

from server.dash.overview import THE_DEPOT
from server.domain.bounds import Filter
from server.storage.tables import audit_log, events, gateway_status, ledger_heads, warehouses
from server.web.deps import engine_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


def markers(engine: Engine, depot: str | None) -> tuple[Any, ...]:
    """What moves when anything a page shows changes, read from indexes only."""
    with engine.connect() as conn:
        codes = [depot] if depot else list(conn.execute(select(warehouses.c.code)).scalars())
        newest = tuple(
            conn.execute(
                select(func.max(events.c.received_at)).where(events.c.warehouse == code)
            ).scalar()
            for code in codes
        )
        heads = select(ledger_heads.c.warehouse, ledger_heads.c.last_posting_id)
        if depot:
            heads = heads.where(ledger_heads.c.warehouse == depot)
        ledger = tuple(sorted(tuple(r) for r in conn.execute(heads)))
        entries = select(func.max(audit_log.c.id))
        if depot:
            entries = entries.where(audit_log.c.warehouse == depot)
        audit = conn.execute(entries).scalar()
        reports = select(
            func.max(gateway_status.c.reported_at), func.max(gateway_status.c.last_sync_at)
        )
        if depot:
            reports = reports.where(gateway_status.c.warehouse == depot)
        gateways = tuple(conn.execute(reports).one())
    return (newest, ledger, audit, gateways)


async def stream(request: Request, engine: Engine, depot: str | None) -> AsyncIterator[str]:
    yield "retry: 3000\n\n"
    last = await run_in_threadpool(markers, engine, depot)
    quiet = 0.0
    while not await request.is_disconnected():
        await asyncio.sleep(POLL_SECONDS)
        now = await run_in_threadpool(markers, engine, depot)
        if now != last:
            last, quiet = now, 0.0
            yield f"event: change\ndata: {json.dumps({'depot': depot})}\n\n"
        else:
            quiet += POLL_SECONDS
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": still here\n\n"


@router.get("/live")
def live(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> StreamingResponse:
    return StreamingResponse(
        stream(request, engine_of(request), scope.depot),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
