"""Who may sign on to a depot's floor pages (served by its gateway), and with what.

The floor pages take a floor PIN, a credential of its own: never the person's central
password, whose hash no gateway ever receives. A gateway gets, in its sync, the people of its
depot who have a floor PIN and a floor role (admin, supervisor, keeper: the `floor`
permission), each with the PIN's scrypt hash only:

- people bound to the depot (`users.warehouse`);
- people bound to no depot (administrators and supervisors of the whole province or city)
  only where an administrator granted them the floor of that depot (`floor_grants`).

A person bound to one depot is never given another depot's floor. Setting a PIN, granting
and revoking are recorded in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, exists, select, update

from server.domain.errors import FloorAccessError
from server.domain.permissions import PERMISSIONS
from server.domain.security import hash_password, verify_password
from server.services.audit import record
from server.storage.tables import floor_grants, users, warehouses

PIN_MIN, PIN_MAX = 6, 64
FLOOR_ROLES = tuple(sorted(PERMISSIONS["floor"]))


def check_pin(pin: str) -> str:
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise FloorAccessError(f"a floor PIN has {PIN_MIN} to {PIN_MAX} characters")
    if not pin.isprintable() or pin != pin.strip():
        raise FloorAccessError("a floor PIN has no spaces at its ends and no control characters")
    return pin


def floor_hash(pin: str, password_hash: str | None = None) -> str:
    """The hash a gateway keeps for `pin`; refused if the PIN is the central password."""
    check_pin(pin)
    if password_hash is not None and verify_password(pin, password_hash):
        raise FloorAccessError("the floor PIN must not be the central password")
    return hash_password(pin)


def _person(conn: Connection, username: str) -> Any:
    row = conn.execute(
        select(users.c.role, users.c.warehouse, users.c.password_hash).where(
            users.c.username == username
        )
    ).one_or_none()
    if row is None:
        raise FloorAccessError(f"no user {username!r}")
    return row


def set_floor_pin(
    engine: Engine, username: str, pin: str | None, actor: str, now: datetime
) -> None:
    """Set (or, with None, remove) a person's floor PIN."""
    with engine.connect() as conn:
        person = _person(conn, username)
    value = None if pin is None else floor_hash(pin, person.password_hash)  # scrypt unlocked
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == username).values(floor_hash=value))
        action = "set_floor_pin" if pin else "remove_floor_pin"
        record(conn, actor, action, username, depot=person.warehouse, now=now)


def grant_floor(engine: Engine, username: str, warehouse: str, actor: str, now: datetime) -> None:
    """Give a person bound to no depot the floor of `warehouse`."""
    with engine.begin() as conn:
        person = _person(conn, username)
        if person.warehouse is not None:
            raise FloorAccessError(
                f"{username} is bound to {person.warehouse} and has its floor only"
            )
        if person.role not in FLOOR_ROLES:
            raise FloorAccessError(f"the role {person.role} has no floor pages")
        if (
            conn.execute(select(warehouses.c.code).where(warehouses.c.code == warehouse)).first()
            is None
        ):
            raise FloorAccessError(f"unknown warehouse {warehouse!r}")
        conn.execute(delete(floor_grants).where(_grant(username, warehouse)))
        conn.execute(
            floor_grants.insert().values(
                username=username,
                warehouse=warehouse,
                granted_by=actor,
                granted_at=now,
            )
        )
        record(conn, actor, "grant_floor", username, depot=warehouse, now=now)


def revoke_floor(engine: Engine, username: str, warehouse: str, actor: str, now: datetime) -> None:
    with engine.begin() as conn:
        gone = conn.execute(delete(floor_grants).where(_grant(username, warehouse))).rowcount
        if not gone:
            raise FloorAccessError(f"{username} has no grant for the floor of {warehouse}")
        record(conn, actor, "revoke_floor", username, depot=warehouse, now=now)


def _grant(username: str, warehouse: str) -> Any:
    return (floor_grants.c.username == username) & (floor_grants.c.warehouse == warehouse)


def floor_people(conn: Connection, warehouse: str) -> list[dict[str, Any]]:
    """Who may sign on to the floor of `warehouse`, with their floor PIN hashes: what its
    gateway receives."""
    granted = exists().where(
        (floor_grants.c.username == users.c.username) & (floor_grants.c.warehouse == warehouse)
    )
    query = (
        select(users.c.username, users.c.display_name, users.c.role, users.c.floor_hash)
        .where(
            users.c.active
            & users.c.role.in_(FLOOR_ROLES)
            & users.c.floor_hash.is_not(None)
            & ((users.c.warehouse == warehouse) | (users.c.warehouse.is_(None) & granted))
        )
        .order_by(users.c.username)
    )
    return [dict(row) for row in conn.execute(query).mappings()]
