"""Read models of the ledger's pages (server.dash.ledger): a stock line's postings with their
running balance, and an event's or a decision's postings. Each reads by an index and pages
what can grow."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from server.storage.tables import approvals, batches, events, items, locations, postings

SHOWN = 500  # postings of one event or decision shown


def line_ids(
    engine: Engine, depot: str, location: str, item: str, batch: str
) -> tuple[int, int] | None:
    """(location id, batch id) of a stock line named by its codes, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(locations.c.id, batches.c.id)
            .select_from(locations)
            .join(batches, and_(batches.c.item_code == item, batches.c.batch_no == batch))
            .where(locations.c.warehouse == depot, locations.c.code == location)
        ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def line_postings(
    engine: Engine,
    depot: str,
    stack: tuple[int, int],
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, int, list[dict[str, Any]]]:
    """The postings of one stock line (and status, if given), newest first: how many, the
    line's balance, and a page of them, each with the balance after it."""
    location_id, batch_id = stack
    condition = and_(
        postings.c.warehouse == depot,
        postings.c.location_id == location_id,
        postings.c.batch_id == batch_id,
        *([postings.c.status == status] if status else []),
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(condition)).scalar_one()
        balance = conn.execute(
            select(func.coalesce(func.sum(postings.c.qty), 0)).where(condition)
        ).scalar_one()
        rows = [
            dict(r)
            for r in conn.execute(
                select(postings, events.c.type.label("event_type"))
                .outerjoin(events, events.c.event_id == postings.c.event_id)
                .where(condition)
                .order_by(postings.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).mappings()
        ]
        # the balance after each posting shown: the total, less the newer ones
        newer = conn.execute(
            select(func.coalesce(func.sum(postings.c.qty), 0)).where(
                condition, postings.c.id > (rows[0]["id"] if rows else 0)
            )
        ).scalar_one()
    running = int(balance) - int(newer)
    for r in rows:
        r["balance"] = running
        running -= int(r["qty"])
    return int(total), int(balance), rows


def event_with_postings(engine: Engine, event_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """One floor event as stored, and the postings it made."""
    with engine.connect() as conn:
        event = conn.execute(select(events).where(events.c.event_id == event_id)).mappings().one()
        return event, _postings_of(conn, postings.c.event_id == event_id)


def approval_with_postings(engine: Engine, approval_id: int) -> tuple[Any, list[dict[str, Any]]]:
    """One decision as recorded, and the postings it made."""
    with engine.connect() as conn:
        decision = conn.execute(
            select(approvals).where(approvals.c.id == approval_id)
        ).mappings().one()  # fmt: skip
        return decision, _postings_of(conn, postings.c.approval_id == approval_id)


def _postings_of(conn: Connection, condition: Any) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in conn.execute(
            select(
                postings,
                locations.c.code.label("location"),
                batches.c.item_code.label("item"),
                batches.c.batch_no.label("batch"),
                items.c.name_zh,
                items.c.name_en,
            )
            .join(locations, locations.c.id == postings.c.location_id)
            .join(batches, batches.c.id == postings.c.batch_id)
            .join(items, items.c.code == batches.c.item_code)
            .where(condition)
            .order_by(postings.c.id)
            .limit(SHOWN)
        ).mappings()
    ]
