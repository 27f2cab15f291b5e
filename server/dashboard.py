"""The supervisors' pages: login and the stock overview (server-rendered, Chinese first)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from server import auth, queries
from server.deps import SESSION_COOKIE, current_user, engine_of

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "pending_acceptance": ("待验收", "pending acceptance"),
    "available": ("可用", "available"),
    "reserved": ("已预留", "reserved"),
    "on_hold": ("冻结", "on hold"),
    "scrap_pending": ("待报废", "scrap pending"),
}


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    try:
        result = auth.login(engine_of(request), username, password)
    except auth.Throttled as exc:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"error": "throttled", "retry": exc.retry_after},
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if result is None:
        return templates.TemplateResponse(request, "login.html", {"error": True}, status_code=401)
    token, _expires = result
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=auth.SESSION_HOURS * 3600
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.logout(engine_of(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    user = current_user(request)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    engine = engine_of(request)
    totals = queries.status_totals(engine, user.warehouse)
    pending = [r for r in totals if r["status"] == "pending_acceptance"]
    return templates.TemplateResponse(
        request,
        "overview.html",
        {
            "user": user,
            "totals": totals,
            "pending": pending,
            "events": queries.recent_events(engine, user.warehouse),
            "labels": STATUS_LABELS,
        },
    )


@router.get("/partials/overview", response_class=HTMLResponse)
def overview_partial(request: Request) -> Response:
    """The live part of the overview, fetched by the page every few seconds."""
    user = current_user(request)
    if user is None:
        return Response(status_code=401)
    engine = engine_of(request)
    totals = queries.status_totals(engine, user.warehouse)
    return templates.TemplateResponse(
        request,
        "overview_tables.html",
        {
            "totals": totals,
            "pending": [r for r in totals if r["status"] == "pending_acceptance"],
            "events": queries.recent_events(engine, user.warehouse),
            "labels": STATUS_LABELS,
        },
    )
