"""Stock leaving or changing its standing by decision: re-inspection (art. 25(4)), scrapping
(art. 25), rotation (轮换) and the inspection of returned reusable items (art. 24).

Every step is an approval by a named person that the postings point to:

- re-inspection: an overdue batch that passes a quality check is marked; FIFO offers it first;
- scrapping, step 1 (proposal): qty moves to scrap_pending, with the quality report and the
  assessments of at least three experts;
- scrapping, step 2 (approval): with the approval notice's number the goods leave the books,
  with how they were disposed of and the residual value;
- rotation: planned outflow of ageing stock under a rotation plan (the replacement comes in
  through receiving and acceptance);
- returns: reusable goods come back through `returning` floor events as on_hold; the
  inspection restocks them (available) or records that they failed: they stay on hold until
  scrapping is proposed for them, with the experts, like any other goods.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Connection, Engine, select, update

from server.approvals import Decision, record_decision
from server.audit import record
from server.basis import Basis, Kind, on_decision
from server.floor import Rejection
from server.ledger import LedgerError, Posting, post
from server.refs import batch_id, known_warehouse, location_id
from server.tables import batches, stock

MIN_EXPERTS = 3  # art. 25: at least three experts assess the goods


@dataclass(frozen=True, slots=True)
class Stack:
    warehouse: str
    item: str
    batch: str
    location: str
    qty: int


def _approval(
    conn: Connection,
    kind: str,
    warehouse: str,
    reference: str,
    username: str,
    decision: str,
    payload: dict[str, object],
) -> int:
    known_warehouse(conn, warehouse)
    return record_decision(conn, Decision(kind, warehouse, reference, username, decision, payload))


def _move(
    conn: Connection, stack: Stack, username: str, basis: Basis, source: str, target: str | None
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
        post(conn, entries)
    except LedgerError as exc:
        raise Rejection(
            "insufficient_stock", f"{stack.qty} {source} asked at {stack.location}: {exc}"
        ) from exc


def reinspect(
    engine: Engine,
    username: str,
    warehouse: str,
    item: str,
    batch: str,
    quality_report: str,
    passed: bool,
) -> int:
    if not quality_report.strip():
        raise Rejection("bad_report", "a re-inspection needs its quality report's number")
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
        approval = _approval(
            conn,
            "reinspection",
            warehouse,
            quality_report,
            username,
            "passed" if passed else "failed",
            {"item": item, "batch": batch},
        )
        conn.execute(
            update(batches)
            .where(batches.c.id == batch_key)
            .values(reinspected_on=date.today() if passed else None)
        )
        record(conn, username, "reinspection", f"{item}/{batch}", depot=warehouse, passed=passed)
    return approval


def propose_scrapping(
    engine: Engine,
    username: str,
    stack: Stack,
    reason: str,
    quality_report: str,
    experts: list[tuple[str, str]],
    source: str = "available",
) -> int:
    if reason not in ("overdue", "damaged"):
        raise Rejection("bad_reason", "scrapping is for overdue or damaged goods")
    names = {name.strip() for name, _ in experts if name.strip()}
    if len(names) < MIN_EXPERTS:
        raise Rejection(
            "too_few_experts", f"at least {MIN_EXPERTS} different experts must assess the goods"
        )
    if not quality_report.strip():
        raise Rejection("bad_report", "scrapping needs the quality report's number")
    if source not in ("available", "on_hold"):
        raise Rejection("bad_status", "goods are proposed for scrapping from available or on hold")
    with engine.begin() as conn:
        approval = _approval(
            conn,
            "scrap_proposal",
            stack.warehouse,
            quality_report,
            username,
            "proposed",
            {**asdict(stack), "reason": reason, "experts": [list(e) for e in experts]},
        )
        _move(
            conn,
            stack,
            username,
            on_decision(Kind.SCRAP_PROPOSAL, approval),
            source,
            "scrap_pending",
        )
        record(
            conn,
            username,
            "scrap_proposal",
            f"approval {approval}",
            depot=stack.warehouse,
            qty=stack.qty,
        )
    return approval


def approve_scrapping(
    engine: Engine,
    username: str,
    stack: Stack,
    notice: str,
    disposal: str,
    residual_value_cents: int,
) -> int:
    if not notice.strip():
        raise Rejection("bad_notice", "scrapping needs the approval notice's number")
    if residual_value_cents < 0:
        raise Rejection("bad_value", "the residual value cannot be negative")
    with engine.begin() as conn:
        approval = _approval(
            conn,
            "scrapping",
            stack.warehouse,
            notice,
            username,
            "approved",
            {**asdict(stack), "disposal": disposal, "residual_value_cents": residual_value_cents},
        )
        _move(conn, stack, username, on_decision(Kind.SCRAPPING, approval), "scrap_pending", None)
        record(
            conn,
            username,
            "scrapping",
            notice,
            depot=stack.warehouse,
            qty=stack.qty,
            disposal=disposal,
        )
    return approval


def rotate_out(engine: Engine, username: str, stack: Stack, plan: str) -> int:
    if not plan.strip():
        raise Rejection("bad_plan", "a rotation needs its plan's number")
    with engine.begin() as conn:
        approval = _approval(
            conn, "rotation", stack.warehouse, plan, username, "rotated_out", asdict(stack)
        )
        _move(conn, stack, username, on_decision(Kind.ROTATION, approval), "available", None)
        record(conn, username, "rotation", plan, depot=stack.warehouse, qty=stack.qty)
    return approval


def inspect_return(
    engine: Engine,
    username: str,
    stack: Stack,
    restock: bool,
    record_no: str,
    order: str | None = None,
) -> int:
    """Returned goods inspected: restocked (with the number of the dispatch order they came
    back from, which must have loaded that much of the batch), or left on hold."""
    with engine.begin() as conn:
        approval = _approval(
            conn,
            "return_inspection",
            stack.warehouse,
            record_no,
            username,
            "restocked" if restock else "to_scrapping",
            {**asdict(stack), "order": order},
        )
        if restock:
            basis = on_decision(Kind.RESTOCK, approval, order)
            _move(conn, stack, username, basis, "on_hold", "available")
        # A return that fails stays on hold until scrapping is proposed with the experts.
        record(
            conn, username, "return_inspection", record_no, depot=stack.warehouse, restock=restock
        )
    return approval
