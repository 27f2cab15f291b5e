"""The EPCIS 2.0 REST query interface: `GET /api/v1/epcis/events` (server.domain.epcis_query
reads its parameters; server.storage.epcis_log finds the events).

The answer is an EPCISQueryDocument (JSON-LD) of at most `perPage` events, each with its
`recordTime`, by depot and in each depot's ledger order; when more follow, a `Link` header
names the next page (`rel="next"`, the same query with `nextPageToken`). A person sees the
depots their role and depot allow, as on every other route.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from server.domain import epcis, epcis_query
from server.domain.bounds import Filter
from server.domain.scope import Named
from server.storage import epcis_log
from server.web.deps import engine_of, now_of
from server.web.errors import answers
from server.web.guard import Scope, person

VERSIONS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}
LD: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}
}

router = APIRouter(prefix="/api/v1/epcis", tags=["epcis"], responses=answers(400, 401, 403, 422))


@router.get("/events", response_class=JSONResponse, responses=LD)
def get_events(
    request: Request,
    scope: Annotated[Scope, person("read", Named("warehouse"))],
    warehouse: Filter | None = None,
) -> JSONResponse:
    """Events by the EPCIS 2.0 standard query parameters (eventType, GE_/LT_eventTime,
    GE_/LT_recordTime, EQ_action, EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation,
    MATCH_epcClass, EQ_eventID, perPage, nextPageToken)."""
    visible = (scope.depot,) if scope.depot else None
    query = epcis_query.read(epcis_query.once(request.query_params.multi_items()), visible)
    with engine_of(request).connect() as conn:
        found, more = epcis_log.page(conn, query)
    events = [{**f.event, "recordTime": f.record_time.isoformat()} for f in found]
    headers = dict(VERSIONS)
    if more:
        last = found[-1]
        following = request.url.include_query_params(
            nextPageToken=epcis_query.token(last.warehouse, last.seq)
        )
        headers["Link"] = f'<{following}>; rel="next"'
    return JSONResponse(
        epcis.query_document(events, now_of(request)),
        media_type="application/ld+json",
        headers=headers,
    )
