"""Who is asking: people (session token, from the login form or POST /api/v1/sessions;
logging in is server/services/login.py) and devices (a gateway's API token, bound to its
warehouse)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select

from server.domain.errors import Throttled
from server.domain.security import Device, User, token_hash
from server.services.login import SESSION_HOURS, login
from server.storage.tables import api_clients, sessions, users

__all__ = [
    "SESSION_HOURS",
    "Device",
    "Throttled",
    "User",
    "device_for",
    "login",
    "logout",
    "user_for",
]


def logout(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def user_for(engine: Engine, token: str, now: datetime) -> User | None:
    """The person whose session `token` is, while it has not ended at `now`."""
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
    if expires < now:
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
