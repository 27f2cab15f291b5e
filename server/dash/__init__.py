"""The supervisors' dashboard: server-rendered pages, Chinese first, live through
server-sent events. Each module is one part of it; `router` gathers them."""

from __future__ import annotations

from fastapi import APIRouter

from server.dash import (
    doors,
    handovers,
    inbound,
    ledger,
    live,
    orders,
    overview,
    reports_page,
    session,
    stocktakes,
)

router = APIRouter(include_in_schema=False)
for part in (session, overview, doors, inbound, orders, stocktakes, ledger, reports_page, live):
    router.include_router(part.router)
router.include_router(handovers.router)
