"""Stock leaving or changing its standing by decision: re-inspection (art. 25(4)), scrapping
(art. 25) and rotation (轮换).

Every step is a decision by a named person that the postings point to, with the evidence the
measures ask for (server/domain/evidence.py) and the separation of duties (server/domain/duties.py):

- re-inspection: a batch at or near its storage limit that passes a quality check is marked
  for a period; FIFO offers overdue stock first while that lasts (and never otherwise);
- scrapping, step 1 (proposal, the depot head): qty moves to scrap_pending, with the quality
  report and the opinions of at least three experts; "overdue" only past the storage years;
- scrapping, step 2 (approval, the commission, never the proposer): with the approval
  notice's number the proposed goods leave the books, with how they were disposed of and the
  residual value;
- rotation: proposed under a rotation plan by the depot head, approved by the commission (not
  the proposer), then the outflow is booked (the replacement comes in through receiving and
  acceptance).

Returned goods and goods going back to the supplier: server/services/returns.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from server.domain import depot_time, evidence
from server.domain.basis import Basis, Kind, on_decision
from server.domain.errors import LedgerError
from server.domain.floor import Rejection
from server.services import decisions
from server.services.audit import record
from server.services.ledger import Posting, post
from server.services.refs import batch_id, known_warehouse, location_id
from server.storage.tables import batches, items, stock


@dataclass(frozen=True, slots=True)
class Stack:
    warehouse: str
    item: str
    batch: str
    location: str
    qty: int


def move_stack(
    conn: Connection,
    stack: Stack,
    username: str,
    basis: Basis,
    source: str,
    target: str | None,
    now: datetime,
) -> None:
    """qty from `source` status to `target` (None: out of the books)."""
    if stack.qty <= 0:
        raise Rejection("bad_quantity", "qty must be positive")
    batch = batch_id(conn, stack.item, stack.batch)
    where = location_id(conn, stack.warehouse, stack.location)
    entries = [Posting(stack.warehouse, where, batch, source, -stack.qty, username, basis)]
    if target is not None:
        entries.append(Posting(stack.warehouse, where, batch, target, stack.qty, username, basis))
    try:
        post(conn, entries, now=now)
    except LedgerError as exc:
        raise Rejection(
            "insufficient_stock", f"{stack.qty} {source} asked at {stack.location}: {exc}"
        ) from exc


def made_and_years(conn: Connection, batch: int) -> tuple[date, int]:
    """When a batch was made (its production date, else its inbound date) and its item's
    storage years."""
    row = conn.execute(
        select(batches.c.prod_date, batches.c.inbound_date, items.c.storage_years)
        .join(items, items.c.code == batches.c.item_code)
        .where(batches.c.id == batch)
    ).one()
    made = row.prod_date or row.inbound_date
    if made is None:
        raise Rejection("no_date", "the batch has neither a production nor an inbound date")
    return made, int(row.storage_years)


def reinspect(
    engine: Engine,
    username: str,
    warehouse: str,
    item: str,
    batch: str,
    quality_report: str,
    passed: bool,
    policy: evidence.Policy,
    now: datetime,
) -> int:
    report = evidence.check_report(quality_report, "a re-inspection")
    today = depot_time.today(now)
    with engine.begin() as conn:
        batch_key = batch_id(conn, item, batch)
        held = conn.execute(
            select(stock.c.batch_id)
            .where((stock.c.warehouse == warehouse) & (stock.c.batch_id == batch_key))
            .where(stock.c.qty > 0)
            .limit(1)
        ).first()
        if held is None:  # another depot's batch is not this depot's to re-inspect
            raise Rejection("unknown_batch", f"{warehouse} holds none of {item} batch {batch}")
        evidence.check_reinspection_due(*made_and_years(conn, batch_key), today, policy)
        valid_until = evidence.reinspection_valid_until(today, policy) if passed else None
        approval = decisions.record_approval(
            conn,
            "reinspection",
            warehouse,
            report,
            username,
            "passed" if passed else "failed",
            {"item": item, "batch": batch, "valid_until": valid_until},
            now=now,
        )
        conn.execute(
            update(batches)
            .where(batches.c.id == batch_key)
            .values(reinspected_on=today if passed else None, reinspection_valid_until=valid_until)
        )
        record(
            conn,
            username,
            "reinspection",
            f"{item}/{batch}",
            depot=warehouse,
            passed=passed,
            valid_until=valid_until,
            now=now,
        )
    return approval


def propose_scrapping(
    engine: Engine,
    username: str,
    stack: Stack,
    reason: str,
    quality_report: str,
    experts: list[tuple[str, str]],
    source: str = "available",
    *,
    now: datetime,
) -> int:
    if reason not in ("overdue", "damaged"):
        raise Rejection("bad_reason", "scrapping is for overdue or damaged goods")
    report = evidence.check_report(quality_report, "scrapping (art. 25)")
    evidence.check_experts(experts)
    if source not in ("available", "on_hold"):
        raise Rejection("bad_status", "goods are proposed for scrapping from available or on hold")
    with engine.begin() as conn:
        known_warehouse(conn, stack.warehouse)
        decisions.check_proposal(conn, "scrapping", username)
        if reason == "overdue":
            made, years = made_and_years(conn, batch_id(conn, stack.item, stack.batch))
            evidence.check_overdue(made, years, depot_time.today(now))
        approval = decisions.record_approval(
            conn,
            "scrap_proposal",
            stack.warehouse,
            report,
            username,
            "proposed",
            {**asdict(stack), "reason": reason, "experts": [list(e) for e in experts]},
            now=now,
        )
        basis = on_decision(Kind.SCRAP_PROPOSAL, approval)
        move_stack(conn, stack, username, basis, source, "scrap_pending", now=now)
        record(
            conn,
            username,
            "scrap_proposal",
            f"approval {approval}",
            depot=stack.warehouse,
            qty=stack.qty,
            now=now,
        )
    return approval


def _proposed(conn: Connection, warehouse: str, proposal_id: int, kind: str) -> tuple[Any, Stack]:
    """A proposal not yet decided, locked, and the stack it proposes."""
    row = decisions.proposal(conn, proposal_id, (kind,), warehouse)
    fields = decisions.payload_of(row.payload)
    return row, Stack(
        warehouse, fields["item"], fields["batch"], fields["location"], int(fields["qty"])
    )


def approve_scrapping(
    engine: Engine,
    username: str,
    warehouse: str,
    proposal_id: int,
    notice: str,
    disposal: str,
    residual_value_cents: int,
    now: datetime,
) -> int:
    """The commission's approval notice (报废通知单) for a proposal: its goods leave the books."""
    if not notice.strip():
        raise Rejection("bad_notice", "scrapping needs the approval notice's number")
    if residual_value_cents < 0:
        raise Rejection("bad_value", "the residual value cannot be negative")
    with engine.begin() as conn:
        proposal, stack = _proposed(conn, warehouse, proposal_id, "scrap_proposal")
        decisions.check_approval(conn, "scrapping", username, frozenset({proposal.decided_by}))
        approval = decisions.record_approval(
            conn,
            "scrapping",
            warehouse,
            notice,
            username,
            "approved",
            {**asdict(stack), "disposal": disposal, "residual_value_cents": residual_value_cents},
            parent=proposal_id,
            now=now,
        )
        basis = on_decision(Kind.SCRAPPING, approval)
        move_stack(conn, stack, username, basis, "scrap_pending", None, now=now)
        record(
            conn,
            username,
            "scrapping",
            notice,
            depot=warehouse,
            qty=stack.qty,
            disposal=disposal,
            proposal=proposal_id,
            now=now,
        )
    return approval


def propose_rotation(engine: Engine, username: str, stack: Stack, plan: str, now: datetime) -> int:
    """Ageing stock proposed for rotation under a plan; nothing moves until it is approved."""
    if not plan.strip():
        raise Rejection("bad_plan", "a rotation needs its plan's number")
    with engine.begin() as conn:
        known_warehouse(conn, stack.warehouse)
        decisions.check_proposal(conn, "rotation", username)
        held = _held(conn, stack, "available")
        if held < stack.qty:
            raise Rejection(
                "insufficient_stock", f"{stack.qty} asked, {held} available at {stack.location}"
            )
        approval = decisions.record_approval(
            conn,
            "rotation_proposal",
            stack.warehouse,
            plan,
            username,
            "proposed",
            asdict(stack),
            now=now,
        )
        record(
            conn,
            username,
            "rotation_proposal",
            plan,
            depot=stack.warehouse,
            qty=stack.qty,
            approval=approval,
            now=now,
        )
    return approval


def approve_rotation(
    engine: Engine, username: str, warehouse: str, proposal_id: int, now: datetime
) -> int:
    """The rotation approved by a second person: the outflow is booked."""
    with engine.begin() as conn:
        proposal, stack = _proposed(conn, warehouse, proposal_id, "rotation_proposal")
        decisions.check_approval(conn, "rotation", username, frozenset({proposal.decided_by}))
        approval = decisions.record_approval(
            conn,
            "rotation",
            warehouse,
            proposal.reference,
            username,
            "rotated_out",
            asdict(stack),
            parent=proposal_id,
            now=now,
        )
        move_stack(
            conn, stack, username, on_decision(Kind.ROTATION, approval), "available", None, now=now
        )
        record(
            conn,
            username,
            "rotation",
            proposal.reference,
            depot=warehouse,
            qty=stack.qty,
            proposal=proposal_id,
            now=now,
        )
    return approval


def _held(conn: Connection, stack: Stack, status: str) -> int:
    found = conn.execute(
        select(stock.c.qty).where(
            (stock.c.warehouse == stack.warehouse)
            & (stock.c.location_id == location_id(conn, stack.warehouse, stack.location))
            & (stock.c.batch_id == batch_id(conn, stack.item, stack.batch))
            & (stock.c.status == status)
        )
    ).scalar_one_or_none()
    return int(found or 0)
