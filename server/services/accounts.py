"""People's accounts and the gateways' API tokens: made, changed, disabled, revoked (by the
command line, the demo and the people page, server/dash/people.py). Each change is written to
the audit trail in its own transaction; no password or token is ever in it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from kernel.passwords import weakness
from server.domain.errors import AccountError, FloorAccessError
from server.domain.security import ROLES, hash_password, new_token, token_hash
from server.services.audit import record
from server.services.floor_access import floor_hash
from server.storage.tables import api_clients, sessions, users, warehouses


def _check_warehouse(engine: Engine, warehouse: str | None) -> None:
    if warehouse is None:
        return
    with engine.connect() as conn:
        found = conn.execute(select(warehouses.c.code).where(warehouses.c.code == warehouse))
        if found.first() is None:
            raise AccountError("unknown_warehouse", f"unknown warehouse {warehouse!r}")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError("unknown_role", f"unknown role {role!r}; one of {', '.join(ROLES)}")


def _check_password(password: str, username: str) -> None:
    problem = weakness(password, username)
    if problem is not None:
        raise AccountError("weak_password", problem)


def create_user(
    engine: Engine,
    username: str,
    password: str,
    *,
    role: str,
    now: datetime,
    display_name: str | None = None,
    warehouse: str | None = None,
    actor: str = "admin-cli",
    floor_pin: str | None = None,
) -> None:
    """A person's account; `floor_pin`, if given, is the PIN for the floor pages of the
    depot (server/services/floor_access.py), which must not be the password."""
    _check_role(role)
    _check_password(password, username)
    _check_warehouse(engine, warehouse)
    password_hash = hash_password(password)
    try:
        pin_hash = None if floor_pin is None else floor_hash(floor_pin, password_hash)
    except FloorAccessError as exc:
        raise AccountError("bad_pin", exc.detail) from exc
    try:
        with engine.begin() as conn:
            conn.execute(
                users.insert().values(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    warehouse=warehouse,
                    password_hash=password_hash,
                    active=True,
                    floor_hash=pin_hash,
                )
            )
            record(conn, actor, "create_user", username, depot=warehouse, now=now, role=role)
    except IntegrityError as exc:
        raise AccountError("user_exists", f"user {username!r} already exists") from exc


def create_gateway_client(
    engine: Engine, client_id: str, warehouse: str, now: datetime, actor: str = "admin-cli"
) -> str:
    """Register a gateway for one warehouse; returns its token (stored only as a hash)."""
    _check_warehouse(engine, warehouse)
    token = new_token()
    try:
        with engine.begin() as conn:
            conn.execute(
                api_clients.insert().values(
                    client_id=client_id,
                    kind="gateway",
                    warehouse=warehouse,
                    token_hash=token_hash(token),
                    created_at=now,
                    active=True,
                )
            )
            record(conn, actor, "create_gateway", client_id, depot=warehouse, now=now)
    except IntegrityError as exc:
        raise AccountError("gateway_exists", f"client {client_id!r} already exists") from exc
    return token


def _depot_of(conn: Connection, username: str) -> str | None:
    """A person's depot (None: the whole network); refused if there is no such person."""
    row = conn.execute(select(users.c.warehouse).where(users.c.username == username)).first()
    if row is None:
        raise AccountError("unknown_user", f"no user {username!r}")
    return None if row.warehouse is None else str(row.warehouse)


def _not_oneself(actor: str, username: str) -> None:
    if actor == username:
        raise AccountError("own_account", "an administrator cannot do this to their own account")


def change_user(
    engine: Engine, actor: str, username: str, *, role: str, warehouse: str | None, now: datetime
) -> None:
    """Give a person another role or depot (or none: the whole network). Their open sessions
    act with the new role and depot from their next request (each request reads the account)."""
    _not_oneself(actor, username)
    _check_role(role)
    _check_warehouse(engine, warehouse)
    with engine.begin() as conn:
        before = _depot_of(conn, username)
        conn.execute(
            update(users).where(users.c.username == username).values(role=role, warehouse=warehouse)
        )
        record(
            conn,
            actor,
            "change_user",
            username,
            depot=warehouse,
            now=now,
            role=role,
            previous_depot=before,
        )


def disable_user(engine: Engine, actor: str, username: str, now: datetime) -> None:
    """No more logins for this person, and their open sessions end now. The account stays,
    so that what they did keeps its author."""
    _not_oneself(actor, username)
    with engine.begin() as conn:
        depot = _depot_of(conn, username)
        conn.execute(update(users).where(users.c.username == username).values(active=False))
        conn.execute(delete(sessions).where(sessions.c.username == username))
        record(conn, actor, "disable_user", username, depot=depot, now=now)


def enable_user(engine: Engine, actor: str, username: str, now: datetime) -> None:
    """A disabled person may log in again (with the password they had: reset it if it may
    have been shared). By another administrator, as disabling is."""
    _not_oneself(actor, username)
    with engine.begin() as conn:
        depot = _depot_of(conn, username)
        conn.execute(update(users).where(users.c.username == username).values(active=True))
        record(conn, actor, "enable_user", username, depot=depot, now=now)


def reset_password(engine: Engine, actor: str, username: str, password: str, now: datetime) -> None:
    """A new password for a person (its rules: kernel.passwords); their open sessions end."""
    _check_password(password, username)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        depot = _depot_of(conn, username)
        conn.execute(
            update(users).where(users.c.username == username).values(password_hash=password_hash)
        )
        conn.execute(delete(sessions).where(sessions.c.username == username))
        record(conn, actor, "reset_password", username, depot=depot, now=now)


def revoke_gateway(engine: Engine, actor: str, client_id: str, now: datetime) -> str:
    """A gateway's token no longer opens anything (its calls are answered 401); answers the
    gateway's depot. Registering the gateway again under a new name gives it a new token."""
    with engine.begin() as conn:
        depot = conn.execute(
            select(api_clients.c.warehouse).where(api_clients.c.client_id == client_id)
        ).scalar_one_or_none()
        if depot is None:
            raise AccountError("unknown_gateway", f"no gateway {client_id!r}")
        conn.execute(
            update(api_clients).where(api_clients.c.client_id == client_id).values(active=False)
        )
        record(conn, actor, "revoke_gateway", client_id, depot=depot, now=now)
    return str(depot)
