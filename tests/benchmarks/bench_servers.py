"""Twenty gateways at once against one server instance, then against two instances on the
same PostgreSQL: the aggregate rate of each, and whether every chain is intact and nothing
doubled afterwards.

    .venv/bin/python tests/benchmarks/bench_servers.py [--batches 10] [--size 100]

Each of twenty depots' gateways (tests/harness/fleet.py) sends `--batches` batches of
`--size` receiving events at its docks, then as many batches putting the same goods away to
its racks (each checked against the door stock, two postings each), through
`POST /api/v1/events`, every gateway in its own thread, each batch to the next instance in
turn. A run starts from a fresh database (the same master data) with its instances signing
checkpoints every second; the time is from the first batch to the last answer. Afterwards
`verify-ledger` checks every chain against the checkpoints signed meanwhile, and the events
and postings are counted against what was sent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from harness.depot import ServerProcess, prepare_database
from harness.fleet import Gateway, add_depots, send_all, traffic
from harness.postgres import PostgresCluster
from server.services import checkpoints
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import events, postings

DEPOTS = 20


def run(cluster: PostgresCluster, instances: int, batches: int, size: int, work: Path) -> float:
    url = cluster.new_database()
    depot = prepare_database(url)
    engine = make_engine(url)
    tokens = add_depots(engine, DEPOTS, depot.gateway_token)
    key = work / f"checkpoint-{instances}.key"
    checkpoints.new_key(key)
    gateways = []
    for code, token in tokens.items():
        received, stored = traffic(depot.example, code, batches, size)
        gateways.append(Gateway(code, token, received + stored))
    servers = []
    for n in range(instances):
        (work / f"run-{instances}-{n}").mkdir()
        args = ("--checkpoint-key", str(key), "--checkpoint-every", "1")
        servers.append(ServerProcess(url, work / f"run-{instances}-{n}", args=args))
    try:
        for server in servers:
            server.start()
        started = time.perf_counter()
        send_all(gateways, [s.url for s in servers], resend=False)
        elapsed = time.perf_counter() - started
    finally:
        for server in servers:
            server.stop()
    sent = DEPOTS * 2 * batches * size
    failures = [f for g in gateways for f in g.failures]
    accepted = sum(g.answers["accepted"] for g in gateways)
    with engine.connect() as conn:
        stored_events = conn.execute(select(func.count()).select_from(events)).scalar_one()
        made = conn.execute(select(func.count()).select_from(postings)).scalar_one()
    held = list(checkpoints.export(engine))
    report = verify_ledger(engine, held)
    engine.dispose()
    intact = (
        not failures
        and accepted == sent
        and stored_events == sent
        and made == DEPOTS * batches * size * 3
        and report.ok
        and report.checkpoints == len(held)
    )
    rate = sent / elapsed
    print(
        f"{instances} instance{'s' if instances > 1 else ' '}  {DEPOTS} gateways  "
        f"{sent} events in {elapsed:6.1f} s  {rate:7.0f} events/s   "
        f"{len(held)} checkpoints   chains intact, nothing doubled: {'yes' if intact else 'NO'}"
    )
    if not intact:
        print(f"  failures {failures[:3]}, accepted {accepted}, stored {stored_events}, "
              f"postings {made}, findings {[str(f) for f in report.findings[:3]]}")  # fmt: skip
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-servers-"))
    cluster = PostgresCluster().start()
    try:
        one = run(cluster, 1, args.batches, args.size, work)
        two = run(cluster, 2, args.batches, args.size, work)
    finally:
        cluster.stop()
    print(f"two instances against one: {two / one:.2f}")


if __name__ == "__main__":
    main()
