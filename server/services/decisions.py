"""Decisions as records: every approval row is written here, and every approval asks the
separation-of-duties table (server/domain/duties.py) with the people concerned, found here.

An approval may complete another (`parent_id`): the scrapping approval its proposal, the
acceptance report its acceptance, the return to the supplier its rejection. A proposal is
approved once: its row is locked while the approval is made, and one that already has its
approval is refused (already_decided, 409).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from server.domain import duties
from server.domain.floor import Rejection
from server.services.approvals import Decision, record_decision
from server.services.ledger import lock
from server.services.refs import known_warehouse
from server.storage.tables import approvals, postings, users


def record_approval(
    conn: Connection,
    kind: str,
    warehouse: str,
    reference: str | None,
    username: str,
    decision: str,
    payload: dict[str, Any],
    now: datetime,
    parent: int | None = None,
) -> int:
    """Write one decision (in the caller's transaction, at the end of its depot's chain); its
    id. The decision it completes is named in the payload too, which the chain's hash covers."""
    known_warehouse(conn, warehouse)
    if parent is not None:
        payload = {**payload, "completes": parent}
    return record_decision(
        conn, Decision(kind, warehouse, reference, username, decision, payload, parent=parent), now
    )


def role_of(conn: Connection, username: str) -> str:
    role = conn.execute(
        select(users.c.role).where((users.c.username == username) & users.c.active)
    ).scalar_one_or_none()
    if role is None:
        raise Rejection("role_not_allowed", f"{username} is not an active user")
    return str(role)


def check_proposal(conn: Connection, kind: str, username: str) -> None:
    duties.check_proposal(kind, role_of(conn, username))


def check_approval(
    conn: Connection,
    kind: str,
    username: str,
    proposers: frozenset[str],
    barred: frozenset[str] = frozenset(),
) -> None:
    duties.check_approval(
        duties.Approval(kind, role_of(conn, username), username, proposers, barred)
    )


def proposal(conn: Connection, proposal_id: int, kinds: tuple[str, ...], warehouse: str) -> Any:
    """The decision an approval completes, locked: one of `kinds`, of the warehouse, and not
    completed yet (unknown_proposal, 404; already_decided, 409). The depot's chains are locked
    first (server.services.ledger.lock), as every writer of them does."""
    lock(conn, warehouse)
    row = conn.execute(
        select(approvals).where(approvals.c.id == proposal_id).with_for_update()
    ).first()
    if row is None or row.kind not in kinds or row.warehouse != warehouse:
        raise Rejection(
            "unknown_proposal", f"{warehouse} has no {' or '.join(kinds)} {proposal_id}"
        )
    done = conn.execute(
        select(approvals.c.id, approvals.c.decided_by).where(approvals.c.parent_id == row.id)
    ).first()
    if done is not None:
        raise Rejection(
            "already_decided",
            f"{row.kind} {proposal_id} was decided ({done.id}, {done.decided_by})",
        )
    return row


def payload_of(text: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(text)
    return found


def floor_authors(conn: Connection, warehouse: str, batch: int, status: str) -> frozenset[str]:
    """Who brought stock of a batch into a status at a depot through floor events (the
    receipts at the door, the returns): the people whose act a decision on it accepts."""
    return frozenset(
        conn.execute(
            select(postings.c.author)
            .distinct()
            .where(
                (postings.c.warehouse == warehouse)
                & (postings.c.batch_id == batch)
                & (postings.c.status == status)
                & (postings.c.qty > 0)
                & postings.c.event_id.is_not(None)
            )
        ).scalars()
    )
