"""Error answers, in one place: the shape of every 4xx body, and the one handler that turns
any error of the server's tree (server.domain.errors) into its answer, a page for the
dashboard or that body for the API.

A route, a service or a rule raises an error of the tree and never picks a status itself,
and no route catches one to translate it: `answer` looks the class up here, nearest first
(`ANSWERS`). A refusal's status comes from its reason code (server.domain.errors). Inputs are
checked where they enter (server.domain.bounds); the validation answer names the field and what is
wrong with it, without echoing the input (it may be large, or text that cannot be written as UTF-8).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from kernel.paperfont import FontMissing
from server.domain.bounds import shown
from server.domain.errors import (
    AccountError,
    DepotError,
    Forgery,
    ImportRefused,
    Invalid,
    NotForRole,
    NotFoundPage,
    NotSignedIn,
    Refused,
    Rejection,
    Throttled,
    status_of,
)

# The largest request body taken: a master data file (20 MB) or a batch of 1,000 events of
# at most 16 KiB each, with room for their envelopes.
MAX_BODY = 32 * 2**20


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
    column: str = ""  # the column the error is in, "" for the line as a whole
    message_zh: str = ""


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


def _rejection(request: Request, exc: Rejection) -> Response:
    return refused(exc)


def _refused(request: Request, exc: Refused) -> Response:
    """Outside what the caller may do: 401 (with the Bearer challenge), 403 or 404."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    body = {"detail": {"reason": exc.reason, "detail": str(exc)}}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _to_login(request: Request, exc: NotSignedIn) -> Response:
    return RedirectResponse("/login", status_code=303)


def _page(request: Request, exc: Refused) -> Response:
    """A dashboard page refused (the guard raises the page kinds for pages): a 403 or 404
    page."""
    from server.dash.common import forbidden  # the pages import the app's parts, not this

    return forbidden(request, str(exc), status_code=exc.status)


def _forgery(request: Request, exc: Forgery) -> Response:
    if "json" in request.headers.get("content-type", ""):
        return JSONResponse({"detail": {"reason": "csrf", "detail": str(exc)}}, 403)
    from server.dash.common import forbidden

    return forbidden(request, str(exc))


def _throttled(request: Request, exc: Throttled) -> Response:
    headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)


def _import_refused(request: Request, exc: ImportRefused) -> Response:
    errors = [
        {"line": e.line, "message": e.message, "column": e.column, "message_zh": e.zh}
        for e in exc.errors
    ]
    return JSONResponse({"detail": {"imported": 0, "errors": errors}}, status_code=422)


def _invalid(request: Request, exc: DepotError) -> Response:
    """Input that was read but cannot be used, or anything else the server means: 422 with
    the sentence."""
    return JSONResponse({"detail": shown(str(exc), 500)}, status_code=422)


def _no_font(request: Request, exc: FontMissing) -> Response:
    # the papers cannot be printed until the font is installed; the rest serves on
    return JSONResponse({"detail": str(exc)}, status_code=503)


# Each error class's answer; a class not here takes its nearest ancestor's.
ANSWERS: dict[type[Exception], Callable[[Request, Any], Response]] = {
    Rejection: _rejection,
    AccountError: _rejection,  # its reason code and status, as a refusal's
    Refused: _refused,
    NotSignedIn: _to_login,
    NotForRole: _page,
    NotFoundPage: _page,
    Forgery: _forgery,
    Throttled: _throttled,
    ImportRefused: _import_refused,
    Invalid: _invalid,
    DepotError: _invalid,
    FontMissing: _no_font,
}


async def answer(request: Request, exc: Exception) -> Response:
    """The one exception handler: the answer of the nearest class of `exc` in ANSWERS."""
    for kind in type(exc).__mro__:
        if kind in ANSWERS:
            return ANSWERS[kind](request, exc)
    raise exc  # registered only for the classes above


def install(app: FastAPI) -> None:
    """Register the handlers on the app: the one for the server's errors (and the papers'
    missing font), and the one for inputs that break their bounds."""
    app.add_exception_handler(DepotError, answer)
    app.add_exception_handler(FontMissing, answer)

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
