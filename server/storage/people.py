"""People's accounts and the gateways' clients as the people page shows them (never a
password's or a token's hash), with each gateway's last report and sync."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, select

from server.storage.tables import api_clients, gateway_status, users, warehouses

PAGE_ROWS = 100  # people, and gateways, on one page
MAX_DEPOTS = 1000


def people(engine: Engine, offset: int = 0, limit: int = PAGE_ROWS) -> list[dict[str, Any]]:
    """One page of the accounts, by username (one row more than `limit`: another page)."""
    query = (
        select(
            users.c.username,
            users.c.display_name,
            users.c.role,
            users.c.warehouse,
            users.c.active,
            users.c.floor_hash.is_not(None).label("has_pin"),
        )
        .order_by(users.c.username)
        .offset(offset)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def gateway_clients(
    engine: Engine, offset: int = 0, limit: int = PAGE_ROWS
) -> list[dict[str, Any]]:
    """One page of the gateway clients by depot, each with what its depot's gateway last
    reported if this client was the one reporting (one row more than `limit`: another page)."""
    query = (
        select(
            api_clients.c.client_id,
            api_clients.c.warehouse,
            api_clients.c.created_at,
            api_clients.c.active,
            gateway_status.c.reported_at,
            gateway_status.c.last_sync_at,
        )
        .outerjoin(
            gateway_status,
            and_(
                gateway_status.c.warehouse == api_clients.c.warehouse,
                gateway_status.c.client_id == api_clients.c.client_id,
            ),
        )
        .where(api_clients.c.kind == "gateway")
        .order_by(api_clients.c.warehouse, api_clients.c.client_id)
        .offset(offset)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def person(engine: Engine, username: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(
                    users.c.username,
                    users.c.display_name,
                    users.c.role,
                    users.c.warehouse,
                    users.c.active,
                ).where(users.c.username == username)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def depots(engine: Engine) -> list[tuple[str, str]]:
    """The depots a person or a gateway may be bound to: (code, "code name")."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh)
            .order_by(warehouses.c.code)
            .limit(MAX_DEPOTS)
        ).all()
    return [(r.code, f"{r.code} {r.name_zh}") for r in rows]
