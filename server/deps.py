"""Request dependencies shared by the API and the pages: the engine and who is asking."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request
from sqlalchemy import Engine

from server import auth
from server.permissions import allowed

SESSION_COOKIE = "depot_session"


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def require_device(request: Request) -> auth.Device:
    token = _bearer(request)
    device = auth.device_for(engine_of(request), token) if token else None
    if device is None:
        raise HTTPException(
            401, "a valid gateway token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return device


def current_user(request: Request) -> auth.User | None:
    token = _bearer(request) or request.cookies.get(SESSION_COOKIE)
    return auth.user_for(engine_of(request), token) if token else None


def require_user_or_device(request: Request) -> auth.User | auth.Device:
    user = current_user(request)
    if user is not None:
        return user
    token = _bearer(request)
    device = auth.device_for(engine_of(request), token) if token else None
    if device is None:
        raise HTTPException(
            401, "log in or present a token", headers={"WWW-Authenticate": "Bearer"}
        )
    return device


def require_user(permission: str) -> Callable[[Request], auth.User]:
    """A dependency: a logged-in person whose role has `permission` (401, else 403)."""

    def dependency(request: Request) -> auth.User:
        user = current_user(request)
        if user is None:
            raise HTTPException(401, "log in first", headers={"WWW-Authenticate": "Bearer"})
        if not allowed(user.role, permission):
            raise HTTPException(403, f"the role {user.role} may not {permission}")
        return user

    return dependency


def check_warehouse(who: auth.User | auth.Device, warehouse: str | None) -> str | None:
    """The warehouse a request may act on: its own for a caller bound to one (403 for any
    other), or the one asked for."""
    own = who.warehouse
    if own is not None and warehouse not in (None, own):
        raise HTTPException(403, f"you may act on warehouse {own} only")
    return own or warehouse


def client_address(request: Request) -> str | None:
    """The address a request came from: the TCP peer, or, when the server was started with
    --trusted-proxy and the peer is one of them, the client that proxy names in
    X-Forwarded-For (uvicorn rewrites it before the request gets here)."""
    return request.client.host if request.client else None
