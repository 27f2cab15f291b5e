"""Read models of the labels asked for at the centre and printed at the depots
(server/domain/print_requests.py): what a depot's gateway takes with its sync, and a depot's
newest requests with what its gateway reported of them (the API and the labels page)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from server.domain.depot_time import utc
from server.domain.print_requests import SYNCED
from server.storage.tables import item_gtins, items, locations, print_requests, warehouses

LISTED = 100


def _iso(moment: datetime | None) -> str | None:
    return utc(moment).isoformat() if moment is not None else None


def as_json(row: Any) -> dict[str, Any]:
    """A request as the API answers it: what was asked, then what came of it."""
    return {
        "id": row.id,
        "depot": row.warehouse,
        "kind": row.kind,
        "printer": row.printer,
        "asked_by": row.asked_by,
        "role": row.asked_role,
        "asked_at": _iso(row.asked_at),
        **json.loads(row.body),
        "state": row.state,
        "jobs": row.jobs,
        "printed": row.printed,
        "first_sscc": row.first_sscc,
        "last_sscc": row.last_sscc,
        "reason_zh": row.reason_zh,
        "reason_en": row.reason_en,
        "updated_at": _iso(row.updated_at),
    }


def for_sync(conn: Connection, warehouse: str) -> list[dict[str, Any]]:
    """The depot's requests still asked, oldest first (at most SYNCED), as its gateway takes
    them: what to print, on which printer, asked by whom (ix_print_requests_warehouse_state)."""
    query = (
        select(print_requests)
        .where((print_requests.c.warehouse == warehouse) & (print_requests.c.state == "asked"))
        .order_by(print_requests.c.id)
        .limit(SYNCED)
    )
    return [
        {"id": r.id, "kind": r.kind, "printer": r.printer, "asked_by": r.asked_by,
         "role": r.asked_role, **json.loads(r.body)}
        for r in conn.execute(query)
    ]  # fmt: skip


def recent(engine: Engine, depot: str | None, limit: int = LISTED) -> list[dict[str, Any]]:
    """The newest requests of one depot (None: of every depot), newest first."""
    query = select(print_requests).order_by(print_requests.c.id.desc()).limit(limit)
    if depot is not None:
        query = query.where(print_requests.c.warehouse == depot)
    with engine.connect() as conn:
        return [as_json(r) for r in conn.execute(query)]


def one(engine: Engine, request_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(print_requests).where(print_requests.c.id == request_id)).first()
    return as_json(row) if row is not None else None


def choices(engine: Engine, depot: str | None) -> dict[str, Any]:
    """What the labels page's forms offer: the depots (for a person of none), the catalogue's
    GTINs with their items, and the depot's storage locations in walk order."""
    with engine.connect() as conn:
        depots = [dict(r) for r in conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh).order_by(warehouses.c.code)
        ).mappings()]  # fmt: skip
        if depot is None:
            return {"depots": depots, "gtins": [], "locations": []}
        gtins = [dict(r) for r in conn.execute(
            select(item_gtins.c.gtin, items.c.code, items.c.name_zh, items.c.name_en)
            .join(items, items.c.code == item_gtins.c.item_code)
            .order_by(items.c.code, item_gtins.c.gtin)
        ).mappings()]  # fmt: skip
        places = conn.execute(
            select(locations.c.code)
            .where((locations.c.warehouse == depot) & (locations.c.kind == "storage"))
            .order_by(locations.c.walk_order, locations.c.code)
        ).scalars()
        return {"depots": depots, "gtins": gtins, "locations": list(places)}
