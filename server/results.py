"""Who posts floor events, and what each event's answer is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event_id": self.event_id, "result": self.result}
        if self.reason:
            out["reason"] = self.reason
        if self.original:
            out["original"] = self.original
        return out
