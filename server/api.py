"""The central server's HTTP interface (FastAPI): the JSON API under /api/v1, health and
metrics, and the supervisors' pages. `create_app` wires it to a database engine; nothing
connects at import time."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import Engine, text

from server import auth, digest, errors, gateways, queries
from server.accounts_api import router as accounts_router
from server.bounds import Code, Count, Filter, Line, Offset, Ref
from server.dash import router as dashboard_router
from server.dash.common import forbidden
from server.deps import client_address
from server.dispatch_api import router as dispatch_router
from server.disposal_api import router as disposal_router
from server.events import Caller, ingest
from server.evidence import Policy
from server.gateway_api import router as gateway_router
from server.guard import (
    Forgery,
    NotForRole,
    NotFoundPage,
    NotSignedIn,
    Scope,
    anyone,
    device,
    no_forgery,
    person_or_device,
    require_rules,
)
from server.ledger_api import router as ledger_router
from server.master_api import router as master_router
from server.printing_api import router as printing_router
from server.scope import Named, Own, Shared
from server.stocktake_api import router as stocktake_router
from server.sync import BadCursor, Cursor, sync
from server.tables import STOCK_STATUSES
from server.workflows_api import router as workflows_router

MAX_BATCH = 1000
STATUS_PATTERN = f"^({'|'.join(STOCK_STATUSES)})$"


class EventBatch(BaseModel):
    gateway: str | None = Field(None, max_length=64)
    # Any JSON values: each event is checked on its own (server.eventcheck), so one that is
    # not an object is rejected in its place and never takes the batch down with it.
    events: list[Any] = Field(max_length=MAX_BATCH)


class BookLine(BaseModel):
    location: Ref
    item: Code
    batch: Code
    status: Code
    qty: Count


class BookIn(BaseModel):
    lines: list[BookLine] = Field(max_length=200_000)


class Credentials(BaseModel):
    username: Ref
    password: str = Field(min_length=1, max_length=256)


def create_app(engine: Engine, policy: Policy | None = None) -> FastAPI:
    app = FastAPI(
        title="depot-floor central server",
        version="1",
        description="Official ledger of the relief-material depots.",
        dependencies=[Depends(no_forgery)],
    )
    app.state.engine = engine
    app.state.policy = policy or Policy()
    errors.install(app)

    @app.get("/healthz", tags=["ops"], dependencies=[anyone(Shared())])
    def healthz() -> dict[str, str]:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise HTTPException(503, f"database unavailable: {type(exc).__name__}") from exc
        return {"status": "ok", "database": engine.dialect.name}

    @app.get(
        "/metrics", tags=["ops"], response_class=PlainTextResponse, dependencies=[anyone(Shared())]
    )
    def metrics() -> str:
        lines = [
            "# HELP depot_events_total Domain events received, by verdict.",
            "# TYPE depot_events_total counter",
        ]
        for status, count in sorted(queries.event_counts(engine).items()):
            lines.append(f'depot_events_total{{status="{status}"}} {count}')
        return "\n".join(lines) + "\n"

    @app.post("/api/v1/events", tags=["events"], responses=errors.answers(401, 422))
    def post_events(batch: EventBatch, scope: Annotated[Scope, device(Own())]) -> dict[str, Any]:
        """A batch of events from one gateway; the answer names each event's verdict (an
        event for another depot than the gateway's is refused, its neighbours go on)."""
        gateway = scope.device
        results = ingest(engine, Caller(gateway.client_id, gateway.warehouse), batch.events)
        return {"results": [r.to_dict() for r in results]}

    @app.get("/api/v1/stock", tags=["stock"], responses=errors.answers(401, 403, 422))
    def get_stock(
        scope: Annotated[Scope, person_or_device("read", Named("warehouse"))],
        warehouse: Filter | None = None,
        item: Filter | None = None,
        batch: Filter | None = None,
        location: Filter | None = None,
        status: Annotated[str | None, Query(pattern=STATUS_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        """Stock by warehouse, location and batch, with status; filters combine."""
        total, rows = queries.stock_rows(
            engine,
            queries.StockFilter(
                warehouse=scope.depot,
                item=item,
                batch=batch,
                location=location,
                status=status,
                limit=limit,
                offset=offset,
            ),
        )
        return {"total": total, "limit": limit, "offset": offset, "rows": rows}

    @app.get("/api/v1/sync", tags=["events"], responses=errors.answers(401, 422))
    def get_sync(
        scope: Annotated[Scope, device(Own())],
        cursor: Line | None = None,
        master: Ref | None = None,
    ) -> dict[str, Any]:
        """What the gateway needs offline, for its own warehouse; pass back the cursor of the
        previous answer to get only what changed since, and its `master` fingerprint to skip
        the catalogue and locations while they are unchanged."""
        try:
            answer = sync(engine, scope.named, Cursor.decode(cursor) if cursor else None, master)
        except BadCursor as exc:
            raise HTTPException(422, str(exc)) from exc
        gateways.record_sync(engine, scope.named, scope.device.client_id)
        return answer

    @app.get("/api/v1/ledger/digest", tags=["events"], responses=errors.answers(401))
    def get_digest(scope: Annotated[Scope, device(Own())]) -> dict[str, Any]:
        """The fingerprint of the warehouse's stock lines (账账相符): equal to the gateway's
        own digest when both books agree."""
        book = digest.central_book(engine, scope.named)
        return {"warehouse": scope.named, "lines": len(book), "digest": digest.digest(book)}

    @app.post("/api/v1/ledger/compare", tags=["events"], responses=errors.answers(401, 422))
    def post_compare(body: BookIn, scope: Annotated[Scope, device(Own())]) -> dict[str, Any]:
        """The gateway's book against the central one: every line that differs."""
        try:
            local = digest.book_of(line.model_dump() for line in body.lines)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        central = digest.central_book(engine, scope.named)
        differences = digest.compare(central, local)
        return {
            "warehouse": scope.named,
            "agree": not differences,
            "central_digest": digest.digest(central),
            "local_digest": digest.digest(local),
            "differences": [asdict(d) for d in differences],
        }

    @app.post(
        "/api/v1/sessions",
        tags=["auth"],
        dependencies=[anyone(Shared())],
        responses=errors.answers(401, 422, 429),
    )
    def create_session(credentials: Credentials, request: Request) -> dict[str, str]:
        """Log in; the token goes in `Authorization: Bearer ...`. Failed logins slow down
        further attempts for the name and from the address (429 with Retry-After)."""
        try:
            result = auth.login(
                engine, credentials.username, credentials.password, client_address(request)
            )
        except auth.Throttled as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(exc.retry_after)}
            ) from exc
        if result is None:
            raise HTTPException(401, "wrong user name or password")
        token, expires = result
        return {"token": token, "expires_at": expires.isoformat()}

    app.include_router(workflows_router)
    app.include_router(accounts_router)
    app.include_router(stocktake_router)
    app.include_router(dispatch_router)
    app.include_router(gateway_router)
    app.include_router(master_router)
    app.include_router(printing_router)
    app.include_router(disposal_router)
    app.include_router(ledger_router)
    app.include_router(dashboard_router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(NotSignedIn)
    async def to_login(request: Request, exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(NotForRole)
    async def not_for_role(request: Request, exc: NotForRole) -> Response:
        return forbidden(request, str(exc))

    @app.exception_handler(Forgery)
    async def forgery(request: Request, exc: Forgery) -> Response:
        if "json" in request.headers.get("content-type", ""):
            return JSONResponse({"detail": {"reason": "csrf", "detail": str(exc)}}, 403)
        return forbidden(request, str(exc))

    @app.exception_handler(NotFoundPage)
    async def not_found(request: Request, exc: NotFoundPage) -> Response:
        return forbidden(request, str(exc), status_code=404)

    require_rules(app)
    return app
