"""Who is asking: people (session token, from the login form or POST /api/v1/sessions) and
devices (a gateway's API token, bound to its warehouse)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from server.audit import record
from server.security import new_token, token_hash, verify_password
from server.tables import api_clients, login_failures, sessions, users

SESSION_HOURS = 12
MAX_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)


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


class Throttled(Exception):
    """Too many failed logins for this user name; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def login(engine: Engine, username: str, password: str) -> tuple[str, datetime] | None:
    """A new session token for valid credentials, or None. The token is shown once.
    After MAX_FAILURES failed attempts within THROTTLE_WINDOW, the user name is refused
    (Throttled) until the oldest of them is out of the window, right password or not."""
    now = datetime.now(UTC)
    since = now - THROTTLE_WINDOW
    with engine.begin() as conn:
        recent = [
            at if at.tzinfo else at.replace(tzinfo=UTC)
            for at in conn.execute(
                select(login_failures.c.at)
                .where((login_failures.c.username == username) & (login_failures.c.at > since))
                .order_by(login_failures.c.at)
            ).scalars()
        ]
        if len(recent) >= MAX_FAILURES:
            wait = recent[-MAX_FAILURES] + THROTTLE_WINDOW - now
            raise Throttled(max(1, int(wait.total_seconds()) + 1))
        row = conn.execute(
            select(users.c.password_hash, users.c.active, users.c.warehouse).where(
                users.c.username == username
            )
        ).one_or_none()
        depot = row.warehouse if row is not None else None
        if row is None or not row.active or not verify_password(password, row.password_hash):
            conn.execute(insert(login_failures).values(username=username, at=now))
            record(conn, username, "login_failed", None, depot=depot)
            return None
        conn.execute(delete(login_failures).where(login_failures.c.username == username))
        record(conn, username, "login", None, depot=depot)
        token = new_token()
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
