"""Who posts floor events, and what each event's answer is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Caller:
    """Who posts: a gateway's API client, bound to one warehouse."""

    client_id: str
    warehouse: str


REJECTION_STATUS = {
    "bad_event_id": 400,
    "warehouse_not_allowed": 403,
    "unknown_gtin": 404,
    "unknown_location": 404,
    "unknown_batch": 404,
    "insufficient_stock": 409,
    "not_counting": 409,
}


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
        code = (self.reason or "").split(":", 1)[0]
        return REJECTION_STATUS.get(code, 422)

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
        return out
