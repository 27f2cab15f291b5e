"""Re-inspection, scrapping, rotation and returns as their pages show them: the stock a
person picks a batch from, the proposals waiting for a decision, the depot's recent decisions
of these kinds, one decision with the one that completes it, and the rejections whose goods
may still go back to the supplier.

Every read goes along an index and stops at a limit: the items a depot holds come from the
stock summary (a few rows per item and making day), an item's stock lines from its batches
(`uq_batches_item_batch`) and their stock (`ix_stock_batch`), decisions by depot and kind
(`ix_approvals_warehouse_kind`) and their completions by parent (`ix_approvals_parent`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select
from sqlalchemy.orm import aliased

from server.domain.ageing import UNKNOWN_MADE
from server.storage.tables import (
    approvals,
    batches,
    items,
    locations,
    postings,
    stock,
    stock_summary,
    warehouses,
)

PROPOSALS = ("scrap_proposal", "rotation_proposal")
KINDS = (
    "reinspection",
    "scrap_proposal",
    "scrapping",
    "rotation_proposal",
    "rotation",
    "return_inspection",
    "supplier_return",
)
LINES = 200  # stock lines of one item offered to pick from
RECENT = 30
WAITING = 50


def depots(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(warehouses.c.code, warehouses.c.name_zh).order_by(warehouses.c.code)
        ).mappings()
        return [dict(r) for r in rows]


def held_items(engine: Engine, depot: str, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """The items a depot holds some of in `statuses`: each item of the catalogue looked up in
    the stock summary by its key (depot, item, status), never summed over its making days."""
    kept = stock_summary.c
    holds = (
        select(kept.item_code)
        .where(kept.warehouse == depot, kept.item_code == items.c.code)
        .where(kept.status.in_(statuses), kept.qty > 0)
        .exists()
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(items.c.code, items.c.name_zh, items.c.name_en)
            .where(holds)
            .order_by(items.c.code)
        ).mappings()
        return [dict(r) for r in rows]


def _made_until(conn: Connection, depot: str, item: str, statuses: tuple[str, ...]) -> Any:
    """The making day by which the depot's oldest LINES stock lines of the item were made,
    from the stock summary (its key: depot, item, status, making day); None: all of them."""
    kept = stock_summary.c
    held = 0
    for made, lines in conn.execute(
        select(kept.made, kept.lines)
        .where(kept.warehouse == depot, kept.item_code == item, kept.status.in_(statuses))
        .where(kept.qty > 0)
        .order_by(kept.made)
        .limit(LINES)
    ):
        held += int(lines)
        if held >= LINES:  # stock of no known making day is the summary's last day
            return None if str(made)[:10] == UNKNOWN_MADE.isoformat() else made
    return None


def stock_lines(
    engine: Engine, depot: str, item: str, statuses: tuple[str, ...]
) -> list[dict[str, Any]]:
    """An item's stock lines at a depot in `statuses`, oldest made first (at most LINES): the
    item's batches made by the day the summary says its first LINES lines were, read along the
    item's making-day indexes (`ix_batches_item_prod_date`, `ix_batches_item_inbound_date`),
    then their stock by batch (`ix_stock_batch`); never a pass over the depot's stock."""
    b = batches.c
    with engine.connect() as conn:
        until = _made_until(conn, depot, item, statuses)
        made_known = select(b.id, b.batch_no, b.prod_date.label("made"), b.reinspection_valid_until)
        made_known = made_known.where(b.item_code == item, b.prod_date.is_not(None))
        inbound_only = select(b.id, b.batch_no, b.inbound_date, b.reinspection_valid_until)
        inbound_only = inbound_only.where(b.item_code == item, b.prod_date.is_(None))
        if until is not None:
            made_known = made_known.where(b.prod_date <= until)
            inbound_only = inbound_only.where(b.inbound_date <= until)
        found = {r[0]: r for q in (made_known, inbound_only) for r in conn.execute(q)}
        rows = []
        ids = list(found)
        for at in range(0, len(ids), 500):
            for line in conn.execute(
                select(stock.c.batch_id, locations.c.code, stock.c.status, stock.c.qty)
                .join(locations, locations.c.id == stock.c.location_id)
                .where(stock.c.batch_id.in_(ids[at : at + 500]), stock.c.warehouse == depot)
                .where(stock.c.status.in_(statuses), stock.c.qty > 0)
            ):
                _, batch_no, made, valid_until = found[line.batch_id]
                rows.append(
                    {
                        "batch": batch_no,
                        "location": line.code,
                        "status": line.status,
                        "qty": line.qty,
                        "made": made,
                        "valid_until": valid_until,
                    }
                )
    rows.sort(key=lambda r: (str(r["made"] or "9999-12-31"), r["batch"], r["location"]))
    return rows[:LINES]


def _decisions(
    engine: Engine, depot: str | None, kinds: tuple[str, ...], limit: int, waiting: bool
) -> list[dict[str, Any]]:
    done = aliased(approvals)
    a = approvals.c
    query = (
        select(a.id, a.kind, a.warehouse, a.reference, a.decided_by, a.decided_at, a.decision,
               a.payload, done.c.id.label("completed_by"))
        .outerjoin(done, done.c.parent_id == a.id)
        .where(a.kind.in_(kinds))
        .order_by(a.id.desc())
        .limit(limit)
    )  # fmt: skip
    if waiting:
        query = query.where(done.c.id.is_(None))
    with engine.connect() as conn:
        codes = [depot] if depot else list(conn.execute(select(warehouses.c.code)).scalars())
        rows = [
            dict(r)
            for code in codes
            for r in conn.execute(query.where(a.warehouse == code)).mappings()
        ]
    rows.sort(key=lambda r: -int(r["id"]))
    for r in rows[:limit]:
        r["payload"] = json.loads(r["payload"])
    return rows[:limit]


def waiting(engine: Engine, depot: str | None) -> list[dict[str, Any]]:
    """Scrapping and rotation proposals not decided yet, newest first."""
    return _decisions(engine, depot, PROPOSALS, WAITING, waiting=True)


def recent(
    engine: Engine, depot: str | None, kinds: tuple[str, ...] = KINDS
) -> list[dict[str, Any]]:
    """The newest decisions of these kinds, with the one that completed each, if any."""
    return _decisions(engine, depot, kinds, RECENT, waiting=False)


def decision(engine: Engine, approval_id: int) -> dict[str, Any] | None:
    """One decision with its payload read, the decision it completes (`parent`), the one that
    completes it (`child`) and how many postings stand on it."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(approvals).where(approvals.c.id == approval_id)).mappings().first()
        )
        if row is None:
            return None
        found = {**row, "payload": json.loads(row["payload"])}
        child = conn.execute(
            select(approvals.c.id, approvals.c.kind, approvals.c.decided_by,
                   approvals.c.decided_at, approvals.c.reference, approvals.c.payload)
            .where(approvals.c.parent_id == approval_id).limit(1)
        ).mappings().first()  # fmt: skip
        found["child"] = {**child, "payload": json.loads(child["payload"])} if child else None
        found["postings"] = int(
            conn.execute(
                select(func.count())
                .select_from(postings)
                .where(postings.c.approval_id == approval_id)
            ).scalar_one()
        )
    return found


def open_rejections(engine: Engine, depot: str) -> list[dict[str, Any]]:
    """The depot's newest acceptance decisions that rejected goods, with how many were
    rejected and how many already went back to the supplier."""
    sent = aliased(approvals)
    back = (
        select(func.coalesce(-func.sum(postings.c.qty), 0))
        .select_from(sent)
        .join(postings, postings.c.approval_id == sent.c.id)
        .where(and_(sent.c.parent_id == approvals.c.id, sent.c.kind == "supplier_return"))
        .scalar_subquery()
    )
    rejected = (
        select(func.coalesce(func.sum(postings.c.qty), 0))
        .where(postings.c.approval_id == approvals.c.id, postings.c.qty > 0)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(approvals.c.id, approvals.c.reference, approvals.c.decided_by,
                   approvals.c.decided_at, approvals.c.payload, rejected.label("rejected"),
                   back.label("returned"))
            .where(approvals.c.warehouse == depot, approvals.c.kind == "acceptance",
                   approvals.c.decision == "rejected")
            .order_by(approvals.c.id.desc())
            .limit(RECENT)
        ).mappings()  # fmt: skip
        return [{**r, "payload": json.loads(r["payload"])} for r in rows]
