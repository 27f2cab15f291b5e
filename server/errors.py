"""Error answers, in one place: a domain refusal's HTTP status, the shape of every 4xx body,
and the handlers that turn a refusal or an input that breaks a bound into that body.

A route raises `Rejection(reason, detail)` (server.floor) and never picks a status itself:
the reason code decides it here. Inputs are checked where they enter (server.bounds); the
validation answer names the field and what is wrong with it, without echoing the input (it
may be large, or text that cannot be written as UTF-8).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.paperfont import FontMissing
from server.bounds import shown
from server.floor import Rejection

# The largest request body taken: a master data file (20 MB) or a batch of 1,000 events of
# at most 16 KiB each, with room for their envelopes.
MAX_BODY = 32 * 2**20

# Reason codes by the status they answer with; any other refusal is 422 (the request breaks
# a rule). Floor events carry the same status per event in the batch's answer.
REASON_STATUS: dict[int, frozenset[str]] = {
    400: frozenset({"bad_event_id"}),
    403: frozenset({"same_person", "role_not_allowed", "warehouse_not_allowed"}),
    404: frozenset(
        {
            "unknown_order",
            "unknown_notice",
            "unknown_supplier",
            "unknown_warehouse",
            "unknown_place",
            "unknown_item",
            "unknown_gtin",
            "unknown_batch",
            "unknown_location",
            "unknown_stocktake",
            "unknown_line",
            "unknown_zone",
            "unknown_handover",
            "unknown_proposal",
            "unknown_acceptance",
        }
    ),
    409: frozenset(
        {
            "duplicate_number",
            "not_open",
            "busy",
            "notice_closed",
            "already_arrived",
            "nothing_to_hand_over",
            "insufficient_stock",
            "not_counting",
            "not_closed",
            "reason_missing",
            "stock_limit",
            "already_decided",
            "lines_not_counted",
            "not_returned",
            "over_rejected",
            "not_on_pick_list",
            "over_pick_list",
        }
    ),
}


def status_of(reason: str) -> int:
    for status, reasons in REASON_STATUS.items():
        if reason in reasons:
            return status
    return 422


class Refusal(BaseModel):
    reason: str
    detail: str


class Issue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class RowError(BaseModel):
    line: int
    message: str


class ImportErrors(BaseModel):
    imported: int
    errors: list[RowError]


class Problem(BaseModel):
    """Every 4xx answer: a sentence, a refusal with its reason code, the fields that broke
    their bounds, or the lines of a master data file that cannot be imported."""

    detail: str | Refusal | list[Issue] | ImportErrors


DESCRIPTIONS = {
    400: "The body is not JSON the server can read",
    401: "No valid session or token",
    403: "Not allowed for this role, depot or gateway",
    404: "A record the request names does not exist",
    409: "Refused in the current state (stock, status, a number already used)",
    413: "The body or the upload is too large",
    422: "An input breaks its bounds, or the request breaks a rule (reason code)",
    429: "Too many failed logins; try again after Retry-After seconds",
    503: "The papers' font is not installed (Debian's fonts-wqy-zenhei): no PDF until it is",
}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
# The 200 answers of routes that give files.
TABLES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or the file asked for with format=csv or format=xlsx",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            XLSX: _BINARY,
        },
    }
}
PDF: dict[int | str, dict[str, Any]] = {
    200: {"description": "A PDF to print", "content": {"application/pdf": _BINARY}},
    503: {"model": Problem, "description": DESCRIPTIONS[503]},
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error answers a route gives."""
    return {s: {"model": Problem, "description": DESCRIPTIONS[s]} for s in statuses}


def refused(exc: Rejection) -> JSONResponse:
    body = {"detail": {"reason": exc.reason, "detail": shown(str(exc), 500)}}
    return JSONResponse(body, status_code=status_of(exc.reason))


def _issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [p if isinstance(p, int) else shown(p, 64) for p in e.get("loc", ())],
            "msg": shown(e.get("msg", ""), 300),
            "type": shown(e.get("type", ""), 64),
        }
        for e in exc.errors()[:20]
    ]


class BodyLimit:
    """A body declared larger than any route takes is refused (413) before it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > MAX_BODY:
                body = {"detail": f"a request body may be {MAX_BODY // 2**20} MiB at most"}
                await JSONResponse(body, status_code=413)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(Rejection)
    async def on_rejection(request: Request, exc: Rejection) -> Response:
        return refused(exc)

    @app.exception_handler(FontMissing)
    async def on_no_font(request: Request, exc: FontMissing) -> Response:
        # the papers cannot be printed until the font is installed; the rest serves on
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"detail": _issues(exc)}, status_code=422)

    app.add_middleware(BodyLimit)

    schema_of = app.openapi

    def openapi() -> dict[str, Any]:
        """The app's schema, with the answers any route with a body gives before it is
        reached: 400 for a body that is not JSON, 413 for one over MAX_BODY."""
        if app.openapi_schema is None:
            for operation in _operations(schema_of()):
                if "requestBody" in operation:
                    operation["responses"].setdefault("400", _problem(400))
                    operation["responses"].setdefault("413", _problem(413))
        return schema_of()

    app.openapi = openapi  # type: ignore[method-assign]


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for path in schema.get("paths", {}).values() for op in path.values()]
