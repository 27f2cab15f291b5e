"""The stocktake screen's pages alone, on the dashboard benchmark's database (20 stocktakes of
2,000 lines at LC01, with `--batches` live batches): server time per page and live region.

    .venv/bin/python tests/benchmarks/bench_stocktake_pages.py [--batches N] [--postgres]

Builds the database as tests/benchmarks/bench_dashboard.py does (with fewer batches by
default: these pages read the rounds' kept figures, not the stock), starts a real server, waits
for the monthly reports it makes as it starts, and answers each page 20 times for a
supervisor of LC01 and for the network view; prints p50, p95 and the largest time, the live
regions against their 30 ms limit.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench_dashboard import LIVE_LIMIT, PASSWORD, build, kept, measure, report

from harness.depot import ServerProcess
from harness.forms import submit
from harness.postgres import PostgresCluster
from harness.procs import wait_until
from server.storage.db import make_engine


def run(db_url: str, per_depot: int, work: Path) -> None:
    engine = make_engine(db_url)
    build(engine, per_depot)
    engine.dispose()
    server = ServerProcess(db_url, work).start()
    # the server makes last month's reports in the background as it starts: measured after
    wait_until(lambda: kept(db_url) == 3, 300, "last month's reports made by the server")
    try:
        for who, label in (("bench-lc01", "a supervisor of LC01"), ("bench", "the network")):
            client = httpx.Client(base_url=server.url, timeout=60)
            submit(client, "/login", "/login", {"username": who, "password": PASSWORD})
            take = client.get("/stocktakes").text.split('href="/stocktakes/', 1)[1]
            round_path = "/stocktakes/" + take.split('"', 1)[0]
            print(f"stocktake pages for {label} ({db_url.split(':')[0]}):")
            floor = statistics.median(measure(client, "/healthz"))
            report("GET /healthz (framework floor)", [floor])
            pages = ("/stocktakes", "/partials/stocktakes", round_path, "/partials" + round_path)
            for path in (*pages, "/approvals", "/partials/approvals"):
                live = path.startswith("/partials/")
                report(f"GET {path}", measure(client, path), floor, LIVE_LIMIT if live else None)
            client.close()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=5_000, help="live batches in LC01")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-stocktakes-"))
    try:
        if not args.postgres:
            run(f"sqlite:///{work / 'dashboard.sqlite'}", args.batches, work)
            return
        cluster = PostgresCluster().start()
        try:
            run(cluster.new_database(), args.batches, work)
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
