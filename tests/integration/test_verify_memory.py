"""verify-ledger runs in bounded memory: checking three times as many postings (and as many
more findings past its listing limit) takes no more memory than checking the first third,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import tracemalloc
import uuid

from sqlalchemy import Engine, update

from harness.depot import Depot
from kernel.clock import system_clock
from server.services.events import Caller, ingest
from server.services.verify import MAX_FINDINGS, verify_ledger
from server.storage.db import make_engine
from server.storage.tables import stock

CALLER = Caller("gateway-LC01", "LC01")
ROUND = 8_000  # postings added between the measurements


def receive(engine: Engine, depot: Depot, count: int) -> None:
    items = depot.example.items
    batch = [
        {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "device": "LC01-D01-FIX1",
            "location": f"D0{1 + n % 3}",
            "gtin": items[n % len(items)].gtin,
            "batch": f"M{n % 1500}",
            "qty": 1 + n % 20,
        }
        for n in range(count)
    ]
    for i in range(0, count, 1000):
        results = ingest(engine, CALLER, batch[i : i + 1000], now=system_clock())
        assert {r.result for r in results} == {"accepted"}


def peak(engine: Engine) -> tuple[int, int]:
    """Memory at most held while verifying (bytes), and how many problems it found."""
    engine.dispose()  # the same start each time: no pooled connection, no statement cache
    tracemalloc.start()
    try:
        report = verify_ledger(engine)
        return tracemalloc.get_traced_memory()[1], len(report.findings) + report.more
    finally:
        tracemalloc.stop()


def test_verify_holds_no_more_memory_for_a_longer_ledger(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    receive(engine, depot, ROUND)
    verify_ledger(engine)  # the first run warms what is imported and cached once
    small, found = peak(engine)
    assert found == 0
    receive(engine, depot, 2 * ROUND)
    large, found = peak(engine)
    assert found == 0
    # held whole, the 16,000 postings added would take over 16 MB more (about 1 KB each)
    assert large < 1.5 * small, (small, large)
    with engine.begin() as conn:  # every stock line wrong: far more findings than listed
        conn.execute(update(stock).values(qty=stock.c.qty + 1))
    damaged, found = peak(engine)
    assert found > MAX_FINDINGS
    assert damaged < 1.5 * small + 2_000_000, (small, damaged)  # the listed findings
    engine.dispose()
