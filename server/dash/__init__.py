"""The supervisors' dashboard: server-rendered pages, Chinese first, live through
server-sent events. Each module is one part of it; `router` gathers them."""

from __future__ import annotations

from fastapi import APIRouter

from server.dash import doors, live, orders, overview, session, stocktakes

router = APIRouter(include_in_schema=False)
for part in (session, overview, doors, orders, stocktakes, live):
    router.include_router(part.router)
