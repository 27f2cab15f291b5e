"""The floor pages and `/metrics`, served by the gateway itself (works with the server away).

Mobile-friendly pages for the handheld rounds and the doors: the devices and their tasks, the
next pick, what was just scanned and the answer, the progress of counts and pick lists, the
events the server refused. People sign on with their user name and floor PIN (not their
central password: the gateway never holds a hash of that); the gateway checks the PIN against
the floor PIN hashes it syncs (server/floor_access.py), so sign-on works offline. Guessing is
slowed by name and by address as on the central server, never locking the owner out at an
address they signed on from (kernel/guessing.py); a name the gateway does not know costs the
same check. Keepers, supervisors and administrators with the depot's floor may use the pages;
only a supervisor or an administrator may override a first-in-first-out refusal. Behind TLS
the session cookie is `Secure`.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.domain.workflows import TASKS
from gateway.entrypoints.metrics import Gauges, IntakeMetrics, render
from gateway.entrypoints.throttle import SignOnGuard
from gateway.storage import pages as floor_view
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel import csrf
from kernel.passwords import stand_in_hash, verify_password

COOKIE = "depot_floor"
SESSION_HOURS = 12
OVERRIDE_ROLES = ("supervisor", "admin")
# Why a supervisor lets a picker take another batch than first-in-first-out offers.
OVERRIDE_REASONS: dict[str, tuple[str, str]] = {
    "blocked": ("先进批次被压住无法取出", "Older batch blocked in the stack"),
    "damaged": ("先进批次包装破损", "Older batch damaged"),
    "urgent": ("紧急调运，就近取货", "Emergency: take the nearest"),
    "quality": ("先进批次待复检", "Older batch awaiting re-inspection"),
    "other": ("其他（已口头说明）", "Other (explained in person)"),
}


def _csrf_context(request: Request) -> dict[str, Any]:
    """Every page's forms carry the token that the app's forgery check expects of them."""
    token = getattr(request.state, "csrf_token", None)
    return {"csrf_token": token or csrf.expected_token(request.cookies, COOKIE) or ""}


TEMPLATES = Jinja2Templates(
    directory=str(Path(__file__).parent / "templates"), context_processors=[_csrf_context]
)


class Forgery(Exception):
    """A state-changing request a browser may have been made to send (kernel/csrf.py)."""


async def no_forgery(request: Request) -> None:
    """Every request of the floor app passes here: a form sent with a floor session (or the
    sign-on form) must come from the gateway's own page and carry its token."""
    why = await csrf.forgery(request, COOKIE)
    if why is not None:
        raise Forgery(why)


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display: str
    role: str


@dataclass
class FloorContext:
    site: str
    store: GatewayStore
    metrics: IntakeMetrics
    gauges: Callable[[], Gauges]
    refresh_ms: int = 1500
    enrolment_dir: Path | None = None  # records from `depot config build`; None: no enrolment
    tls: bool = False  # served over HTTPS: cookies are Secure
    ca_pem: str | None = None  # the depot CA's certificate, for stations enrolling over HTTPS


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_floor_app(ctx: FloorContext) -> FastAPI:
    app = FastAPI(
        title="depot-floor gateway",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(no_forgery)],
    )
    guard = SignOnGuard()
    if ctx.enrolment_dir is not None:
        from gateway.entrypoints.enrol_web import enrolment_router

        app.include_router(enrolment_router(ctx.site, ctx.enrolment_dir, ctx.store, ctx.ca_pem))

    def user_of(request: Request) -> User | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        with ctx.store.transaction() as db:
            found = Book(db).session(_hash(token), time.time())
        return User(*found) if found else None

    def page(request: Request, name: str, user: User | None, **values: Any) -> Response:
        values |= {"site": ctx.site, "user": user, "refresh_ms": ctx.refresh_ms}
        return TEMPLATES.TemplateResponse(request, name, values)

    def signed_in(request: Request) -> User:
        user = user_of(request)
        if user is None:
            raise HTTPException(401, "sign in first")
        return user

    def overview_values() -> dict[str, Any]:
        gauges = ctx.gauges()
        now = time.time()
        with ctx.store.transaction() as db:
            book = Book(db)
            return {
                "health": {
                    "pending": gauges.outbox_pending,
                    "rejected": gauges.outbox_rejected,
                    "oldest": gauges.outbox_oldest_age,
                    "sync_age": gauges.last_sync_age,
                    "disk_alarm": gauges.disk_alarm,
                    "disk_free_mb": gauges.disk_free_bytes // (1024 * 1024),
                },
                "devices": floor_view.devices(book, now),
                "orders": floor_view.orders(book),
                "notices": floor_view.notices(book),
                "counts": floor_view.counts(book),
                "rejected": floor_view.rejected(book),
            }

    def device_values(device: str) -> dict[str, Any]:
        with ctx.store.transaction() as db:
            return floor_view.device_detail(Book(db), device)

    @app.exception_handler(Forgery)
    async def forged(request: Request, exc: Forgery) -> Response:
        return PlainTextResponse(f"拒绝：{exc} / Refused: {exc}", status_code=403)

    @app.exception_handler(401)
    async def to_login(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/floor/partials/"):
            return PlainTextResponse("sign in first", status_code=401)
        return RedirectResponse(f"/floor/login?next={request.url.path}", status_code=303)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "site": ctx.site}

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> str:
        return render(ctx.site, ctx.metrics, ctx.gauges())

    def login_form(request: Request, **values: Any) -> Response:
        """The sign-on form, with its own token for the forgery check (double submit: the
        same value in a cookie of its own) where the browser has no session to tie it to."""
        fresh = None
        if csrf.expected_token(request.cookies, COOKIE) is None:
            fresh = request.state.csrf_token = csrf.new_token()
        response = page(request, "login.html", None, **values)
        if fresh:
            response.set_cookie(
                csrf.COOKIE, fresh, httponly=True, samesite="strict", secure=ctx.tls
            )
        return response

    @app.get("/floor/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/floor") -> Response:
        return login_form(request, next=next, error=None)

    @app.post("/floor/login", response_class=HTMLResponse)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=200)],
        pin: Annotated[str, Form(max_length=256)],
        next: Annotated[str, Form(max_length=2000)] = "/floor",
    ) -> Response:
        peer = request.client.host if request.client else None
        pause = guard.attempt(username, peer)  # counted as a failure until it succeeds
        if pause > 0:
            retry = math.ceil(pause)
            response = login_form(request, next=next, error="throttled", retry=retry)
            response.status_code = 429
            response.headers["Retry-After"] = str(retry)
            return response
        with ctx.store.transaction() as db:
            person = Book(db).person(username)
        # A name not on the list is checked against a stand-in: the same answer, the same time.
        if not verify_password(pin, person[2] if person else stand_in_hash()) or person is None:
            response = login_form(request, next=next, error="wrong")
            response.status_code = 401
            return response
        guard.succeeded(username, peer)
        token = secrets.token_urlsafe(32)
        with ctx.store.transaction() as db:
            Book(db).open_session(_hash(token), username, time.time() + SESSION_HOURS * 3600)
        target = next if next.startswith("/floor") else "/floor"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=ctx.tls)
        return response

    @app.post("/floor/logout")
    def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            with ctx.store.transaction() as db:
                Book(db).close_session(_hash(token))
        response = RedirectResponse("/floor/login", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=ctx.tls)
        return response

    @app.get("/floor", response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        user = signed_in(request)
        return page(request, "floor.html", user, **overview_values())

    @app.get("/floor/partials/overview", response_class=HTMLResponse)
    def overview_partial(request: Request) -> Response:
        user = signed_in(request)
        return page(request, "floor_live.html", user, **overview_values())

    @app.get("/floor/api/overview")
    def overview_json(request: Request) -> dict[str, Any]:
        signed_in(request)
        return overview_values()

    @app.get("/floor/device/{device}", response_class=HTMLResponse)
    def device_page(request: Request, device: str) -> Response:
        user = signed_in(request)
        return page(
            request,
            "device.html",
            user,
            d=device_values(device),
            tasks=TASKS,
            reasons=OVERRIDE_REASONS,
        )

    @app.get("/floor/partials/device/{device}", response_class=HTMLResponse)
    def device_partial(request: Request, device: str) -> Response:
        user = signed_in(request)
        return page(request, "device_live.html", user, d=device_values(device))

    @app.get("/floor/api/device/{device}")
    def device_json(request: Request, device: str) -> dict[str, Any]:
        signed_in(request)
        return device_values(device)

    @app.post("/floor/device/{device}/task")
    def set_task(
        request: Request,
        device: str,
        kind: Annotated[str, Form()],
        ref: Annotated[str, Form()] = "",
    ) -> Response:
        user = signed_in(request)
        if kind not in TASKS:
            raise HTTPException(422, f"unknown task {kind!r}")
        with ctx.store.transaction() as db:
            book = Book(db)
            task = book.task(device)
            operator = task[3] if task else None
            book.set_task(device, kind, ref.strip() or None, {}, operator, time.time())
        _ = user
        return RedirectResponse(f"/floor/device/{device}", status_code=303)

    @app.post("/floor/device/{device}/override")
    def override(request: Request, device: str, reason: Annotated[str, Form()]) -> Response:
        user = signed_in(request)
        if user.role not in OVERRIDE_ROLES:
            raise HTTPException(403, "only a supervisor may override first-in-first-out")
        if reason not in OVERRIDE_REASONS:
            raise HTTPException(422, f"unknown reason {reason!r}")
        with ctx.store.transaction() as db:
            book = Book(db)
            task = book.task(device)
            if task is None or task[0] != "pick":
                raise HTTPException(409, "the device is not picking")
            kind, ref, state, operator = task
            state["override"] = {
                "by": user.username,
                "reason": reason,
                "text": " / ".join(OVERRIDE_REASONS[reason]),
                "at": time.time(),
            }
            book.set_task(device, kind, ref, state, operator, time.time())
        return RedirectResponse(f"/floor/device/{device}", status_code=303)

    return app
