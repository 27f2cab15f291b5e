"""Recording a decision: the one way a row enters `approvals`, at the end of its depot's
chain (server.services.chain), with who decided, when, the paper's reference and the evidence in its
payload (experts and their opinions, inspection, quality report ...), all of which the chain's
hash covers. Postings that stand on the decision name its id (server.domain.basis)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from server.services.chain import APPROVALS, append


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # acceptance, dispatch, scrap_proposal, scrapping, rotation, adjustment, ...
    warehouse: str
    reference: str | None  # the paper's number: inspection record, notice, plan ...
    decided_by: str  # the person's username
    decision: str  # accepted, rejected, approved, reserved, cancelled, restocked ...
    payload: dict[str, Any] = field(default_factory=dict)  # the evidence and the details
    parent: int | None = None  # the decision this one completes (the payload names it too)


def record_decision(conn: Connection, decision: Decision, now: datetime) -> int:
    """Append the decision, made `now`, to its depot's chain (in the caller's transaction);
    its id."""
    return append(
        conn,
        APPROVALS,
        {
            "kind": decision.kind,
            "warehouse": decision.warehouse,
            "reference": decision.reference,
            "decided_by": decision.decided_by,
            "decided_at": now,
            "decision": decision.decision,
            "payload": json.dumps(decision.payload, ensure_ascii=False, default=str),
            "parent_id": decision.parent,
        },
    )
