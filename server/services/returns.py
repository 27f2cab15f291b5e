"""Goods coming back, and goods going back.

- Returns (art. 24): reusable goods (tents, gear) come back from a disaster area through
  `returning` floor events, on hold. An inspection restocks them (available), or records that
  they failed: they stay on hold until scrapping is proposed for them. Only what came back
  through returns is restocked, only reusable items, and never by the person who took the
  return (server/domain/duties.py: restock). Consumables do not come back; goods rejected at
  acceptance are never restocked (they are `rejected`, not on hold).
- Back to the supplier (art. 8: 退回): goods rejected at acceptance leave the books with the
  rejection as their basis and the return note's number, approved by a second person (not
  the one who rejected them), up to what was rejected.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select

from server.domain.basis import Kind, on_decision
from server.domain.floor import Rejection
from server.services import decisions
from server.services.audit import record
from server.services.disposal import Stack, move_stack
from server.services.refs import batch_id, known_warehouse
from server.storage.tables import approvals, events, items, postings


def _sum(conn: Connection, query: Select[Any]) -> int:
    return int(conn.execute(query).scalar_one() or 0)


def _returned(conn: Connection, warehouse: str, batch: int) -> int:
    """What came back of a batch to a depot through `returning` events."""
    return _sum(
        conn,
        select(func.sum(postings.c.qty))
        .join(events, events.c.event_id == postings.c.event_id)
        .where(
            (postings.c.warehouse == warehouse)
            & (postings.c.batch_id == batch)
            & (postings.c.qty > 0)
            & (events.c.type == "returning")
        ),
    )


def _restocked(conn: Connection, warehouse: str, batch: int) -> int:
    """What return inspections restocked of a batch at a depot."""
    return _sum(
        conn,
        select(func.sum(postings.c.qty))
        .join(approvals, approvals.c.id == postings.c.approval_id)
        .where(
            (postings.c.warehouse == warehouse)
            & (postings.c.batch_id == batch)
            & (postings.c.qty > 0)
            & (postings.c.status == "available")
            & (approvals.c.kind == "return_inspection")
        ),
    )


def inspect_return(
    engine: Engine,
    username: str,
    stack: Stack,
    restock: bool,
    record_no: str,
    order: str | None = None,
    *,
    now: datetime,
) -> int:
    """Returned goods inspected: restocked (with the number of the dispatch order they came
    back from, which must have loaded that much of the batch: server.services.grounds), or left on
    hold."""
    with engine.begin() as conn:
        known_warehouse(conn, stack.warehouse)
        batch = batch_id(conn, stack.item, stack.batch)
        reusable = conn.execute(
            select(items.c.reusable).where(items.c.code == stack.item)
        ).scalar_one()
        if not reusable:
            raise Rejection(
                "not_reusable", f"item {stack.item} is consumable; it does not come back"
            )
        takers = decisions.floor_authors(conn, stack.warehouse, batch, "on_hold")
        decisions.check_approval(conn, "restock", username, takers)
        if restock:
            back, done = (
                _returned(conn, stack.warehouse, batch),
                _restocked(conn, stack.warehouse, batch),
            )
            if done + stack.qty > back:
                raise Rejection(
                    "not_returned",
                    f"{back} of batch {stack.batch} came back through returns and {done} were "
                    f"restocked: {stack.qty} more cannot be",
                )
        approval = decisions.record_approval(
            conn,
            "return_inspection",
            stack.warehouse,
            record_no,
            username,
            "restocked" if restock else "to_scrapping",
            {**asdict(stack), "order": order},
            now=now,
        )
        if restock:
            basis = on_decision(Kind.RESTOCK, approval, order)
            move_stack(conn, stack, username, basis, "on_hold", "available", now=now)
        # A return that fails stays on hold until scrapping is proposed with the experts.
        record(
            conn,
            username,
            "return_inspection",
            record_no,
            depot=stack.warehouse,
            restock=restock,
            now=now,
        )
    return approval


def return_to_supplier(
    engine: Engine,
    username: str,
    warehouse: str,
    rejection_id: int,
    qty: int,
    note: str,
    location: str | None = None,
    *,
    now: datetime,
) -> int:
    """Rejected goods go back to the supplier: an outflow whose basis is the rejection."""
    if not note.strip():
        raise Rejection("bad_note", "a return to the supplier needs its return note's number")
    with engine.begin() as conn:
        known_warehouse(conn, warehouse)
        rejection = conn.execute(
            select(approvals)
            .where(
                (approvals.c.id == rejection_id)
                & (approvals.c.kind == "acceptance")
                & (approvals.c.warehouse == warehouse)
            )
            .with_for_update()
        ).first()
        if rejection is None:
            raise Rejection("unknown_acceptance", f"{warehouse} has no acceptance {rejection_id}")
        if rejection.decision != "rejected":
            raise Rejection("not_rejected", f"acceptance {rejection_id} accepted the goods")
        decisions.check_approval(
            conn, "supplier_return", username, frozenset({rejection.decided_by})
        )
        fields = decisions.payload_of(rejection.payload)
        held_as, rejected = _rejected(conn, rejection_id)
        gone = _sent_back(conn, rejection_id)
        if gone + qty > rejected:
            raise Rejection(
                "over_rejected",
                f"{rejected} were rejected and {gone} sent back: {qty} more cannot be",
            )
        stack = Stack(
            warehouse, fields["item"], fields["batch"], location or fields["location"], qty
        )
        approval = decisions.record_approval(
            conn,
            "supplier_return",
            warehouse,
            note,
            username,
            "returned",
            {**asdict(stack), "supplier": fields.get("supplier"), "rejection": rejection_id},
            parent=rejection_id,
            now=now,
        )
        basis = on_decision(Kind.SUPPLIER_RETURN, approval)
        move_stack(conn, stack, username, basis, held_as, None, now=now)
        record(
            conn,
            username,
            "supplier_return",
            note,
            depot=warehouse,
            qty=qty,
            rejection=rejection_id,
            now=now,
        )
    return approval


def _rejected(conn: Connection, rejection_id: int) -> tuple[str, int]:
    """The status a rejection put its goods in (`rejected`; `on_hold` before migration 0017)
    and how many."""
    row = conn.execute(
        select(postings.c.status, postings.c.qty).where(
            (postings.c.approval_id == rejection_id) & (postings.c.qty > 0)
        )
    ).one()
    return str(row.status), int(row.qty)


def _sent_back(conn: Connection, rejection_id: int) -> int:
    return -_sum(
        conn,
        select(func.sum(postings.c.qty))
        .join(approvals, approvals.c.id == postings.c.approval_id)
        .where((approvals.c.parent_id == rejection_id) & (approvals.c.kind == "supplier_return")),
    )
