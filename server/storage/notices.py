"""Inbound notices as their pages show them: the list, and one notice with its lines, what
the doors received against each (kept as the receiving events are written:
server.services.inbound.count_received) and what acceptance decided; what a new notice's
form offers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, func, select

from server.storage.tables import (
    inbound_lines,
    inbound_notices,
    inbound_units,
    items,
    suppliers,
    warehouses,
)

MAX_CHOICES = 5000  # items offered in a form's list


def notice(engine: Engine, notice_id: int) -> dict[str, Any] | None:
    """The notice with its lines, each with `received` at the doors and the tagged units it
    lists (the supplier's dispatch advice); None if there is none."""
    with engine.connect() as conn:
        head = (
            conn.execute(
                select(inbound_notices, suppliers.c.name.label("supplier_name"))
                .outerjoin(suppliers, suppliers.c.code == inbound_notices.c.supplier)
                .where(inbound_notices.c.id == notice_id)
            )
            .mappings()
            .first()
        )
        if head is None:
            return None
        lines = [
            dict(r)
            for r in conn.execute(
                select(
                    inbound_lines.c.item_code.label("item"),
                    select(func.count())
                    .where(inbound_units.c.line_id == inbound_lines.c.id)
                    .scalar_subquery()
                    .label("units"),
                    items.c.name_zh,
                    items.c.name_en,
                    inbound_lines.c.batch_no.label("batch"),
                    inbound_lines.c.qty,
                    inbound_lines.c.accepted,
                    inbound_lines.c.rejected,
                    inbound_lines.c.received,
                )
                .join(items, items.c.code == inbound_lines.c.item_code)
                .where(inbound_lines.c.notice_id == notice_id)
                .order_by(inbound_lines.c.id)
            ).mappings()
        ]
    return {**head, "lines": lines}


def recent(engine: Engine, depot: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest notices of a depot (every depot for None), open ones first, with their
    lines' count and quantity."""
    lines = (
        select(
            inbound_lines.c.notice_id,
            func.count().label("lines"),
            func.sum(inbound_lines.c.qty).label("qty"),
        )
        .group_by(inbound_lines.c.notice_id)
        .subquery()
    )
    query = (
        select(inbound_notices, lines.c.lines, lines.c.qty, suppliers.c.name.label("supplier_name"))
        .join(lines, lines.c.notice_id == inbound_notices.c.id)
        .outerjoin(suppliers, suppliers.c.code == inbound_notices.c.supplier)
        .order_by((inbound_notices.c.status == "open").desc(), inbound_notices.c.id.desc())
        .limit(limit)
    )
    if depot is not None:
        query = query.where(inbound_notices.c.warehouse == depot)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def choices(engine: Engine, depot: str | None) -> dict[str, list[dict[str, Any]]]:
    """What a new notice's form offers: the suppliers, the items, and the depots (the
    person's own, or every depot)."""
    with engine.connect() as conn:
        depots = select(warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en).order_by(
            warehouses.c.code
        )
        if depot is not None:
            depots = depots.where(warehouses.c.code == depot)
        return {
            "suppliers": [
                dict(r)
                for r in conn.execute(
                    select(suppliers.c.code, suppliers.c.name).order_by(suppliers.c.code)
                ).mappings()
            ],
            "items": item_choices(conn),
            "warehouses": [dict(r) for r in conn.execute(depots).mappings()],
        }


def item_choices(conn: Connection) -> list[dict[str, Any]]:
    """The items a form offers (a list of codes to pick from), the first MAX_CHOICES."""
    query = select(items.c.code, items.c.name_zh, items.c.name_en).order_by(items.c.code)
    return [dict(r) for r in conn.execute(query.limit(MAX_CHOICES)).mappings()]
