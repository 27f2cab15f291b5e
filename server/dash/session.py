"""Logging in and out of the dashboard, and choosing its language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kernel import csrf
from server.dash.common import LANG_COOKIE, LANGS, lang_of, templates, translator
from server.domain.bounds import LINE, Code, Line
from server.domain.errors import Throttled
from server.domain.scope import Shared
from server.services import auth
from server.web.deps import SESSION_COOKIE, client_address, engine_of, now_of
from server.web.guard import anyone

router = APIRouter(include_in_schema=False, dependencies=[anyone(Shared())])


def _login_page(request: Request, status_code: int = 200, **values: object) -> Response:
    """The login form, with its own token for the forgery check (double submit: the same
    value in a cookie of its own) where the browser has no session to tie it to."""
    lang = lang_of(request)
    fresh = None
    if csrf.expected_token(request.cookies, SESSION_COOKIE) is None:
        fresh = request.state.csrf_token = csrf.new_token()
    context = {"lang": lang, "t": translator(lang), "error": None, **values}
    response = templates.TemplateResponse(request, "login.html", context, status_code=status_code)
    if fresh:
        response.set_cookie(csrf.COOKIE, fresh, httponly=True, samesite="strict")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=64, pattern=LINE)],
    password: Annotated[str, Form(max_length=256)],
) -> Response:
    try:
        result = auth.login(
            engine_of(request), username, password, now_of(request), client_address(request)
        )
    except Throttled as exc:
        response = _login_page(request, 429, error="throttled", retry=exc.retry_after)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if result is None:
        return _login_page(request, 401, error=True)
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


@router.get("/lang/{lang}")
def choose_language(lang: Code, next: Line = "/") -> Response:
    """Switch the pages' language for this browser and go back to where one was."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGS:
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 24 * 3600)
    return response
