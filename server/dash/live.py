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
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from server.dash.overview import THE_DEPOT
from server.domain.bounds import Filter
from server.storage.dashboard import markers
from server.web.deps import engine_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


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
