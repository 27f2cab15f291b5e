"""Logging in (the dashboard's form and POST /api/v1/sessions): a session for the right
password, and password guessing slowed by name and by address (kernel/guessing.py).

An attempt is written down as a failure before its password is checked, and struck out again
when it succeeds, so that attempts made at the same moment see each other. The password is
checked outside any transaction (scrypt takes tens of milliseconds, and on SQLite every
transaction holds the write lock). A name that does not exist, or an account that is
switched off, is checked against a stand-in hash of the same cost: the answer and the time
it takes are those of a wrong password.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from kernel.guessing import POLICY, Attempt, Failures, Policy, source_key, wait
from kernel.passwords import stand_in_hash
from server.domain.errors import Throttled
from server.domain.security import new_token, token_hash, verify_password
from server.services.audit import record
from server.storage.tables import known_sources, login_failures, sessions, users

SESSION_HOURS = 12
NAME_LIMIT = 64  # the longest user name there can be


def login(
    engine: Engine,
    username: str,
    password: str,
    now: datetime,
    source: str | None = None,
    policy: Policy = POLICY,
) -> tuple[str, datetime] | None:
    """A new session token and its end for the right password, or None; the token is shown
    once. `source` is the address the attempt came from. Raises Throttled while this name or
    this address must wait, right password or not."""
    name, address = username[:NAME_LIMIT], source_key(source)
    with engine.begin() as conn:
        _serialise(conn, name, address)
        pause = wait(_attempt(conn, name, address, now, policy), now.timestamp(), policy)
        if pause > 0:
            raise Throttled(math.ceil(pause))
        row = conn.execute(
            select(users.c.password_hash, users.c.active, users.c.warehouse).where(
                users.c.username == name
            )
        ).one_or_none()
        conn.execute(insert(login_failures).values(username=name, source=address, at=now))
    matches = verify_password(password, row.password_hash if row else stand_in_hash())
    with engine.begin() as conn:
        if not (matches and row is not None and row.active and name == username):
            depot = row.warehouse if row is not None else None
            record(conn, name, "login_failed", None, depot=depot, now=now, source=address)
            conn.execute(
                delete(login_failures).where(
                    login_failures.c.at < now - timedelta(seconds=policy.window)
                )
            )
            return None
        conn.execute(
            delete(login_failures).where(
                (login_failures.c.username == name) & (login_failures.c.source == address)
            )
        )
        _remember_source(conn, name, address, now)
        record(conn, name, "login", None, depot=row.warehouse, now=now, source=address)
        token = new_token()
        expires = now + timedelta(hours=SESSION_HOURS)
        conn.execute(
            insert(sessions).values(
                token_hash=token_hash(token), username=name, created_at=now, expires_at=expires
            )
        )
    return token, expires


def _serialise(conn: Connection, name: str, address: str) -> None:
    """Attempts for one name, and from one address, are counted one after the other. SQLite
    does so already (BEGIN IMMEDIATE); PostgreSQL takes a lock for each until the commit."""
    if conn.dialect.name == "postgresql":
        for kind, key in ((1, name), (2, address)):  # always in this order: no deadlock
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:kind, hashtext(:key))"),
                {"kind": kind, "key": key},
            )


def _failures(conn: Connection, condition: ColumnElement[bool]) -> Failures:
    count, last = conn.execute(
        select(func.count(), func.max(login_failures.c.at)).where(condition)
    ).one()
    if not count:
        return Failures()
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return Failures(int(count), last.timestamp())


def _attempt(conn: Connection, name: str, address: str, now: datetime, policy: Policy) -> Attempt:
    recent = login_failures.c.at > now - timedelta(seconds=policy.window)
    known = select(known_sources.c.source).where(
        (known_sources.c.username == name)
        & (known_sources.c.last_login > now - timedelta(seconds=policy.known_for))
    )
    known_here = conn.execute(known.where(known_sources.c.source == address)).first() is not None
    by_name = login_failures.c.username == name
    return Attempt(
        pair=_failures(conn, recent & by_name & (login_failures.c.source == address)),
        source=_failures(conn, recent & (login_failures.c.source == address)),
        name=_failures(conn, recent & by_name & login_failures.c.source.not_in(known)),
        known_source=known_here,
    )


def _remember_source(conn: Connection, name: str, address: str, now: datetime) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(known_sources)
        .values(username=name, source=address, last_login=now)
        .on_conflict_do_update(
            index_elements=[known_sources.c.username, known_sources.c.source],
            set_={"last_login": now},
        )
    )
