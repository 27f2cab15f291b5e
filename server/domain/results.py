"""Who posts floor events, and what each event's answer is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.domain.errors import status_of
from server.domain.eventcheck import is_malformed


@dataclass(frozen=True, slots=True)
class Caller:
    """Who posts: a gateway's API client, bound to one warehouse."""

    client_id: str
    warehouse: str


@dataclass(frozen=True, slots=True)
class EventResult:
    event_id: str
    result: str  # accepted | duplicate | rejected
    reason: str | None = None
    original: str | None = None  # for a duplicate: the first verdict

    @property
    def status(self) -> int:
        """An HTTP-style status per event: 201 accepted, 200 duplicate, 4xx rejected."""
        if self.result == "accepted":
            return 201
        if self.result == "duplicate":
            return 200
        return status_of((self.reason or "").split(":", 1)[0])

    @property
    def malformed(self) -> bool:
        """Rejected, now or the first time, because the event itself is malformed: it can
        never be taken, whatever the ledger holds (server.domain.eventcheck.MALFORMED)."""
        rejected = self.result == "rejected" or self.original == "rejected"
        return rejected and is_malformed(self.reason)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event_id": self.event_id,
            "result": self.result,
            "status": self.status,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.original:
            out["original"] = self.original
        if self.malformed:
            out["malformed"] = True
        return out
