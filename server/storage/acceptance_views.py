"""What the acceptance screen reads: the goods waiting for acceptance at a depot (stock in
`pending_acceptance`, found by the stock's (status, warehouse) index and the partial index
of the waiting lines by batch, never by reading the depot's stock), one such line, and the
items an inbound notice expects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.queries import stock_lines, waiting_for_acceptance
from server.storage.tables import (
    batches,
    inbound_lines,
    inbound_notices,
    items,
    locations,
    stock,
    suppliers,
)

MAX_WAITING = 100  # lines the list shows, the longest waiting first


def _waiting() -> Any:
    return stock_lines().where(waiting_for_acceptance())


def waiting(
    engine: Engine, depot: str | None, only_items: frozenset[str] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """How many stock lines wait for acceptance (a depot's, or every depot's; only those of
    `only_items` if given: an inbound notice's items), and the first MAX_WAITING of them, the
    longest waiting first."""
    query = _waiting()
    counted = select(func.count()).where(waiting_for_acceptance())  # by index, without the names
    if depot is not None:
        query = query.where(stock.c.warehouse == depot)
        counted = counted.where(stock.c.warehouse == depot)
    if only_items is not None:
        query = query.where(items.c.code.in_(sorted(only_items)))
        counted = counted.join(batches, batches.c.id == stock.c.batch_id).where(
            batches.c.item_code.in_(sorted(only_items))
        )
    ordered = query.order_by(batches.c.inbound_date, batches.c.id, locations.c.code)
    with engine.connect() as conn:
        total = conn.execute(counted.select_from(stock)).scalar_one()
        rows = [dict(r) for r in conn.execute(ordered.limit(MAX_WAITING)).mappings()]
    return int(total), rows


def one_waiting(
    engine: Engine, depot: str, location: str, item: str, batch: str
) -> dict[str, Any] | None:
    """One stock line waiting for acceptance, or None if nothing waits there."""
    query = _waiting().where(
        (stock.c.warehouse == depot)
        & (locations.c.warehouse == depot)
        & (locations.c.code == location)
        & (items.c.code == item)
        & (batches.c.batch_no == batch)
    )
    with engine.connect() as conn:
        found = conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


def notice_items(engine: Engine, number: str) -> tuple[int, str, frozenset[str]] | None:
    """An inbound notice's id, depot and the items it expects; None if there is none."""
    with engine.connect() as conn:
        head = conn.execute(
            select(inbound_notices.c.id, inbound_notices.c.warehouse).where(
                inbound_notices.c.number == number
            )
        ).first()
        if head is None:
            return None
        codes = conn.execute(
            select(inbound_lines.c.item_code).where(inbound_lines.c.notice_id == head.id)
        ).scalars()
        return head.id, head.warehouse, frozenset(codes)


def supplier_choices(engine: Engine) -> list[tuple[str, str]]:
    """The suppliers a decision may name: (code, code and name)."""
    query = select(suppliers.c.code, suppliers.c.name).order_by(suppliers.c.code)
    with engine.connect() as conn:
        return [(code, f"{code} {name}") for code, name in conn.execute(query)]
