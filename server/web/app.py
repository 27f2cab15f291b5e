"""The central server's HTTP interface (FastAPI): the JSON API under /api/v1, health and
metrics, and the supervisors' pages. `create_app` wires it to a database engine and a clock
(kernel/clock.py: the one place the server's requests learn the time, `deps.now_of`); nothing
connects at import time."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from kernel.clock import Clock
from server.dash import router as dashboard_router
from server.dash.region_cache import RegionCache
from server.domain.coverage import Reach
from server.domain.evidence import Policy
from server.web import errors
from server.web.accounts import router as accounts_router
from server.web.core import router as core_router
from server.web.dispatch import router as dispatch_router
from server.web.disposal import router as disposal_router
from server.web.epcis import router as epcis_router
from server.web.gateways import router as gateway_router
from server.web.guard import (
    no_forgery,
    require_rules,
)
from server.web.ledger import router as ledger_router
from server.web.master import router as master_router
from server.web.papers import router as printing_router
from server.web.people import router as people_router
from server.web.print_requests import router as print_requests_router
from server.web.stocktakes import router as stocktake_router
from server.web.timing import ServerTiming
from server.web.workflows import router as workflows_router


def create_app(
    engine: Engine, clock: Clock, policy: Policy | None = None, reach: Reach | None = None
) -> FastAPI:
    app = FastAPI(
        title="depot-floor central server",
        version="1",
        description="Official ledger of the relief-material depots.",
        dependencies=[Depends(no_forgery)],
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.policy = policy or Policy()
    app.state.reach = reach or Reach()  # the coverage view's speeds, limit and key items
    app.state.regions = RegionCache()  # live regions worked out once per change
    errors.install(app)
    app.add_middleware(ServerTiming)  # outermost: the whole of the server's time

    app.include_router(core_router)
    app.include_router(workflows_router)
    app.include_router(epcis_router)
    app.include_router(accounts_router)
    app.include_router(stocktake_router)
    app.include_router(dispatch_router)
    app.include_router(gateway_router)
    app.include_router(master_router)
    app.include_router(people_router)
    app.include_router(printing_router)
    app.include_router(print_requests_router)
    app.include_router(disposal_router)
    app.include_router(ledger_router)
    app.include_router(dashboard_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parents[1] / "static"), name="static")

    require_rules(app)
    return app
