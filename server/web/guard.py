"""The one place where every request's depot scope is decided (rules: server/domain/scope.py).

A route declares its rule as a parameter or a route dependency:

    def show_order(order_id: int, scope: Annotated[Scope, person("read", Of("order", "order_id"))])

`person`, `device`, `person_or_device`, `anyone` and `screen` (a dashboard page) each give a
`Depends` on a `Guard`: it finds the caller (session or gateway token), what the request
names (query, JSON body, the record behind a path parameter), applies the rule and hands the
route its `Scope`, or refuses with 401, 403 or 404 (for pages: the login page, a 403 or 404
page). `require_rules` refuses to build an app with a route that declares no rule.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection
from starlette.routing import Mount

from kernel import csrf
from server.domain.bounds import MAX_ID
from server.domain.errors import Forgery, NotForRole, NotFoundPage, NotSignedIn, Refused
from server.domain.scope import (
    ANY,
    Caller,
    Found,
    Locator,
    Named,
    Of,
    Rule,
    Scope,
    Who,
    admit,
    decide,
)
from server.services import auth
from server.storage import depots
from server.web.deps import SESSION_COOKIE, bearer, current_user, engine_of

__all__ = [
    "Forgery",
    "Guard",
    "NotForRole",
    "NotFoundPage",
    "NotSignedIn",
    "Scope",
    "anyone",
    "device",
    "no_forgery",
    "person",
    "person_or_device",
    "require_rules",
    "screen",
]

AN_ID = TypeAdapter(int)
MAX_KEY = 200  # handover note numbers, event ids


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def json_body(request: Request) -> Any:
    """The request's body as the route itself reads it (parsed once, cached): its JSON, or a
    page's form as a dict of its text fields; None for any other."""
    kind = request.headers.get("content-type", "")
    if kind.split(";")[0].strip().lower() in FORMS:
        form = await request.form()
        fields = {k: form.getlist(k) for k in form}
        return {k: v[0] if len(v) == 1 else tuple(v) for k, v in fields.items()}
    if "json" not in kind:
        return None
    try:
        return await request.json()
    except ValueError:
        return None


class Guard:
    """A route's rule as a dependency: the scope of each request, or a refusal."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def __call__(self, request: Request, body: Annotated[Any, Depends(json_body)]) -> Scope:
        try:
            caller = _caller(request, self.rule.who, self.rule.screen)
            admit(self.rule, caller)
            found = _found(request, body, self.rule.where)
            scope = decide(self.rule, caller, found)
        except Refused as exc:
            raise (_on_page(exc) if self.rule.screen else exc) from exc
        return scope


async def no_forgery(request: Request) -> None:
    """Every request of the app passes here (an application-wide dependency): a state-changing
    request sent with a person's cookie must come from this site's own page and carry its
    form's token (kernel/csrf.py)."""
    why = await csrf.forgery(request, SESSION_COOKIE)
    if why is not None:
        raise Forgery(why)


def person(permission: str, *where: Locator) -> Any:
    """A logged-in person whose role has `permission`."""
    return Depends(Guard(Rule("person", permission, where)))


def device(*where: Locator) -> Any:
    """A gateway, with its token; it is bound to its own depot."""
    return Depends(Guard(Rule("device", None, where)))


def person_or_device(permission: str, *where: Locator) -> Any:
    return Depends(Guard(Rule("person_or_device", permission, where)))


def anyone(*where: Locator) -> Any:
    return Depends(Guard(Rule("anyone", None, where)))


def screen(permission: str, *where: Locator) -> Any:
    """A dashboard page: no session goes to the login page, a refusal is a page."""
    return Depends(Guard(Rule("person", permission, where, screen=True)))


def _caller(request: Request, who: Who, screen: bool) -> Caller | None:
    """Who is asking: a person by bearer token, or by session cookie on a dashboard page and
    for reading (a download a page links to); a change through the API takes a bearer token
    only, since a browser sends the cookie on its own. A gateway by its token."""
    if who == "anyone":
        return None
    if who != "device":
        user = current_user(request, cookie=screen or request.method in csrf.SAFE_METHODS)
        if user is not None or who == "person":
            return user
    token = bearer(request)
    return auth.device_for(engine_of(request), token) if token else None


def _found(request: Request, body: Any, where: tuple[Locator, ...]) -> tuple[Found, ...]:
    if not any(isinstance(locator, Of) for locator in where):
        return tuple(_named(request, body, locator) for locator in where)
    with engine_of(request).connect() as conn:
        return tuple(
            _depots_of(conn, locator.record, request.path_params.get(locator.param, ""))
            if isinstance(locator, Of)
            else _named(request, body, locator)
            for locator in where
        )


def _named(request: Request, body: Any, locator: Locator) -> Found:
    if not isinstance(locator, Named):
        return None
    if locator.source == "body":
        value = body.get(locator.field) if isinstance(body, dict) else None
        if isinstance(value, tuple):  # a form's field given several times
            raise Refused(422, "repeated", f"name one {locator.field}, not several")
        return value if isinstance(value, str) else None
    values = set(request.query_params.getlist(locator.field))
    if len(values) > 1:
        raise Refused(422, "repeated", f"name one {locator.field}, not several")
    return values.pop() if values else None


def _depots_of(conn: Connection, record: str, key: str) -> Found:
    """The depots a record belongs to; None if there is no such record."""
    if len(key) > MAX_KEY or "\x00" in key:
        return None  # no record has such a key (and a database would refuse to compare it)
    if record in ("order", "stocktake", "approval", "notice"):
        try:  # read as the route reads its own parameter
            number = AN_ID.validate_python(key)
        except ValidationError:
            return ANY  # not an id: the route's own validation refuses it (422)
        if not 1 <= number <= MAX_ID:
            return ANY  # out of any id's range: the route's own bounds refuse it (422)
        return depots.of_record(conn, record, number)
    return depots.of_record(conn, record, key)


def _on_page(exc: Refused) -> Refused:
    """A refusal of a dashboard page: the login page, or a 403 or 404 page."""
    if exc.status == 401:
        return NotSignedIn(str(exc))
    return NotFoundPage(str(exc)) if exc.status == 404 else NotForRole(str(exc))


def rule_of(route: APIRoute) -> Rule | None:
    """The rule a route declares (None: none, more than one, or one that does not say how
    the route's depot is found)."""
    rules = [d.call.rule for d in route.dependant.dependencies if isinstance(d.call, Guard)]
    return rules[0] if len(rules) == 1 and rules[0].where else None


def require_rules(app: Any) -> None:
    """Refuse an app with a route that declares no scope rule (or several, or one without a
    locator): every route says who may call it and which depot it concerns. The framework's
    own pages (OpenAPI, its viewers) and static files are public."""
    framework = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    missing = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            if rule_of(route) is None:
                missing.append(f"{','.join(sorted(route.methods or ()))} {context.path}")
        elif isinstance(route, Mount):
            if not isinstance(route.app, StaticFiles):
                missing.append(f"mount {context.path}")
        elif context.path not in framework:
            missing.append(f"{context.path}")
    if missing:
        raise RuntimeError("routes without a depot scope rule: " + "; ".join(missing))
