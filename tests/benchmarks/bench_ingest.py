"""Event ingest on the central server against a plain insert of the same rows, on SQLite and
on PostgreSQL (same machine, same run). Prints events per second and the ratio.

    .venv/bin/python tests/benchmarks/bench_ingest.py [--events 20000] [--batch 500]

Ingest: receiving events in batches of 500 through server.events.ingest (one transaction per
event: the idempotency row, the item/location/batch look-ups, the hash-chained posting and
the stock projection). The limit: the same number of rows inserted into the events table in
one executemany per batch, nothing else.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile

from sqlalchemy import Engine, delete

from harness.depot import prepare_database
from harness.postgres import PostgresCluster
from server.db import make_engine
from server.events import Caller, ingest
from server.exampledata import generate
from server.tables import events

CALLER = Caller("gateway-LC01", "LC01")


def make_events(count: int) -> list[dict[str, object]]:
    items = generate().items
    return [
        {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "device": "LC01-D01-FIX1",
            "location": "D0" + str(1 + n % 3),
            "gtin": items[n % len(items)].gtin,
            "batch": f"B{n % 400}",
            "qty": 1 + n % 20,
        }
        for n in range(count)
    ]


def run_ingest(engine: Engine, evs: list[dict[str, object]], batch: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(evs), batch):
        results = ingest(engine, CALLER, evs[i : i + batch])
        assert all(r.result == "accepted" for r in results)
    return len(evs) / (time.perf_counter() - started)


def run_plain(engine: Engine, evs: list[dict[str, object]], batch: int) -> float:
    rows = [
        {
            "event_id": str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "source": "bench",
            "occurred_at": str(e["occurred_at"]),
            "received_at": datetime.now(UTC),
            "status": "accepted",
            "reason": None,
            "payload": json.dumps(e),
        }
        for e in evs
    ]
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        with engine.begin() as conn:
            conn.execute(events.insert(), rows[i : i + batch])
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.source == "bench"))
    return len(rows) / elapsed


def measure(name: str, url: str, count: int, batch: int) -> None:
    prepare_database(url)
    engine = make_engine(url)
    evs = make_events(count)
    plain = run_plain(engine, evs, batch)
    rate = run_ingest(engine, evs, batch)
    print(
        f"{name:<11} ingest {rate:8.0f} events/s   plain insert {plain:9.0f} rows/s   "
        f"ratio {rate / plain:.3f}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    print(f"{args.events} receiving events in batches of {args.batch}")
    work = Path(tempfile.mkdtemp(prefix="depot-bench-ingest-"))
    measure("SQLite", f"sqlite:///{work / 'ledger.sqlite'}", args.events, args.batch)
    cluster = PostgresCluster().start()
    try:
        measure("PostgreSQL", cluster.new_database(), args.events, args.batch)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
