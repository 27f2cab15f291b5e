"""Scan-to-answer latency through the depot gateway, against a raw broker echo on the same
broker, same machine, same run.

    .venv/bin/python tests/benchmarks/bench_scan_roundtrip.py [--reads 2000] [--rate 200]

A station client publishes GS1 reads at a steady rate on wh/v1/LC01/scan/{device} and times
each answer on its command topic. First against a bare responder that answers without storing
anything (the limit: broker round trip), then against `depot gateway run`, which commits each
read and its event to SQLite before it answers. Prints percentiles, throughput and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import paho.mqtt.client as paho

from demo.exampledata import generate, gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from harness.depot import GatewayProcess, ServerProcess, prepare_database
from harness.mosquitto import Mosquitto
from kernel.contract import Answer, ScanMessage, cmd_topic, parse_answer, parse_scan
from kernel.mqtt import BrokerSettings, connect, make_client

SITE, DEVICE = "LC01", "LC01-D01-BENCH"


def reads(count: int) -> list[ScanMessage]:
    items = generate().items
    out = []
    for n in range(count):
        raw = gs1_128_label(items[n % len(items)].gtin, f"B{n % 50}", date(2026, 1, 1), 10)
        d = decode_barcode(raw)
        out.append(
            ScanMessage(
                new_event_id(),
                SITE,
                DEVICE,
                n + 1,
                now_iso(),
                "serial",
                raw,
                d.valid,
                d.data,
                door="D01",
                symbology=d.symbology,
            )
        )
    return out


def echo_responder(port: int) -> paho.Client:
    """The limit: answer each read at once, store nothing."""
    client = make_client(BrokerSettings(port=port), "bench-echo")

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        scan = parse_scan(bytes(m.payload))
        c.publish(
            cmd_topic(scan.site, scan.device),
            Answer(scan.event_id, "ok", "好", "ok", "ok").to_json(),
            qos=1,
        )

    client.on_connect = lambda c, *a: c.subscribe(f"wh/v1/{SITE}/scan/+", qos=1)
    client.on_message = on_message
    connect(client, BrokerSettings(port=port))
    return client


def measure(port: int, messages: list[ScanMessage], rate: float) -> tuple[list[float], float]:
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = threading.Event()
    station = make_client(BrokerSettings(port=port), f"bench-station-{time.time_ns()}")
    subscribed = threading.Event()

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        answer = parse_answer(bytes(m.payload))
        started = sent.pop(answer.re, None)
        if started is not None:
            latencies.append(time.perf_counter() - started)
            if len(latencies) == len(messages):
                done.set()

    station.on_connect = lambda c, *a: c.subscribe(cmd_topic(SITE, DEVICE), qos=1)
    station.on_subscribe = lambda *a: subscribed.set()
    station.on_message = on_message
    connect(station, BrokerSettings(port=port))
    subscribed.wait(10)
    interval = 1.0 / rate
    begin = time.perf_counter()
    for n, message in enumerate(messages):
        delay = begin + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent[message.event_id] = time.perf_counter()
        station.publish(f"wh/v1/{SITE}/scan/{DEVICE}", message.to_json(), qos=1)
    done.wait(120)
    elapsed = time.perf_counter() - begin
    station.disconnect()
    station.loop_stop()
    return latencies, len(latencies) / elapsed


def report(name: str, latencies: list[float], throughput: float, total: int) -> float:
    ms = sorted(x * 1000 for x in latencies)
    q = statistics.quantiles(ms, n=100)
    print(
        f"{name:<28} answered {len(ms)}/{total}  p50 {q[49]:6.2f} ms  p95 {q[94]:6.2f} ms  "
        f"p99 {q[98]:6.2f} ms  max {ms[-1]:6.2f} ms  {throughput:7.1f} answers/s"
    )
    return q[49]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="reads per second")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-"))
    broker = Mosquitto(work / "broker").start()
    try:
        echo = echo_responder(broker.port)
        time.sleep(0.5)
        base = measure(broker.port, reads(args.reads), args.rate)
        echo.disconnect()
        echo.loop_stop()

        depot = prepare_database(f"sqlite:///{work / 'server.sqlite'}")
        server = ServerProcess(depot.db_url, work).start()
        gateway = GatewayProcess(
            work / "gateway", broker.port, server.url, depot.gateway_token
        ).start()
        gateway.proc.wait_for_log("synced (full)", timeout=60)
        try:
            full = measure(broker.port, reads(args.reads), args.rate)
        finally:
            gateway.stop()
            server.stop()
        print(f"{args.reads} reads at {args.rate:.0f}/s, one station, loopback broker")
        p50_base = report("raw broker echo (limit)", *base, args.reads)
        p50_full = report("depot gateway (SQLite)", *full, args.reads)
        print(f"ratio of p50 latencies, gateway / raw broker: {p50_full / p50_base:.1f}x")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
