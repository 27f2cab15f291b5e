"""A scrapping or rotation proposal refused (不予批准): by whoever may approve it (never its
proposer, server/domain/duties.py), with the reason. The refusal completes the proposal, as an
approval would: it cannot be decided again. A refused scrapping proposal's goods go back from
scrap_pending to where they were proposed from (available or on hold); a rotation proposal
moved nothing, so its refusal posts nothing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from server.domain.basis import Kind, on_decision
from server.domain.floor import Rejection
from server.services import decisions
from server.services.audit import record
from server.services.disposal import Stack, move_stack
from server.storage.tables import postings

# the kind of decision refused -> (the proposal's kind, the refusal's kind)
REFUSED = {
    "scrapping": ("scrap_proposal", "scrap_rejection"),
    "rotation": ("rotation_proposal", "rotation_rejection"),
}


def reject_proposal(
    engine: Engine,
    username: str,
    warehouse: str,
    kind: str,
    proposal_id: int,
    reason: str,
    now: datetime,
) -> int:
    """Refuse a proposal of `kind` (scrapping or rotation) with its reason; the refusal's id."""
    if kind not in REFUSED:
        raise ValueError(f"no proposals of {kind} to refuse")
    if not reason.strip():
        raise Rejection("no_grounds", "a proposal is refused with its reason")
    proposed_as, refused_as = REFUSED[kind]
    with engine.begin() as conn:
        proposal = decisions.proposal(conn, proposal_id, (proposed_as,), warehouse)
        decisions.check_approval(conn, kind, username, frozenset({proposal.decided_by}))
        fields = decisions.payload_of(proposal.payload)
        stack = Stack(
            warehouse, fields["item"], fields["batch"], fields["location"], int(fields["qty"])
        )
        refusal = decisions.record_approval(
            conn,
            refused_as,
            warehouse,
            proposal.reference,
            username,
            "rejected",
            {**asdict(stack), "reason": reason.strip()},
            parent=proposal_id,
            now=now,
        )
        if kind == "scrapping":  # the goods go back to where they were proposed from
            back_to = _proposed_from(conn, proposal_id)
            basis = on_decision(Kind.SCRAP_REJECTION, refusal)
            move_stack(conn, stack, username, basis, "scrap_pending", back_to, now=now)
        record(
            conn,
            username,
            refused_as,
            proposal.reference,
            depot=warehouse,
            qty=stack.qty,
            proposal=proposal_id,
            reason=reason.strip(),
            now=now,
        )
    return refusal


def _proposed_from(conn: Connection, proposal_id: int) -> str:
    """The status a scrapping proposal took its goods from (its one negative posting)."""
    return str(
        conn.execute(
            select(postings.c.status)
            .where((postings.c.approval_id == proposal_id) & (postings.c.qty < 0))
            .limit(1)
        ).scalar_one()
    )
