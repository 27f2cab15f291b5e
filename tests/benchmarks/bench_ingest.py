"""Event ingest on the central server against a plain insert of the same rows, on SQLite and
on PostgreSQL (same machine, same run). Prints events per second and the ratio.

    .venv/bin/python tests/benchmarks/bench_ingest.py [--events 20000] [--batch 500]

Ingest: events in batches of 500 through server.services.events.ingest (one transaction per
batch: idempotency, master-data look-ups, the decisions, the hash-chained postings and the stock
projection), twice: receiving at the doors (adds stock, nothing to check it against), then
putaway of the same goods from the doors to storage (each event checked against the stock it
takes from, two postings each). The limit: the very writes ingest made (its event rows, its
postings, their EPCIS events, and each batch's changed stock lines), made again into an empty
copy of the schema in the same batches with the same library, with no look-ups, no checks and no
hashing: what the database itself costs. The two alternate batch by batch (ingest a batch, then
write its rows plainly), so that a busy machine weighs on both alike and the ratio holds still.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

from kernel.clock import system_clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tempfile

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from demo.exampledata import generate
from harness.depot import prepare_database
from harness.postgres import PostgresCluster
from server.services.events import Caller, ingest
from server.storage.db import make_engine
from server.storage.tables import batches, epcis_events, events, postings, stock

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


def make_putaway(received: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each received lot carried from its door to a storage location (A-zone racks)."""
    racks = [loc.code for loc in generate().locations_of("LC01") if loc.code.startswith("A-")][:500]
    return [
        {
            "event_id": str(uuid.uuid4()),
            "type": "storing",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T11:00:00+08:00",
            "device": "LC01-HH01",
            "from_location": r["location"],
            "to_location": racks[n % len(racks)],
            "gtin": r["gtin"],
            "batch": r["batch"],
            "qty": r["qty"],
        }
        for n, r in enumerate(received)
    ]


def run_both(
    engine: Engine, target: Engine, evs: list[dict[str, object]], batch: int
) -> tuple[float, float]:
    """Ingest the events batch by batch and, after each batch, write plainly into the copy what
    that batch wrote: its event rows, its postings, their EPCIS events, and each stock line
    its postings touched, as an upsert with the quantity it now has (ingest must write every
    changed line of every batch). The two alternate batch by batch, so that whatever else
    the machine is doing weighs on both alike. Only the ingest and the plain writes are
    timed; events/s of each."""
    dialect = postgresql if target.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(stock)
    upsert = upsert.on_conflict_do_update(
        index_elements=["warehouse", "location_id", "batch_id", "status"],
        set_={"qty": upsert.excluded.qty},
    )
    ingest_time = plain_time = 0.0
    for i in range(0, len(evs), batch):
        chunk = evs[i : i + batch]
        started = time.perf_counter()
        results = ingest(engine, CALLER, chunk, now=system_clock())
        ingest_time += time.perf_counter() - started
        assert all(r.result == "accepted" for r in results)
        ids = [str(e["event_id"]) for e in chunk]
        with engine.connect() as conn:  # what the batch wrote (not timed)
            event_rows = [
                dict(r)
                for r in conn.execute(select(events).where(events.c.event_id.in_(ids))).mappings()
            ]
            posting_rows = [
                dict(r)
                for r in conn.execute(
                    select(postings).where(postings.c.event_id.in_(ids)).order_by(postings.c.id)
                ).mappings()
            ]
            touched = {(p["location_id"], p["batch_id"], p["status"]) for p in posting_rows}
            lines = [
                dict(r)
                for r in conn.execute(
                    select(stock).where(
                        (stock.c.warehouse == "LC01")
                        & stock.c.batch_id.in_({k[1] for k in touched})
                    )
                ).mappings()
                if (r["location_id"], r["batch_id"], r["status"]) in touched
            ]
            epcis_rows = [
                {k: v for k, v in dict(r).items() if k != "id"}
                for r in conn.execute(
                    select(epcis_events).where(
                        epcis_events.c.event_id.in_([f"urn:uuid:{i}" for i in ids])
                    )
                ).mappings()
            ]
            new = {p["batch_id"] for p in posting_rows}
            batch_rows = [
                dict(r)
                for r in conn.execute(select(batches).where(batches.c.id.in_(new))).mappings()
            ]
        with target.begin() as conn:  # master data the rows refer to (not timed)
            have = set(conn.execute(select(batches.c.id).where(batches.c.id.in_(new))).scalars())
            missing = [r for r in batch_rows if r["id"] not in have]
            if missing:
                conn.execute(batches.insert(), missing)
        started = time.perf_counter()
        with target.begin() as conn:
            conn.execute(events.insert(), event_rows)
            conn.execute(postings.insert(), posting_rows)
            conn.execute(epcis_events.insert(), epcis_rows)
            conn.execute(upsert, lines)
        plain_time += time.perf_counter() - started
    return len(evs) / ingest_time, len(evs) / plain_time


def measure(name: str, url: str, plain_url: str, count: int, batch: int) -> None:
    prepare_database(url)
    engine = make_engine(url)
    prepare_database(plain_url)
    target = make_engine(plain_url)
    received = make_events(count)
    for kind, evs in (("receiving", received), ("storing", make_putaway(received))):
        rate, plain = run_both(engine, target, evs, batch)
        print(
            f"{name:<11} {kind:<10} ingest {rate:8.0f} events/s   plain insert of the same "
            f"rows {plain:8.0f} events/s   ratio {rate / plain:.2f}   (target >= 0.5)"
        )
    engine.dispose()
    target.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    print(f"{args.events} receiving events in batches of {args.batch}")
    work = Path(tempfile.mkdtemp(prefix="depot-bench-ingest-"))
    measure(
        "SQLite",
        f"sqlite:///{work / 'ledger.sqlite'}",
        f"sqlite:///{work / 'plain.sqlite'}",
        args.events,
        args.batch,
    )
    cluster = PostgresCluster().start()
    try:
        measure(
            "PostgreSQL", cluster.new_database(), cluster.new_database(), args.events, args.batch
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
