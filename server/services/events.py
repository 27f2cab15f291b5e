"""Domain events from the gateways, posted to the ledger exactly once.

The public face of ingest: `ingest(engine, caller, batch, now)` answers each event of a batch
with accepted, duplicate (with the first verdict) or rejected (with the reason). The work is
done set-wise in server.services.ingest; what each event means is in server.domain.floor.
"""

from __future__ import annotations

from server.domain.floor import HANDLED
from server.domain.results import Caller, EventResult
from server.services.ingest import ingest

EVENT_TYPES = (*HANDLED, "stock_taking")

__all__ = ["EVENT_TYPES", "Caller", "EventResult", "ingest"]
