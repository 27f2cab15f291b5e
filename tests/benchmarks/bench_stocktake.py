"""Closing a stocktake of 100,000 counted lines against a ledger of one million postings,
on SQLite and on PostgreSQL. Prints the time the close takes (one set operation).

    .venv/bin/python tests/benchmarks/bench_stocktake.py [--lines 100000] [--per-line 10]

The ledger is written directly (postings with their hash chain, and the stock projection)
so that building it takes seconds, not the hour ingest would need for a million events.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, select, update

from demo.exampledata import generate
from demo.load import load_example
from harness.postgres import PostgresCluster
from server.services import stocktake, stocktake_close
from server.services.ledger import GENESIS, Posting, posting_hash
from server.storage.db import make_engine, migrate
from server.storage.tables import (
    batches,
    ledger_heads,
    locations,
    postings,
    stock,
    stocktake_counts,
)

CHUNK = 20_000


def build(engine: Engine, lines: int, per_line: int) -> list[tuple[int, int, int]]:
    """Master data, `lines` stock lines of `per_line` postings each; returns the lines."""
    migrate(engine)
    depot = generate(batches_per_warehouse=lines // 4 + 1)
    load_example(engine, depot, with_stock=False)
    with engine.begin() as conn:
        conn.execute(
            batches.insert(),
            [
                {
                    "item_code": b.item_code,
                    "batch_no": b.batch_no,
                    "manufacturer": b.manufacturer,
                    "prod_date": b.prod_date,
                    "inbound_date": b.inbound_date,
                    "unit_price_cents": b.unit_price_cents,
                    "owner_level": b.owner_level,
                }
                for b in depot.batches
            ],
        )
        locs = list(
            conn.execute(
                select(locations.c.id).where(
                    (locations.c.warehouse == "LC01") & (locations.c.kind == "storage")
                )
            ).scalars()
        )
        batch_ids = list(conn.execute(select(batches.c.id)).scalars())
    rng = random.Random(7)
    keys = []
    for i in range(lines):
        keys.append((locs[i % len(locs)], batch_ids[(i // len(locs) + i) % len(batch_ids)]))
    keys = list(dict.fromkeys(keys))
    now = datetime.now(UTC)
    prev = GENESIS
    rows, stock_rows, result = [], [], []
    with engine.begin() as conn:
        for location_id, batch_id in keys:
            total = 0
            for _ in range(per_line):
                qty = rng.randint(1, 20)
                total += qty
                digest = posting_hash(
                    prev, Posting("LC01", location_id, batch_id, "available", qty, "bench"), now
                )
                rows.append(
                    {
                        "warehouse": "LC01",
                        "location_id": location_id,
                        "batch_id": batch_id,
                        "status": "available",
                        "qty": qty,
                        "event_id": None,
                        "approval_id": None,
                        "author": "bench",
                        "posted_at": now,
                        "prev_hash": prev,
                        "hash": digest,
                    }
                )
                prev = digest
                if len(rows) >= CHUNK:
                    conn.execute(postings.insert(), rows)
                    rows.clear()
            stock_rows.append(
                {
                    "warehouse": "LC01",
                    "location_id": location_id,
                    "batch_id": batch_id,
                    "status": "available",
                    "qty": total,
                }
            )
            result.append((location_id, batch_id, total))
        if rows:
            conn.execute(postings.insert(), rows)
        for i in range(0, len(stock_rows), CHUNK):
            conn.execute(stock.insert(), stock_rows[i : i + CHUNK])
        conn.execute(ledger_heads.insert().values(warehouse="LC01", last_hash=prev))
    return result


def count_everything(engine: Engine, take: int, lines: list[tuple[int, int, int]]) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "stocktake_id": take,
            "location_id": loc,
            "batch_id": b,
            "round": 1,
            "counted": qty - (1 if i % 100 == 0 else 0),
            "card": qty,
            "counted_by": "li",
            "counted_at": now,
            "event_id": None,
        }
        for i, (loc, b, qty) in enumerate(lines)
    ]
    with engine.begin() as conn:
        for i in range(0, len(rows), CHUNK):
            conn.execute(stocktake_counts.insert(), rows[i : i + CHUNK])


def measure(name: str, url: str, lines: int, per_line: int) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    built = build(engine, lines, per_line)
    with engine.connect() as conn:
        from sqlalchemy import func

        n_postings = conn.execute(select(func.count()).select_from(postings)).scalar_one()
    setup = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(update(stock).values(qty=stock.c.qty))  # warm the table
    take = stocktake.open_stocktake(engine, "wang", "LC01", None, 5, datetime.now(UTC))
    count_everything(engine, take, built)
    with engine.connect() as conn:  # what autovacuum/ANALYZE would have done by then
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    started = time.perf_counter()
    summary = stocktake_close.close(engine, "wang", take, datetime.now(UTC))
    elapsed = time.perf_counter() - started
    print(
        f"{name:<11} {len(built):>7} counted lines, {n_postings:>8} postings: close "
        f"{elapsed:6.3f} s  (lines {summary.lines}, variances {summary.variances}, "
        f"not counted {summary.not_counted}; built in {setup:.0f} s)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--per-line", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-stocktake-"))
    measure("SQLite", f"sqlite:///{work / 'ledger.sqlite'}", args.lines, args.per_line)
    cluster = PostgresCluster().start()
    try:
        measure("PostgreSQL", cluster.new_database(), args.lines, args.per_line)
    finally:
        cluster.stop()
    print("target: under 1 s")


if __name__ == "__main__":
    main()
