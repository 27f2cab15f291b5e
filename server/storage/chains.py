"""The tables kept as hash chains, one chain per depot: decisions with their evidence
(`approvals`) and the audit trail (`audit_log`). What a row's hash covers is the domain's
rule (server.domain.chains); which table and columns it applies to is here, for the writer
(server.services.chain), the checks and the migrations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from server.domain.chains import APPROVAL_FIELDS, AUDIT_FIELDS, NETWORK, row_digest
from server.storage.tables import approvals, audit_log


@dataclass(frozen=True, slots=True)
class Chain:
    """A table kept as one hash chain per depot."""

    name: str  # its row in chain_heads
    table: Table
    fields: tuple[str, ...]  # the columns its hash covers, in order
    label: str  # how a finding names one of its rows

    def scope_of(self, row: Mapping[str, Any] | Any) -> str:
        warehouse = row["warehouse"] if isinstance(row, Mapping) else row.warehouse
        return warehouse or NETWORK


APPROVALS = Chain("approvals", approvals, APPROVAL_FIELDS, "decision")
AUDIT = Chain("audit", audit_log, AUDIT_FIELDS, "audit entry")
CHAINS = (APPROVALS, AUDIT)


def digest(chain: Chain, prev_hash: str, row: Mapping[str, Any] | Any) -> str:
    """The hash a row of `chain` has after `prev_hash`."""
    return row_digest(chain.fields, prev_hash, row)
