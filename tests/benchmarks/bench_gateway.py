"""The depot gateway under load, against the bare broker, same machine, same run.

    .venv/bin/python tests/benchmarks/bench_gateway.py [--reads 20000] [--stations 4]

1. Sustained rate: `--stations` station clients publish `--reads` GS1 reads between them as
   fast as the broker takes them (QoS 1). First a bare paho subscriber on the same broker
   counts them (the limit: what the broker and one Python MQTT client can move); then
   `depot gateway run` takes them: each read decided, committed with its event in the
   outbox, answered on the station's command topic and acknowledged. The gateway's rate is
   counted to the last answer, and the outbox is checked to hold one event per read.
2. Latency: one station publishing at 100 and at 1,000 reads per second, scan to answer,
   against a bare responder (bench_scan_roundtrip), with the central server on this machine
   (it shares the two cores: its ingest and the gateway's deliveries make the tail); then at
   1,000 a second with the server out of reach, as for a depot offline or a server elsewhere
   (every read is still decided, committed with its event and answered).

Prints the figures and the ratios. The targets in the gateway's issue: at least 0.7 times the
bare subscriber's rate, and p99 under 10 ms at 1,000 reads per second.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import paho.mqtt.client as paho
from bench_scan_roundtrip import echo_responder, measure, reads, report

from harness.depot import GatewayProcess, ServerProcess, prepare_database
from harness.mosquitto import Mosquitto
from kernel import heap
from kernel.contract import ScanMessage, cmd_topic, scan_topic
from kernel.mqtt import BrokerSettings, connect, make_client

SITE = "LC01"


def station_reads(count: int, stations: int) -> list[list[ScanMessage]]:
    """`count` reads split over `stations` devices (each with its own seq)."""
    per = [count // stations + (1 if s < count % stations else 0) for s in range(stations)]
    out = []
    for s, n in enumerate(per):
        device = f"LC01-D{s + 1:02d}-FIX1"
        out.append(
            [
                ScanMessage(
                    m.event_id,
                    SITE,
                    device,
                    m.seq,
                    m.ts,
                    m.source,
                    m.raw,
                    m.valid,
                    m.data,
                    door=f"D{s % 3 + 1:02d}",
                    symbology=m.symbology,
                )
                for m in reads(n)
            ]
        )
    return out


def publish_all(port: int, batches: list[list[ScanMessage]], wait_answers: bool) -> float:
    """Publish every station's reads at full speed, in parallel; returns the seconds from
    the first publish to the last answer (or to the last publish acknowledged)."""
    total = sum(len(b) for b in batches)
    answered = threading.Semaphore(0)
    clients = []
    for n, batch in enumerate(batches):
        client = make_client(BrokerSettings(port=port), f"bench-pub-{n}-{time.time_ns()}")
        client.max_inflight_messages_set(1000)
        ready = threading.Event()
        device = batch[0].device
        client.on_connect = lambda c, *a, d=device: c.subscribe(cmd_topic(SITE, d), qos=1)
        client.on_subscribe = lambda *a, r=ready: r.set()
        client.on_message = lambda *a: answered.release()
        connect(client, BrokerSettings(port=port))
        ready.wait(10)
        clients.append(client)
    payloads = [[(scan_topic(SITE, m.device), m.to_json()) for m in b] for b in batches]
    infos: list[list[paho.MQTTMessageInfo]] = [[] for _ in batches]

    def run(n: int) -> None:
        for topic, payload in payloads[n]:
            infos[n].append(clients[n].publish(topic, payload, qos=1))

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if wait_answers:
        for _ in range(total):
            if not answered.acquire(timeout=120):
                raise TimeoutError("the gateway stopped answering")
    else:
        for batch in infos:
            for info in batch:
                info.wait_for_publish(120)
    elapsed = time.perf_counter() - started
    for client in clients:
        client.disconnect()
        client.loop_stop()
    return elapsed


def bare_subscriber(port: int, total: int) -> tuple[paho.Client, threading.Event, list[float]]:
    got = [0]
    done = threading.Event()
    last: list[float] = []
    ready = threading.Event()
    client = make_client(BrokerSettings(port=port), "bench-bare", persistent_session=True)
    client.max_inflight_messages_set(1000)

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        got[0] += 1
        if got[0] == total:
            last.append(time.perf_counter())
            done.set()

    client.on_connect = lambda c, *a: c.subscribe(f"wh/v1/{SITE}/scan/+", qos=1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = on_message
    connect(client, BrokerSettings(port=port))
    ready.wait(10)
    return client, done, last


def sustained(work: Path, count: int, stations: int) -> None:
    broker = Mosquitto(work / "broker-rate").start()
    try:
        batches = station_reads(count, stations)
        client, done, last = bare_subscriber(broker.port, count)
        started = time.perf_counter()
        publish_all(broker.port, batches, wait_answers=False)
        done.wait(120)
        bare = count / (last[0] - started)
        client.disconnect()
        client.loop_stop()

        depot = prepare_database(f"sqlite:///{work / 'rate.sqlite'}")
        server = ServerProcess(depot.db_url, work).start()
        gateway = GatewayProcess(
            work / "rate-gateway", broker.port, server.url, depot.gateway_token, sync_interval=30
        ).start()
        gateway.proc.wait_for_log("synced (full)", timeout=60)
        try:
            elapsed = publish_all(broker.port, station_reads(count, stations), wait_answers=True)
            with sqlite3.connect(gateway.database) as db:
                events = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
        finally:
            gateway.stop()
            server.stop()
        rate = count / elapsed
        print(f"{count} reads from {stations} stations at full speed, loopback broker")
        print(f"bare paho subscriber (limit)  {bare:8.0f} reads/s")
        print(
            f"depot gateway (SQLite)        {rate:8.0f} reads/s answered, {events} events in the "
            f"outbox   ratio {rate / bare:.2f}   (target >= 0.7)"
        )
    finally:
        broker.stop()


def latency(work: Path, rate: float, count: int, offline: bool = False) -> None:
    work = work / f"latency-{rate:.0f}{'-offline' if offline else ''}"
    work.mkdir(parents=True)
    broker = Mosquitto(work / "broker").start()
    try:
        echo = echo_responder(broker.port)
        time.sleep(0.5)
        base = measure(broker.port, reads(count), rate)
        echo.disconnect()
        echo.loop_stop()
        depot = prepare_database(f"sqlite:///{work / 'server.sqlite'}")
        server = ServerProcess(depot.db_url, work).start()
        gateway = GatewayProcess(
            work / "gateway",
            broker.port,
            server.url,
            depot.gateway_token,
            sync_interval=30,
        ).start()
        gateway.proc.wait_for_log("synced (full)", timeout=60)
        if offline:
            server.stop()  # the depot offline: all but the delivery still happens
        try:
            full = measure(broker.port, reads(count), rate)
        finally:
            gateway.stop()
            server.stop()
        where = "central server out of reach" if offline else "central server on this machine"
        print(f"{count} reads at {rate:.0f}/s, one station ({where})")
        report("  raw broker echo (limit)", *base, count)
        report("  depot gateway (SQLite)", *full, count)
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=20000)
    parser.add_argument("--stations", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-gateway-"))
    heap.settle()  # the measuring clients' own collections out of the figures, as in a station
    sustained(work, args.reads, args.stations)
    latency(work, 100.0, 2000)
    latency(work, 1000.0, 10000)
    latency(work, 1000.0, 10000, offline=True)


if __name__ == "__main__":
    main()
