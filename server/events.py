"""Domain events from the gateways, posted to the ledger exactly once.

The public face of ingest: `ingest(engine, caller, batch)` answers each event of a batch
with accepted, duplicate (with the first verdict) or rejected (with the reason). The work is
done set-wise in server.ingest; what each event means is in server.floor.
"""

from __future__ import annotations

from server.floor import HANDLERS
from server.ingest import ingest
from server.results import Caller, EventResult

EVENT_TYPES = (*HANDLERS, "stock_taking")

__all__ = ["EVENT_TYPES", "Caller", "EventResult", "ingest"]
