"""The core of the API: health and metrics, floor events in, stock out, the gateways' offline
copy and ledger comparison, and sessions for people."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from kernel.sscc_serials import parse as used_serials
from server.domain.bounds import Code, Count, Filter, Line, Offset, Ref, UsedSscc
from server.domain.scope import Named, Own, Shared
from server.services import auth, coverage, digest, gateways
from server.services.events import Caller, ingest
from server.services.sync import Cursor, sync
from server.storage import db, queries
from server.storage.tables import STOCK_STATUSES
from server.web import errors
from server.web.deps import client_address, engine_of, now_of, reach_of
from server.web.guard import Scope, anyone, device, person, person_or_device

router = APIRouter()

MAX_BATCH = 1000
STATUS_PATTERN = f"^({'|'.join(STOCK_STATUSES)})$"


class EventBatch(BaseModel):
    gateway: str | None = Field(None, max_length=64)
    # Any JSON values: each event is checked on its own (server.domain.eventcheck), so one that is
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


@router.get("/healthz", tags=["ops"], dependencies=[anyone(Shared())])
def healthz(request: Request) -> dict[str, str]:
    engine = engine_of(request)
    try:
        db.ping(engine)
    except Exception as exc:
        raise HTTPException(503, f"database unavailable: {type(exc).__name__}") from exc
    return {"status": "ok", "database": engine.dialect.name}


@router.get(
    "/metrics", tags=["ops"], response_class=PlainTextResponse, dependencies=[anyone(Shared())]
)
def metrics(request: Request) -> str:
    engine = engine_of(request)
    lines = [
        "# HELP depot_events_total Domain events received, by verdict.",
        "# TYPE depot_events_total counter",
    ]
    for status, count in sorted(queries.event_counts(engine).items()):
        lines.append(f'depot_events_total{{status="{status}"}} {count}')
    return "\n".join(lines) + "\n"


@router.post("/api/v1/events", tags=["events"], responses=errors.answers(401, 422))
def post_events(
    batch: EventBatch, scope: Annotated[Scope, device(Own())], request: Request
) -> dict[str, Any]:
    """A batch of events from one gateway; the answer names each event's verdict (an
    event for another depot than the gateway's is refused, its neighbours go on)."""
    engine = engine_of(request)
    gateway = scope.device
    results = ingest(
        engine, Caller(gateway.client_id, gateway.warehouse), batch.events, now=now_of(request)
    )
    return {"results": [r.to_dict() for r in results]}


@router.get("/api/v1/stock", tags=["stock"], responses=errors.answers(401, 403, 422))
def get_stock(
    request: Request,
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
    engine = engine_of(request)
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


@router.get("/api/v1/coverage", tags=["stock"], responses=errors.answers(401, 403, 404, 422))
def get_coverage(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Filter | None = None,
) -> dict[str, Any]:
    """The 2-hour coverage (docs/dashboard.md): per place and key item, the depot holding the
    item that reaches the place soonest, its distance and hours, and whether it is in time;
    by the named depot alone (a depot's people: their own), else by every depot."""
    engine = engine_of(request)
    if scope.depot is not None and not queries.is_depot(engine, scope.depot):
        raise HTTPException(404, f"no depot {scope.depot}")
    view = coverage.coverage_of(engine, scope.depot, reach_of(request), now_of(request))
    return coverage.as_json(view)


@router.get("/api/v1/sync", tags=["events"], responses=errors.answers(401, 422))
def get_sync(
    request: Request,
    scope: Annotated[Scope, device(Own())],
    cursor: Line | None = None,
    master: Ref | None = None,
    sscc: Annotated[list[UsedSscc] | None, Query(max_length=10)] = None,
) -> dict[str, Any]:
    """What the gateway needs offline, for its own warehouse; pass back the cursor of the
    previous answer to get only what changed since, and its `master` fingerprint to skip
    the catalogue and locations while they are unchanged. `sscc` names the highest SSCC
    serial the gateway has used under a GS1 prefix (`PREFIX.EXTENSION.HIGH`, once per
    prefix): the server keeps the highest and gives it back in `sscc_serials`."""
    engine = engine_of(request)
    if sscc:
        used = [used_serials(text) for text in sscc]
        gateways.record_serials(engine, scope.named, used, now=now_of(request))
    answer = sync(engine, scope.named, Cursor.decode(cursor) if cursor else None, master)
    gateways.record_sync(engine, scope.named, scope.device.client_id, now=now_of(request))
    return answer


@router.get("/api/v1/ledger/digest", tags=["events"], responses=errors.answers(401))
def get_digest(scope: Annotated[Scope, device(Own())], request: Request) -> dict[str, Any]:
    """The fingerprint of the warehouse's stock lines (账账相符): equal to the gateway's
    own digest when both books agree."""
    engine = engine_of(request)
    book = digest.central_book(engine, scope.named)
    return {"warehouse": scope.named, "lines": len(book), "digest": digest.digest(book)}


@router.post("/api/v1/ledger/compare", tags=["events"], responses=errors.answers(401, 422))
def post_compare(
    body: BookIn, scope: Annotated[Scope, device(Own())], request: Request
) -> dict[str, Any]:
    """The gateway's book against the central one: every line that differs."""
    engine = engine_of(request)
    local = digest.book_of(line.model_dump() for line in body.lines)
    central = digest.central_book(engine, scope.named)
    differences = digest.compare(central, local)
    return {
        "warehouse": scope.named,
        "agree": not differences,
        "central_digest": digest.digest(central),
        "local_digest": digest.digest(local),
        "differences": [asdict(d) for d in differences],
    }


@router.post(
    "/api/v1/sessions",
    tags=["auth"],
    dependencies=[anyone(Shared())],
    responses=errors.answers(401, 422, 429),
)
def create_session(credentials: Credentials, request: Request) -> dict[str, str]:
    """Log in; the token goes in `Authorization: Bearer ...`. Failed logins slow down
    further attempts for the name and from the address (429 with Retry-After)."""
    engine = engine_of(request)
    result = auth.login(
        engine,
        credentials.username,
        credentials.password,
        now_of(request),
        client_address(request),
    )
    if result is None:
        raise HTTPException(401, "wrong user name or password")
    token, expires = result
    return {"token": token, "expires_at": expires.isoformat()}
