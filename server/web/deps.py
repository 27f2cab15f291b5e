"""Request helpers shared by the API and the pages: the engine, the clock, and who is
asking. Who may call what, and on which depot, is decided by each route's rule
(server/web/guard.py)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy import Engine

from kernel.clock import Clock
from server.domain.coverage import Reach
from server.domain.evidence import Policy
from server.services import auth

SESSION_COOKIE = "depot_session"


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def clock_of(request: Request) -> Clock:
    """The clock the app was built with (server/web/app.py create_app)."""
    clock: Clock = request.app.state.clock
    return clock


def now_of(request: Request) -> datetime:
    """The moment of this request, by the app's clock: what routes and pages pass down to the
    services, which never read the clock themselves."""
    return clock_of(request)()


def policy_of(request: Request) -> Policy:
    """The periods the server was started with (server/domain/evidence.py)."""
    policy: Policy = request.app.state.policy
    return policy


def reach_of(request: Request) -> Reach:
    """The coverage view's settings the server was started with (server/domain/coverage.py)."""
    reach: Reach = request.app.state.reach
    return reach


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def current_user(request: Request, cookie: bool = True) -> auth.User | None:
    """The person a bearer token (or, with `cookie`, the session cookie) belongs to."""
    token = bearer(request) or (request.cookies.get(SESSION_COOKIE) if cookie else None)
    return auth.user_for(engine_of(request), token, now_of(request)) if token else None


def client_address(request: Request) -> str | None:
    """The address a request came from: the TCP peer, or, when the server was started with
    --trusted-proxy and the peer is one of them, the client that proxy names in
    X-Forwarded-For (uvicorn rewrites it before the request gets here)."""
    return request.client.host if request.client else None
