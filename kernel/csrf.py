"""Cross-site request forgery: the rules the central server's pages and the gateway's floor
pages share (pure; the servers apply them where every request passes).

A state-changing request (POST, PUT, PATCH, DELETE) that a browser could be made to send
with the person's cookie, that is one without a bearer token, must

1. come from a page of the same origin: its `Origin` header (or, where a browser sends none,
   its `Referer`) names the host the request was sent to; a request with neither is refused;
2. carry the form's token (`csrf_token` field, or the `X-CSRF-Token` header) equal to the one
   the server expects: for a signed-in person, a digest of their session token (so it needs
   no storage and dies with the session); before signing on, the value of a cookie of its
   own set with the login form (double submit).

A page on another host (even a sibling host under the same domain, which SameSite cookies
do not stop) can neither read the token nor send a matching Origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"
COOKIE = "depot_csrf"  # before signing on: the login form's token (double submit)


def token_for_session(session_token: str) -> str:
    """The token a signed-in person's forms carry: tied to their session, useless without it."""
    return hashlib.sha256(b"depot-floor csrf\0" + session_token.encode()).hexdigest()[:40]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def tokens_match(expected: str | None, presented: str | None) -> bool:
    return bool(expected and presented) and hmac.compare_digest(
        str(expected).encode(), str(presented).encode()
    )


def same_origin(origin: str | None, referer: str | None, host: str | None) -> bool:
    """Whether the request comes from a page of the host it was sent to (`Host` header).
    The scheme is not compared: behind a proxy that ends TLS the server sees plain HTTP."""
    source = origin if origin and origin != "null" else referer
    if not source or not host:
        return False
    try:
        netloc = urlsplit(source).netloc
    except ValueError:
        return False
    return bool(netloc) and netloc.lower() == host.lower()


def refusal(
    method: str,
    origin: str | None,
    referer: str | None,
    host: str | None,
    expected: str | None,
    presented: str | None,
) -> str | None:
    """Why this request is refused as a possible forgery, or None if it may go on."""
    if method.upper() in SAFE_METHODS:
        return None
    if not same_origin(origin, referer, host):
        return "the request does not come from this site's own pages (Origin)"
    if not tokens_match(expected, presented):
        return "the form's security token is missing or out of date; reload the page"
    return None


def expected_token(cookies: Mapping[str, str], session_cookie: str) -> str | None:
    """The token this browser's forms must carry: its session's, or before signing on its
    login form's (the COOKIE)."""
    session = cookies.get(session_cookie)
    return token_for_session(session) if session else cookies.get(COOKIE)


async def forgery(request: Any, session_cookie: str) -> str | None:
    """Why a web request (Starlette's `Request`) is refused as a possible forgery, or None.
    Only requests a browser could send on its own with the person's cookie are held to the
    rule: unsafe methods without a bearer token, carrying a session cookie or a form."""
    if request.method.upper() in SAFE_METHODS:
        return None
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return None
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    is_form = kind in ("application/x-www-form-urlencoded", "multipart/form-data")
    if session_cookie not in request.cookies and not is_form:
        return None
    presented = request.headers.get(HEADER)
    if presented is None and is_form:
        value = (await request.form()).get(FIELD)
        presented = value if isinstance(value, str) else None
    return refusal(
        request.method,
        request.headers.get("origin"),
        request.headers.get("referer"),
        request.headers.get("host"),
        expected_token(request.cookies, session_cookie),
        presented,
    )
