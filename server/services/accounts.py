"""Creating people's accounts and devices' API tokens (used by the CLI and the demo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from server.domain.errors import AccountError, FloorAccessError
from server.domain.security import ROLES, hash_password, new_token, token_hash
from server.services.audit import record
from server.services.floor_access import floor_hash
from server.storage.tables import api_clients, users, warehouses


def _check_warehouse(engine: Engine, warehouse: str | None) -> None:
    if warehouse is None:
        return
    with engine.connect() as conn:
        found = conn.execute(select(warehouses.c.code).where(warehouses.c.code == warehouse))
        if found.first() is None:
            raise AccountError(f"unknown warehouse {warehouse!r}")


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
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")
    _check_warehouse(engine, warehouse)
    password_hash = hash_password(password)
    try:
        pin_hash = None if floor_pin is None else floor_hash(floor_pin, password_hash)
    except FloorAccessError as exc:
        raise AccountError(exc.detail) from exc
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
        raise AccountError(f"user {username!r} already exists") from exc


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
        raise AccountError(f"client {client_id!r} already exists") from exc
    return token
