"""Who is asking: people (session token, from the login form or POST /api/v1/sessions) and
devices (a gateway's API token, bound to its warehouse)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from server.security import new_token, token_hash, verify_password
from server.tables import api_clients, sessions, users

SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class User:
    username: str
    display_name: str
    role: str
    warehouse: str | None


@dataclass(frozen=True, slots=True)
class Device:
    client_id: str
    warehouse: str


def login(engine: Engine, username: str, password: str) -> tuple[str, datetime] | None:
    """A new session token for valid credentials, or None. The token is shown once."""
    with engine.begin() as conn:
        row = conn.execute(
            select(users.c.password_hash, users.c.active).where(users.c.username == username)
        ).one_or_none()
        if row is None or not row.active or not verify_password(password, row.password_hash):
            return None
        token = new_token()
        now = datetime.now(UTC)
        expires = now + timedelta(hours=SESSION_HOURS)
        conn.execute(
            insert(sessions).values(
                token_hash=token_hash(token), username=username, created_at=now, expires_at=expires
            )
        )
    return token, expires


def logout(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def user_for(engine: Engine, token: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                users.c.username,
                users.c.display_name,
                users.c.role,
                users.c.warehouse,
                sessions.c.expires_at,
            )
            .join(users, users.c.username == sessions.c.username)
            .where((sessions.c.token_hash == token_hash(token)) & users.c.active)
        ).one_or_none()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires < datetime.now(UTC):
        return None
    return User(row.username, row.display_name, row.role, row.warehouse)


def device_for(engine: Engine, token: str) -> Device | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(api_clients.c.client_id, api_clients.c.warehouse).where(
                (api_clients.c.token_hash == token_hash(token)) & api_clients.c.active
            )
        ).one_or_none()
    return Device(row.client_id, row.warehouse) if row else None
