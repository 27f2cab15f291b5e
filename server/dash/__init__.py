"""The supervisors' dashboard: server-rendered pages, Chinese first, live through
server-sent events. Each module is one part of it; `router` gathers them."""

from __future__ import annotations

from fastapi import APIRouter

from server.dash import (
    acceptance,
    admin,
    agency,
    coverage,
    decision,
    dispatching,
    disposal,
    doors,
    handovers,
    inbound,
    labels,
    ledger,
    live,
    order_steps,
    orders,
    overview,
    reports_page,
    returns_page,
    session,
    stocktake_steps,
    stocktakes,
    upward,
)

router = APIRouter(include_in_schema=False)
for part in (
    session,
    overview,
    doors,
    agency,
    inbound,
    dispatching,
    order_steps,
    acceptance,
    orders,
    stocktakes,
    ledger,
    reports_page,
    upward,
    coverage,
    disposal,
    decision,
    returns_page,
    live,
):
    router.include_router(part.router)
router.include_router(stocktake_steps.router)  # a round's steps, after its pages
router.include_router(admin.router)  # master data, people, gateways
router.include_router(handovers.router)
router.include_router(labels.router)
