"""The hash rules of the ledger's chains, pure and written once: what a row's hash covers and
how it is made. The writers (server.services.ledger for the postings, server.services.chain
for decisions and the audit trail), the checks (`depot server verify-ledger`) and the
migration that first chained the existing rows (0016) all hash by these.

A hash is SHA-256 over the previous row's hash (`GENESIS` for a chain's first row) and the
row's fields in a fixed order, separated by the unit separator (0x1F), which no field may
contain; None is empty text, and a moment is its UTC ISO text to the microsecond.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of a chain's first row
NETWORK = "*"  # the scope of the audit entries about no depot

# The fields each chain's hash covers, in their order (columns of server.storage.tables).
APPROVAL_FIELDS = (
    "kind",
    "warehouse",
    "reference",
    "decided_by",
    "decided_at",
    "decision",
    "payload",
)
AUDIT_FIELDS = ("at", "actor", "action", "target", "detail", "warehouse")


def stamp(moment: datetime) -> str:
    """A moment as it enters a hash: UTC, microseconds (SQLite hands timestamps back without
    their zone; they are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def hash_fields(prev_hash: str, *fields: object) -> str:
    """SHA-256 over the previous hash and the fields in their fixed order, separated by the
    unit separator (0x1F), which no field may contain; None is empty text."""
    text = "\x1f".join(["" if f is None else str(f) for f in fields])
    return hashlib.sha256((prev_hash + text).encode()).hexdigest()


def row_digest(fields: tuple[str, ...], prev_hash: str, row: Mapping[str, Any] | Any) -> str:
    """The hash a row (a mapping or a result row) has after `prev_hash`, over `fields`."""
    values = [row[f] if isinstance(row, Mapping) else getattr(row, f) for f in fields]
    return hash_fields(prev_hash, *(stamp(v) if isinstance(v, datetime) else v for v in values))
