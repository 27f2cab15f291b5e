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

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates

from gateway.domain.errors import Conflict, FloorError, NotAllowed, Unknown
from gateway.domain.tasks import OVERRIDE_REASONS
from gateway.domain.workflows import TASKS
from gateway.entrypoints.label_web import label_routes
from gateway.entrypoints.metrics import Gauges, IntakeMetrics, render
from gateway.entrypoints.phone_order_web import phone_order_routes
from gateway.entrypoints.throttle import SignOnGuard
from gateway.services import floor_pages
from gateway.services.floor_pages import User
from gateway.services.label_queue import LabelDesk
from gateway.storage.store import GatewayStore
from kernel import csrf
from kernel.clock import Clock, seconds

COOKIE = "depot_floor"
# The answer each domain error gets from the floor app (the one place they are translated).
STATUS: dict[type[FloorError], int] = {NotAllowed: 403, Unknown: 422, Conflict: 409}


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


@dataclass
class FloorContext:
    site: str
    store: GatewayStore
    metrics: IntakeMetrics
    gauges: Callable[[], Gauges]
    clock: Clock  # the process's clock (kernel/clock.py): the pages' one source of the time
    refresh_ms: int = 1500
    enrolment_dir: Path | None = None  # records from `depot config build`; None: no enrolment
    tls: bool = False  # served over HTTPS: cookies are Secure
    ca_pem: str | None = None  # the depot CA's certificate, for stations enrolling over HTTPS
    # held by the forwarder for a whole delivery (gateway/upstream/worker.py): withdrawing an
    # order made here waits for it, so that it never withdraws one on its way to the centre
    exchange: threading.Lock = field(default_factory=threading.Lock)
    labels: LabelDesk | None = None  # the depot's label printers; None: none


class Pages:
    """What every floor route needs: who is asking, and a page rendered for them."""

    def __init__(self, ctx: FloorContext) -> None:
        self.ctx = ctx

    def now(self) -> float:
        """The moment of a request, by the app's clock, as the floor services keep it."""
        return seconds(self.ctx.clock)

    def user_of(self, request: Request) -> User | None:
        token = request.cookies.get(COOKIE)
        return floor_pages.signed_on(self.ctx.store, token, self.now()) if token else None

    def signed_in(self, request: Request) -> User:
        user = self.user_of(request)
        if user is None:
            raise HTTPException(401, "sign in first")
        return user

    def page(self, request: Request, name: str, user: User | None, **values: Any) -> Response:
        values |= {"site": self.ctx.site, "user": user, "refresh_ms": self.ctx.refresh_ms,
                   "printing": self.ctx.labels is not None}  # fmt: skip
        return TEMPLATES.TemplateResponse(request, name, values)

    def login_form(self, request: Request, **values: Any) -> Response:
        """The sign-on form, with its own token for the forgery check (double submit: the
        same value in a cookie of its own) where the browser has no session to tie it to."""
        fresh = None
        if csrf.expected_token(request.cookies, COOKIE) is None:
            fresh = request.state.csrf_token = csrf.new_token()
        response = self.page(request, "login.html", None, **values)
        if fresh:
            response.set_cookie(
                csrf.COOKIE, fresh, httponly=True, samesite="strict", secure=self.ctx.tls
            )
        return response

    def overview(self) -> dict[str, Any]:
        gauges = self.ctx.gauges()
        health = {
            "pending": gauges.outbox_pending,
            "rejected": gauges.outbox_rejected,
            "oldest": gauges.outbox_oldest_age,
            "sync_age": gauges.last_sync_age,
            "disk_alarm": gauges.disk_alarm,
            "disk_free_mb": gauges.disk_free_bytes // (1024 * 1024),
        }
        return {"health": health, **floor_pages.overview(self.ctx.store, self.now())}

    def device(self, device: str) -> dict[str, Any]:
        return floor_pages.device_detail(self.ctx.store, device, self.now())


def create_floor_app(ctx: FloorContext) -> FastAPI:
    app = FastAPI(
        title="depot-floor gateway",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(no_forgery)],
    )
    if ctx.enrolment_dir is not None:
        from gateway.entrypoints.enrol_web import enrolment_router

        app.include_router(
            enrolment_router(ctx.site, ctx.enrolment_dir, ctx.store, ctx.clock, ctx.ca_pem)
        )
    pages = Pages(ctx)
    app.include_router(_sign_on_routes(pages))
    app.include_router(_floor_routes(pages))
    app.include_router(phone_order_routes(pages))
    app.include_router(label_routes(pages))

    @app.exception_handler(Forgery)
    async def forged(request: Request, exc: Forgery) -> Response:
        return PlainTextResponse(f"拒绝：{exc} / Refused: {exc}", status_code=403)

    @app.exception_handler(FloorError)
    async def refused(request: Request, exc: FloorError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": exc.en, "detail_zh": exc.zh}, status_code=status)

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

    return app


def _sign_on_routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    guard = SignOnGuard()
    store, tls = pages.ctx.store, pages.ctx.tls

    @router.get("/floor/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/floor") -> Response:
        return pages.login_form(request, next=next, error=None)

    @router.post("/floor/login", response_class=HTMLResponse)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=200)],
        pin: Annotated[str, Form(max_length=256)],
        next: Annotated[str, Form(max_length=2000)] = "/floor",
    ) -> Response:
        peer, now = (request.client.host if request.client else None), pages.now()
        pause = guard.attempt(username, peer, now)  # counted as a failure until it succeeds
        if pause > 0:
            retry = math.ceil(pause)
            response = pages.login_form(request, next=next, error="throttled", retry=retry)
            response.status_code = 429
            response.headers["Retry-After"] = str(retry)
            return response
        token = floor_pages.sign_on(store, username, pin, now)
        if token is None:
            response = pages.login_form(request, next=next, error="wrong")
            response.status_code = 401
            return response
        guard.succeeded(username, peer, now)
        target = next if next.startswith("/floor") else "/floor"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=tls)
        return response

    @router.post("/floor/logout")
    def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            floor_pages.sign_off(store, token)
        response = RedirectResponse("/floor/login", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=tls)
        return response

    return router


def _floor_routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    store = pages.ctx.store

    @router.get("/floor", response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        user = pages.signed_in(request)
        return pages.page(request, "floor.html", user, **pages.overview())

    @router.get("/floor/partials/overview", response_class=HTMLResponse)
    def overview_partial(request: Request) -> Response:
        user = pages.signed_in(request)
        return pages.page(request, "floor_live.html", user, **pages.overview())

    @router.get("/floor/api/overview")
    def overview_json(request: Request) -> dict[str, Any]:
        pages.signed_in(request)
        return pages.overview()

    @router.get("/floor/device/{device}", response_class=HTMLResponse)
    def device_page(request: Request, device: str) -> Response:
        user = pages.signed_in(request)
        values = {"d": pages.device(device), "tasks": TASKS, "reasons": OVERRIDE_REASONS}
        return pages.page(request, "device.html", user, **values)

    @router.get("/floor/partials/device/{device}", response_class=HTMLResponse)
    def device_partial(request: Request, device: str) -> Response:
        user = pages.signed_in(request)
        return pages.page(request, "device_live.html", user, d=pages.device(device))

    @router.get("/floor/api/device/{device}")
    def device_json(request: Request, device: str) -> dict[str, Any]:
        pages.signed_in(request)
        return pages.device(device)

    @router.post("/floor/device/{device}/task")
    def set_task(
        request: Request,
        device: str,
        kind: Annotated[str, Form()],
        ref: Annotated[str, Form()] = "",
    ) -> Response:
        pages.signed_in(request)
        floor_pages.assign_task(store, device, kind, ref.strip() or None, pages.now())
        return RedirectResponse(f"/floor/device/{device}", status_code=303)

    @router.post("/floor/printers/{printer}/retry")
    def retry_printer(request: Request, printer: str) -> Response:
        pages.signed_in(request)
        floor_pages.retry_printer(store, printer)
        return RedirectResponse("/floor", status_code=303)

    @router.post("/floor/print-jobs/{job}/printed")
    def label_printed(request: Request, job: int) -> Response:
        floor_pages.settle_label(store, pages.signed_in(request), job, printed_ok=True)
        return RedirectResponse("/floor", status_code=303)

    @router.post("/floor/print-jobs/{job}/again")
    def label_again(request: Request, job: int) -> Response:
        again = floor_pages.settle_label(store, pages.signed_in(request), job, printed_ok=False)
        if again and pages.ctx.labels is not None:
            pages.ctx.labels.wake()  # the print worker: the label goes now
        return RedirectResponse("/floor", status_code=303)

    @router.post("/floor/encodes/{job}/retry")
    def retry_encode(request: Request, job: int) -> Response:
        pages.signed_in(request)
        floor_pages.retry_encode(store, job)
        return RedirectResponse("/floor", status_code=303)

    @router.post("/floor/device/{device}/override")
    def override(request: Request, device: str, reason: Annotated[str, Form()]) -> Response:
        user = pages.signed_in(request)
        floor_pages.grant_override(store, device, user, reason, pages.now())
        return RedirectResponse(f"/floor/device/{device}", status_code=303)

    return router
