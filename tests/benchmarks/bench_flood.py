"""One device floods the gateway with broken messages: how long does another door wait?

    .venv/bin/python tests/benchmarks/bench_flood.py [--flood 10000] [--rate 100]

A door's station sends `--reads` good reads at `--rate` a second and times each answer,
three times on the same broker and machine:

1. against a bare responder (the limit: the broker and one Python client),
2. against the depot gateway alone,
3. against the depot gateway while another device publishes `--flood` broken messages as
   fast as one MQTT client can (deep nesting, lone surrogates, integers past 2^63, wrong
   types, a quantity of 0; most of them name a read, so each is answered `refused`).

The central server is stopped after the gateway's first sync (a depot whose central server
is elsewhere). Prints the latency percentiles of each run, the flood's rate as the gateway
took it, the gateway's resident memory before and after, and the ratios. The target: the
other door's p99 under 10 ms during the flood.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan_roundtrip import echo_responder, measure, reads, report

from harness.depot import GatewayProcess, ServerProcess, prepare_database
from harness.mosquitto import Mosquitto
from kernel import heap
from kernel.contract import cmd_topic, scan_topic
from kernel.mqtt import BrokerSettings, connect, make_client

SITE, FLOODER = "LC01", "LC01-D02-FIX1"


def broken_messages(count: int) -> list[bytes]:
    """Six kinds in turn; the first two cannot be answered (no usable event_id), the others
    each name a read of their own."""
    template = json.loads(reads(1)[0].to_json())
    template["device"], template["door"] = FLOODER, "D02"
    data = template["data"]
    kinds = [
        lambda i: "[" * 10_000,
        lambda i: {**template, "event_id": f"\ud800{i}"},
        lambda i: {**template, "event_id": _uuid(i), "seq": 2**63 + i},
        lambda i: {**template, "event_id": _uuid(i), "ts": f"{i}\udfff"},
        lambda i: {**template, "event_id": _uuid(i), "valid": "yes"},
        lambda i: {**template, "event_id": _uuid(i), "data": {**data, "qty": 0}},
    ]
    out = []
    for i in range(count):
        doc = kinds[i % len(kinds)](i)
        out.append(doc.encode() if isinstance(doc, str) else json.dumps(doc).encode("ascii"))
    return out


def _uuid(i: int) -> str:
    return f"00000000-0000-7000-8000-{i:012d}"


def taken_by(database: Path, flood: int) -> float:
    """When the gateway has taken (answered or not, acknowledged, counted) every broken
    message: its counts are written at least once a second."""
    while True:
        with sqlite3.connect(database) as db:
            counted = db.execute(
                "SELECT coalesce(sum(broken), 0) FROM quarantine_minutes WHERE device = ?",
                (FLOODER,),
            ).fetchone()[0]
        if counted >= flood:
            return time.perf_counter()
        time.sleep(0.05)


def raw_commits(folder: Path, count: int, rate: float) -> list[float]:
    """The limit of durability on this disk: one small SQLite commit (WAL, synchronous=FULL,
    as the gateway's book) `rate` times a second; seconds each."""
    db = sqlite3.connect(folder / "raw.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (n INTEGER, payload BLOB)")
    took = []
    begin = time.perf_counter()
    for n in range(count):
        delay = begin + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        started = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (?, ?)", (n, b"x" * 600))
        db.execute("COMMIT")
        took.append(time.perf_counter() - started)
    db.close()
    return took


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Flooder:
    """One device publishing broken messages as fast as its client can; counts the
    gateway's refusals on its command topic."""

    def __init__(self, port: int, messages: list[bytes]) -> None:
        self.messages = messages
        self.refused = 0
        self.client = make_client(BrokerSettings(port=port), f"bench-flooder-{time.time_ns()}")
        self.client.max_inflight_messages_set(1000)
        ready = threading.Event()
        self.client.on_connect = lambda c, *a: c.subscribe(cmd_topic(SITE, FLOODER), qos=1)
        self.client.on_subscribe = lambda *a: ready.set()
        self.client.on_message = self._answered
        connect(self.client, BrokerSettings(port=port))
        ready.wait(10)
        self.answerable = sum(1 for i in range(len(messages)) if i % 6 not in (0, 1))
        self.started = 0.0

    def _answered(self, *args: object) -> None:
        self.refused += 1

    def run(self, rate: float) -> threading.Thread:
        """Publish every message, `rate` a second (0: as fast as the client can)."""

        def publish() -> None:
            topic = scan_topic(SITE, FLOODER)
            self.started = time.perf_counter()
            for n, payload in enumerate(self.messages):
                if rate:
                    delay = self.started + n / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                self.client.publish(topic, payload, qos=1)

        thread = threading.Thread(target=publish, name="flood")
        thread.start()
        return thread

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flood", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=1_000)
    parser.add_argument("--rate", type=float, default=100.0, help="the good door's reads/s")
    parser.add_argument(
        "--flood-rate", type=float, default=1000.0, help="broken messages/s (0: full speed)"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the books are (e.g. /dev/shm: no disk)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-flood-", dir=args.dir))
    heap.settle()
    broker = Mosquitto(work / "broker").start()
    try:
        echo = echo_responder(broker.port)
        time.sleep(0.5)
        base = measure(broker.port, reads(args.reads), args.rate)
        echo.disconnect()
        echo.loop_stop()
        disk = raw_commits(work, args.reads, args.rate)

        depot = prepare_database(f"sqlite:///{work / 'server.sqlite'}")
        server = ServerProcess(depot.db_url, work).start()
        gateway = GatewayProcess(
            work / "gateway", broker.port, server.url, depot.gateway_token, sync_interval=30
        ).start()
        gateway.proc.wait_for_log("synced (full)", timeout=60)
        server.stop()
        assert gateway.proc.popen is not None
        pid = gateway.proc.popen.pid
        try:
            quiet = measure(broker.port, reads(args.reads), args.rate)
            memory_before = rss_mb(pid)
            flooder = Flooder(broker.port, broken_messages(args.flood))
            thread = flooder.run(args.flood_rate)
            flooded = measure(broker.port, reads(args.reads), args.rate)
            thread.join()
            taken = taken_by(gateway.database, args.flood)  # counted, so acknowledged
            flood_seconds = taken - flooder.started
            memory_after = rss_mb(pid)
            flooder.close()
        finally:
            gateway.stop()
        print(f"{args.reads} reads at {args.rate:.0f}/s from one door; broker on loopback")
        print(f"the books (gateway, server, raw SQLite) in {work}")
        report("raw broker echo (limit)", *base, args.reads)
        report("raw SQLite commit (limit)", disk, args.rate, args.reads)
        report("depot gateway, quiet", *quiet, args.reads)
        report("depot gateway, flooded", *flooded, args.reads)
        print(
            f"flood: {args.flood} broken messages from {FLOODER} taken by the gateway in "
            f"{flood_seconds:.2f} s ({args.flood / flood_seconds:.0f} messages/s; counts are "
            f"written each second); {flooder.refused} of the {flooder.answerable} that name "
            f"their read answered (the device's rate)"
        )
        print(
            f"gateway resident memory: {memory_before:.0f} MB before, {memory_after:.0f} MB after"
        )
        print("target: the other door's p99 under 10 ms during the flood")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
