"""Stock for the dispatch screens' tests: batches of one item received and accepted at LC01
and LC02 (one of them at LC01 past its storage limit with no re-inspection), and a place
near LC01 to send them to, with dispatchers to plan and cancel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine

from demo.exampledata import Item
from harness.depot import Depot
from kernel.clock import system_clock
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.events import Caller, ingest
from server.services.master_simple import import_simple

PASSWORD = "a-long-enough-password"
PLACE = "BCAZD"  # 北川县安置点, near LC01
# (depot, batch, received, made, qty): the item's storage years are 8, so 2015GQ is overdue
BATCHES = (
    ("LC01", "2015GQ", "2015-03-01", "2015-02-01", 30),
    ("LC01", "2024A", "2024-05-01", "2024-04-01", 40),
    ("LC01", "2026B", "2026-06-01", "2026-05-01", 60),
    ("LC02", "2025C", "2025-03-01", "2025-02-01", 50),
)


@dataclass(frozen=True, slots=True)
class Stocked:
    item: Item
    place: str
    overdue: str  # the overdue batch, with no re-inspection


def stock_for_dispatch(engine: Engine, depot: Depot) -> Stocked:
    """The batches received at door D01 and accepted; the place; dispatchers sun and qin, a
    keeper li of LC01 and an auditor (no `dispatch` permission)."""
    item = depot.example.items[0]
    now = system_clock()
    for name, role, warehouse in (
        ("sun", "dispatcher", None),
        ("qin", "dispatcher", None),
        ("li", "keeper", "LC01"),
        ("shen", "auditor", None),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=warehouse, now=now)
    for warehouse, batch, received, made, qty in BATCHES:
        event = {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": warehouse,
            "occurred_at": f"{received}T09:00:00+08:00",
            "location": "D01",
            "gtin": item.gtin,
            "batch": batch,
            "prod_date": made,
            "qty": qty,
        }
        result = ingest(engine, Caller(f"gateway-{warehouse}", warehouse), [event], now=now)
        assert result[0].result == "accepted", result
        decide(
            engine,
            "admin",
            AcceptanceRequest(
                warehouse,
                item.code,
                batch,
                "D01",
                qty,
                "accepted",
                Inspection(f"YS-{batch}", 1, "pass", f"ZJ-{batch}"),
            ),
            now=now,
        )
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    place = {
        "code": PLACE,
        "name": "北川县安置点",
        "lat": str(lc01.lat + 0.05),
        "lon": str(lc01.lon),
    }
    import_simple(engine, "admin", "places", [place], now)
    return Stocked(item, PLACE, "2015GQ")
