"""The ledger's signed checkpoints over HTTP, for auditors (server.services.checkpoints).

`GET /api/v1/ledger/checkpoints?warehouse=LC01&after=0` answers one JSON line per checkpoint,
exactly as `depot server export-checkpoints` writes them, oldest first: a supervising bureau
appends each answer to the file it keeps, and asks next time with `after` set to the last
`id` it holds. A depot's own auditors get their depot's checkpoints only; people bound to no
depot get every depot's, and the network's (`warehouse=*`: audit entries about no depot).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from server.domain.bounds import MAX_ID
from server.domain.scope import Named
from server.services import checkpoints
from server.web.deps import engine_of
from server.web.errors import answers
from server.web.guard import Scope, person

router = APIRouter(prefix="/api/v1", tags=["ledger"], responses=answers(401, 403, 422))
MAX_LINES = 10_000
NDJSON = "application/x-ndjson"
LINES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One checkpoint per line: {id, body, signature, public_key}",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    }
}


@router.get("/ledger/checkpoints", response_class=Response, responses=LINES)
def get_checkpoints(
    request: Request,
    scope: Annotated[Scope, person("audit", Named("warehouse"))],
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LINES)] = MAX_LINES,
) -> Response:
    """The signed ends of the depot's chains after checkpoint `after`, one JSON line each."""
    lines = checkpoints.export(engine_of(request), scope.depot, after, limit)
    return Response("".join(line + "\n" for line in lines), media_type=NDJSON)
