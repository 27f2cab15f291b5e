"""People (人员): the accounts of the network, for its administrators (the `people`
permission; unbound people only, as the API's /api/v1/users).

The list shows each person's role, depot and whether the account is active; the form below
it creates an account with its initial password (held to kernel.passwords' rules, never shown
back). Each person's page changes their role or depot, resets their password (their open
sessions end) and disables the account (no more logins, open sessions end; an administrator
cannot disable themselves). The forms are read against the API's own models
(server.web.people) and each change goes through server.services.accounts, which writes the
audit entry without the password.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.forms import Filled, empty, flash, flash_of, form_of, read, spent
from server.dash.masterdata import NAMES
from server.dash.offsets import Pages
from server.dash.refusals import next_step
from server.domain.bounds import Offset
from server.domain.errors import AccountError, NotFoundPage, Rejection, status_of
from server.domain.scope import Network
from server.domain.security import ROLES
from server.services import accounts
from server.storage import people
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen
from server.web.people import MAY, PasswordIn, UserChange, UserIn

router = APIRouter(include_in_schema=False)
Admin = Annotated[Scope, screen(MAY, Network())]
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Fields = Annotated[dict[str, str], Depends(form_of)]
MESSAGES = {
    "created": ("已创建账号", "Account created"),
    "changed": ("已修改角色和所属库", "Role and depot changed"),
    "reset": ("已重设密码，该用户需重新登录", "Password reset; they must log in again"),
    "disabled": ("已停用账号，该用户已退出登录", "Account disabled; their sessions ended"),
    "enabled": ("已重新启用账号", "Account enabled again"),
}
ROLE_NAMES = {
    "admin": ("管理员", "administrator"),
    "supervisor": ("仓库负责人", "supervisor"),
    "keeper": ("保管员", "keeper"),
    "dispatcher": ("应急局调度", "dispatcher"),
    "auditor": ("审计", "auditor"),
}


def _message(request: Request) -> tuple[str, str, Any] | None:
    found = flash_of(request)
    if found is None:
        return None
    key, arg = found
    if key in MESSAGES:
        return ("ok", arg, MESSAGES[key])
    if key == "refused":
        return ("refused", arg, next_step(AccountError(arg, "")))
    return None


def _common(request: Request) -> dict[str, Any]:
    return {
        "roles": [(r, f"{ROLE_NAMES[r][0]} {ROLE_NAMES[r][1]}") for r in ROLES],
        "role_names": ROLE_NAMES,
        "depots": people.depots(engine_of(request)),
        "admin_kinds": NAMES,
        "message": _message(request),
        "next_step": next_step,
    }


def _secret_dropped(form: Filled[Any]) -> Filled[Any]:
    """The form as shown again: the password never comes back to the page."""
    values = {k: v for k, v in form.values.items() if k != "password"}
    return Filled(values=values, errors=form.errors, model=form.model)


def _list(
    request: Request,
    scope: Scope,
    form: Filled[Any],
    refusal: Exception | None = None,
    status: int = 200,
    offset: int = 0,
) -> Response:
    rows = people.people(engine_of(request), offset)
    answer = page(
        request,
        "dash/people.html",
        scope.user,
        status_code=status,
        rows=rows[: people.PAGE_ROWS],
        pages=Pages("/people?", offset, people.PAGE_ROWS, len(rows) > people.PAGE_ROWS),
        form=_secret_dropped(form),
        refusal=refusal,
        **_common(request),
    )
    return spent(request, answer)


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, scope: Admin, offset: Offset = 0) -> Response:
    return _list(request, scope, empty(), offset=offset)


@router.post("/people", response_class=HTMLResponse)
def create(request: Request, scope: Admin, fields: Fields) -> Response:
    form = read(UserIn, fields)
    if form.model is None:
        return _list(request, scope, form, status=422)
    body = form.model
    try:
        accounts.create_user(
            engine_of(request),
            body.username,
            body.password,
            role=body.role,
            now=now_of(request),
            display_name=body.display_name,
            warehouse=body.warehouse,
            actor=scope.user.username,
        )
    except AccountError as exc:
        return _list(request, scope, form, refusal=exc, status=status_of(exc.reason))
    return flash(f"/people/{body.username}", "created", body.username)


def _person(request: Request, username: str) -> dict[str, Any]:
    found = people.person(engine_of(request), username)
    if found is None:
        raise NotFoundPage(f"no user {username}")
    return found


@router.get("/people/{username}", response_class=HTMLResponse)
def person_page(request: Request, username: Username, scope: Admin) -> Response:
    found = _person(request, username)
    values = {"role": found["role"], "warehouse": found["warehouse"] or ""}
    answer = page(
        request,
        "dash/person.html",
        scope.user,
        person=found,
        form=Filled(values=values),
        password_form=empty(),
        **_common(request),
    )
    return spent(request, answer)


def _refused(to: str, exc: AccountError | Rejection) -> Response:
    return flash(to, "refused", exc.reason)


@router.post("/people/{username}", response_class=HTMLResponse)
def change(request: Request, username: Username, scope: Admin, fields: Fields) -> Response:
    to = f"/people/{username}"
    form = read(UserChange, fields)
    if form.model is None:
        return flash(to, "refused", "unknown_role")
    try:
        accounts.change_user(
            engine_of(request),
            scope.user.username,
            username,
            role=form.model.role,
            warehouse=form.model.warehouse,
            now=now_of(request),
        )
    except AccountError as exc:
        return _refused(to, exc)
    return flash(to, "changed", username)


@router.post("/people/{username}/password", response_class=HTMLResponse)
def reset(request: Request, username: Username, scope: Admin, fields: Fields) -> Response:
    to = f"/people/{username}"
    form = read(PasswordIn, fields)
    if form.model is None:
        return flash(to, "refused", "weak_password")
    try:
        accounts.reset_password(
            engine_of(request), scope.user.username, username, form.model.password, now_of(request)
        )
    except AccountError as exc:
        return _refused(to, exc)
    return flash(to, "reset", username)


def _switched(
    request: Request, username: str, scope: Scope, fields: dict[str, str], on: bool
) -> Response:
    """Disable an account or enable it again, once the box is ticked."""
    to = f"/people/{username}"
    if fields.get("confirm") != "yes":
        return flash(to, "refused", "unconfirmed")
    switch = accounts.enable_user if on else accounts.disable_user
    try:
        switch(engine_of(request), scope.user.username, username, now_of(request))
    except AccountError as exc:
        return _refused(to, exc)
    return flash(to, "enabled" if on else "disabled", username)


@router.post("/people/{username}/disable", response_class=HTMLResponse)
def disable(request: Request, username: Username, scope: Admin, fields: Fields) -> Response:
    return _switched(request, username, scope, fields, on=False)


@router.post("/people/{username}/enable", response_class=HTMLResponse)
def enable(request: Request, username: Username, scope: Admin, fields: Fields) -> Response:
    return _switched(request, username, scope, fields, on=True)
