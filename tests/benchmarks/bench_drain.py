"""Days of offline work draining to the centre when the line comes back, against the centre's
plain ingest rate, on SQLite and on PostgreSQL (same machine, same run).

    PYTHONPATH=$PWD:$PWD/tests .venv/bin/python tests/benchmarks/bench_drain.py \
        [--events 100000] [--db sqlite|postgresql|both]

For each database, two runs on fresh copies of the example depot, each with its own server:

1. the drain: `--events` floor events (lots received at LC01's doors, then each put away:
   tests/harness/backlog.py) waiting in LC01's gateway's outbox; the gateway process is
   started and delivers them as it does after an outage (batches of its `batch_size`, each
   answered before the next). Timed from the gateway's start until its outbox is empty.
2. the limit: the same events (new ids) posted straight to the server's `POST /api/v1/events`
   by one client in batches of the same size, one after the other: the centre's ingest rate
   with nothing in front of it. Each batch's latency is taken.

Both runs check that the centre holds every event once, accepted, with its postings. Prints
the events per second of each, the ratio, the batches' latency percentiles, and the peak
resident memory of the gateway and the server processes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import func, select

from harness.backlog import SITE, Backlog, floor_work, into_outbox
from harness.depot import GatewayProcess, ServerProcess, prepare_database
from harness.mosquitto import Mosquitto
from harness.postgres import PostgresCluster
from harness.procs import wait_until
from server.storage.db import make_engine
from server.storage.tables import events, postings

BATCH = 200  # the gateway's batch size (gateway/config.py ServerLink.batch_size)


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pid_of(proc: object) -> int:
    popen = getattr(proc, "popen", None)
    assert popen is not None
    return int(popen.pid)


def check(db_url: str, backlog: Backlog) -> None:
    """Every event once, accepted, and its postings once."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        verdicts = dict(
            conn.execute(
                select(events.c.status, func.count()).where(events.c.warehouse == SITE)
                .group_by(events.c.status)
            ).all()
        )  # fmt: skip
        booked = conn.execute(select(func.count()).select_from(postings)).scalar_one()
    engine.dispose()
    assert verdicts == {"accepted": len(backlog.events)}, verdicts
    assert booked == backlog.postings, (booked, backlog.postings)


def drain(db_url: str, count: int, work: Path) -> dict[str, float]:
    depot = prepare_database(db_url)
    backlog = floor_work(depot.example, count)
    server = ServerProcess(db_url, work).start()
    broker = Mosquitto(work / "broker").start()
    gateway_dir = work / "gateway"
    gateway_dir.mkdir()
    into_outbox(gateway_dir / "gateway.sqlite", backlog.events)
    gateway = GatewayProcess(gateway_dir, broker.port, server.url, depot.gateway_token, site=SITE)
    try:
        began = time.perf_counter()
        gateway.start()
        wait_until(lambda: gateway.outbox_pending() == 0, 3600, "the backlog drained")
        took = time.perf_counter() - began
        memory = {"gateway_mb": peak_mb(pid_of(gateway.proc)),
                  "server_mb": peak_mb(pid_of(server.proc))}  # fmt: skip
    finally:
        gateway.stop()
        broker.stop()
        server.stop()
    check(db_url, backlog)
    return {"seconds": took, "rate": count / took, **memory}


def plain(db_url: str, count: int, work: Path) -> dict[str, float]:
    depot = prepare_database(db_url)
    backlog = floor_work(depot.example, count)
    server = ServerProcess(db_url, work).start()
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {depot.gateway_token}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as http:
            began = time.perf_counter()
            for start in range(0, count, BATCH):
                body = {"gateway": SITE, "events": backlog.events[start : start + BATCH]}
                sent = time.perf_counter()
                answer = http.post("/api/v1/events", json=body)
                latencies.append((time.perf_counter() - sent) * 1000)
                assert answer.status_code == 200, answer.text[:300]
            took = time.perf_counter() - began
        server_mb = peak_mb(pid_of(server.proc))
    finally:
        server.stop()
    check(db_url, backlog)
    cuts = statistics.quantiles(latencies, n=100)
    return {"seconds": took, "rate": count / took, "p50": cuts[49], "p95": cuts[94],
            "p99": cuts[98], "server_mb": server_mb}  # fmt: skip


def run(name: str, url_for: Callable[[Path, str], str], count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "drain").mkdir()
        (root / "plain").mkdir()
        drained = drain(url_for(root, "drain"), count, root / "drain")
        limit = plain(url_for(root, "plain"), count, root / "plain")
    print(f"\n{name}: {count:,} floor events (receipts, then each lot put away)")
    print(f"  drain through the gateway  {drained['seconds']:7.1f} s  {drained['rate']:8,.0f} ev/s"
          f"  gateway peak {drained['gateway_mb']:.0f} MiB, server peak {drained['server_mb']:.0f}"
          " MiB")  # fmt: skip
    print(f"  plain POST /api/v1/events  {limit['seconds']:7.1f} s  {limit['rate']:8,.0f} ev/s"
          f"  batch of {BATCH}: p50 {limit['p50']:.0f} ms, p95 {limit['p95']:.0f} ms,"
          f" p99 {limit['p99']:.0f} ms; server peak {limit['server_mb']:.0f} MiB")  # fmt: skip
    print(f"  ratio drain / plain        {drained['rate'] / limit['rate']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    count = args.events - args.events % 2
    if args.db in ("sqlite", "both"):
        run("SQLite", lambda root, name: f"sqlite:///{root / name / 'server.sqlite'}", count)
    if args.db in ("postgresql", "both"):
        cluster = PostgresCluster().start()
        try:
            run("PostgreSQL", lambda root, name: cluster.new_database(), count)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
