"""A door's RFID portal at a dense-reader rate: every pallet counted once, and how long after
its presence is decided the operator hears it, against a raw broker echo driven by the same
reader in the same run.

    PYTHONPATH=$PWD:$PWD/tests .venv/bin/python tests/benchmarks/bench_portal.py \
        [--read-rate 200] [--seconds 60] [--reads-per-zone 6] [--postgres] [--load]

The LLRP simulator plays a truck being unloaded through a door with an outer (dock side,
antenna 1) and an inner (warehouse side, antenna 2) antenna. The reader reads `read-rate`
tags a second for `seconds` seconds (a reader in dense-reader mode reads about 200): each
tagged pallet is read `reads-per-zone` times on each side as it passes in a second (its RSSI
rising and falling, outer before inner: coming in), so `read-rate / (2 * reads-per-zone)`
pallets enter the portal a second. The station's LLRP reader folds each antenna's reads of a
pass into one message with its RSSI profile and publishes it; the gateway decides each pass's
direction and receives each pallet against the inbound notices that list it (the supplier's
dispatch advice, 2,000 pallets a notice). With `--load` the pallets are then accepted, an
order takes them all, the door is put on the order from its floor page, and the truck is
loaded through the same portal at the same rate, each pallet going out: each loaded once.

An observer on the broker notes when each read is published and when its answer comes back.
A pallet's presence is decided by the read whose answer receives it: the latency is from
that read's arrival at the broker to its answer's. The limit is the same reader, station and
broker with a responder that answers each read at once and stores nothing. Printed: reads
and pallets per second, latency percentiles of both, the ratio, each pallet's receipts
(exactly one each), and the peak memory of the gateway and the station.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import paho.mqtt.client as paho

from harness.depot import (
    Depot,
    GatewayProcess,
    ServerProcess,
    StationProcess,
    device_toml,
    prepare_database,
)
from harness.dispatching import accept_batch, order_for
from harness.forms import submit
from harness.llrp_sim import LlrpSimulator
from harness.mosquitto import Mosquitto
from harness.portal_pass import IN, INNER, OUT, OUTER, Truck, sgtin96, sgtin_uri
from harness.postgres import PostgresCluster
from harness.procs import Proc, wait_until
from kernel.clock import system_clock
from kernel.contract import Answer, cmd_topic, parse_answer, parse_scan
from kernel.mqtt import BrokerSettings, connect, make_client
from server.services.accounts import create_user
from server.storage.db import make_engine
from siteconfig.kinds import PORTAL_REPORT_EVERY, PORTAL_WINDOW

SITE, DOOR, DEVICE = "LC01", "D01", "LC01-D01-RFID1"
PER_NOTICE = 2000  # the server's bound on a notice's units
QTY = 20
KEEPER = ("li", "a-long-enough-password")
FLOOR_PIN = "5281-9930"
BATCH = "2026PT"
LIMIT_MS = 100.0


class Observer:
    """Notes when each read reaches the broker and when its answer does."""

    def __init__(self, port: int) -> None:
        self.scans: dict[str, tuple[float, str | None]] = {}
        self.sides: set[tuple[str | None, int | None]] = set()  # (tag, antenna) published
        self.answers: dict[str, tuple[float, Answer]] = {}
        self._lock = threading.Lock()
        self.client = make_client(BrokerSettings(port=port), f"bench-observer-{time.time_ns()}")
        subscribed = threading.Event()
        self.client.on_connect = lambda c, *a: c.subscribe(
            [(f"wh/v1/{SITE}/scan/{DEVICE}", 1), (cmd_topic(SITE, DEVICE), 1)]
        )
        self.client.on_subscribe = lambda *a: subscribed.set()
        self.client.on_message = self._on_message
        connect(self.client, BrokerSettings(port=port))
        subscribed.wait(10)

    def _on_message(self, c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        now = time.perf_counter()
        payload = bytes(m.payload)
        with self._lock:
            if "/scan/" in m.topic:
                scan = parse_scan(payload)
                self.scans[scan.event_id] = (now, scan.data.epc_uri)
                self.sides.add((scan.data.epc_uri, scan.rfid.antenna if scan.rfid else None))
            else:
                answer = parse_answer(payload)
                self.answers.setdefault(answer.re, (now, answer))

    def latencies(self, deciding: Callable[[Answer], bool]) -> tuple[list[float], Counter[str]]:
        with self._lock:
            out, units = [], Counter[str]()
            for re, (at, answer) in self.answers.items():
                if not deciding(answer) or re not in self.scans:
                    continue
                sent, epc = self.scans[re]
                out.append((at - sent) * 1000)
                units[epc or "?"] += 1
            return out, units

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def echo_responder(port: int) -> paho.Client:
    """The limit: answer each read at once, store nothing."""
    client = make_client(BrokerSettings(port=port), "bench-echo")

    def on_message(c: paho.Client, u: object, m: paho.MQTTMessage) -> None:
        scan = parse_scan(bytes(m.payload))
        c.publish(cmd_topic(scan.site, scan.device),
                  Answer(scan.event_id, "ok", "好", "ok", "ok").to_json(), qos=1)  # fmt: skip

    client.on_connect = lambda c, *a: c.subscribe(f"wh/v1/{SITE}/scan/+", qos=1)
    client.on_message = on_message
    connect(client, BrokerSettings(port=port))
    return client


def peak_rss_mb(proc: Proc) -> float:
    status = Path(f"/proc/{proc.popen.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def station(work: Path, port: int, reader: LlrpSimulator) -> StationProcess:
    device = device_toml(DEVICE, "rfid_llrp", door=DOOR, host="127.0.0.1", port=reader.port,
                         antennas=[OUTER, INNER], window=PORTAL_WINDOW,
                         report_every=PORTAL_REPORT_EVERY)  # fmt: skip
    return StationProcess(work, port, [device]).start()


def drive(
    work: Path,
    port: int,
    epcs: list[str],
    args: argparse.Namespace,
    observer: Observer,
    direction: str = IN,
) -> tuple[Truck, float, float]:
    reader = LlrpSimulator(antennas=2).start()
    edge = station(work, port, reader)
    try:
        reader.wait_inventory()
        truck = Truck(reader, args.rate, args.reads_per_zone)
        elapsed = truck.carry(epcs, direction)
        published = lambda: len(observer.sides) >= 2 * len(epcs)  # noqa: E731
        wait_until(published, 60, "the station's messages of every pallet's both sides")
        return truck, elapsed, peak_rss_mb(edge.proc)
    finally:
        edge.stop()
        reader.stop()


def rows(gateway: GatewayProcess, table: str) -> int:
    return rows_where(gateway, f"SELECT count(*) FROM {table}")


def rows_where(gateway: GatewayProcess, count: str) -> int:
    return int(gateway.book(count)[0][0])


def receipts_of(gateway: GatewayProcess) -> int:
    return int(gateway.book("SELECT count(*) FROM outbox WHERE type = 'receiving'")[0][0])


def notices(gtin: str, item: str, uris: list[str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for first in range(0, len(uris), PER_NOTICE):
        chunk = uris[first : first + PER_NOTICE]
        units = [{"epc": uri, "line": 1, "item": item, "batch": BATCH, "qty": QTY,
                  "prod_date": "2026-10-01"} for uri in chunk]  # fmt: skip
        out.append({"number": f"RK-BENCH-{first // PER_NOTICE + 1:03}", "warehouse": SITE,
                    "lines": [{"item": item, "qty": QTY * len(chunk), "batch": BATCH}],
                    "units": units})  # fmt: skip
    return out


def loaded(answer: Answer) -> bool:
    """An answer that loaded a pallet (not one saying it is already loaded)."""
    counted = (answer.task or {}).get("counted")
    return answer.text_zh.startswith("已装车") and counted is not False


def load_out(
    work: Path,
    server: ServerProcess,
    gateway: GatewayProcess,
    depot: Depot,
    item: str,
    epcs: list[str],
    args: argparse.Namespace,
    observer: Observer,
) -> tuple[list[float], Counter[str], int, float]:
    """The received pallets accepted, ordered, the door put on the order from its floor page
    and every pallet carried out through it: the latencies of the answers that loaded, each
    pallet's loads, how many the gateway loaded and how long the truck took."""
    with server.login(KEEPER) as keeper:

        def pending() -> int:
            stock = keeper.get("/api/v1/stock", params={"status": "pending_acceptance"})
            return sum(int(r["qty"]) for r in stock.json()["rows"])

        wait_until(lambda: pending() == QTY * len(epcs), 120, "every receipt at the server")
    accept_batch(server, item, BATCH, QTY * len(epcs), location=DOOR)
    number = "DD-BENCH-LOAD"
    order_for(server, depot, item, QTY * len(epcs), number)
    picked = f"SELECT count(*) FROM pick_lines WHERE order_no = '{number}'"
    wait_until(lambda: rows_where(gateway, picked) > 0, 120, "the order's pick list synced")
    with httpx.Client(base_url=gateway.url) as page:
        signed = submit(page, "/floor/login", "/floor/login",
                        {"username": KEEPER[0], "pin": FLOOR_PIN})  # fmt: skip
        assert signed.status_code == 303, signed.text
        device = f"/floor/device/{DEVICE}"
        assert submit(page, device, f"{device}/task", {"kind": "load", "ref": number}).is_redirect
    _, elapsed, _ = drive(work / "load", gateway.broker_port, epcs, args, observer, OUT)
    loading = "SELECT count(*) FROM outbox WHERE type = 'loading'"
    loads = lambda: rows_where(gateway, loading)  # noqa: E731
    wait_until(lambda: loads() >= len(epcs), 60, "every pallet loaded")
    wait_until(lambda: len(observer.answers) >= len(observer.scans), 60, "answers")
    ms, units = observer.latencies(loaded)
    return ms, units, loads(), elapsed


def verdict(
    done: str, ms: list[float], units: Counter[str], rows: int, count: int, base: float,
    seconds: float,
) -> None:  # fmt: skip
    """The answers that `done` (received, loaded) a pallet: their latencies against the raw
    broker's, each pallet's count of them, and the slowest against the limit."""
    p50, worst = report(f"gateway, reads that {done}", ms, seconds)
    print(f"ratio of p50 latencies, gateway / raw broker: {p50 / base:.1f}x")
    twice = [epc for epc, n in units.items() if n > 1]
    print(f"pallets {done}: {rows} of {count} (answers that {done}: "
          f"{sum(units.values())}, {done} twice: {len(twice)})")  # fmt: skip
    print(
        f"slowest answer after its pass was decided: {worst:.1f} ms "
        f"(limit {LIMIT_MS:.0f} ms: {'within' if worst <= LIMIT_MS else 'OVER'})"
    )


def report(name: str, ms: list[float], seconds: float) -> tuple[float, float]:
    ms = sorted(ms)
    q = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    print(f"{name:<34} {len(ms):6} answers  p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  "
          f"p99 {q[98]:6.1f} ms  max {ms[-1]:7.1f} ms  {len(ms) / seconds:7.1f}/s")  # fmt: skip
    return q[49], ms[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--read-rate", type=float, default=200.0, help="tag reads a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--reads-per-zone", type=int, default=6)
    parser.add_argument("--postgres", action="store_true", help="the server on PostgreSQL")
    parser.add_argument("--load", action="store_true",
                        help="then accept the pallets, order them and load them out")  # fmt: skip
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-portal-"))
    args.rate = args.read_rate / (2 * args.reads_per_zone)  # pallets a second
    count = int(args.rate * args.seconds)
    broker = Mosquitto(work / "broker").start()
    pg = PostgresCluster().start() if args.postgres else None
    try:
        db_url = pg.new_database() if pg else f"sqlite:///{work / 'server.sqlite'}"
        depot = prepare_database(db_url)
        blanket = depot.example.items[6]
        uris = [sgtin_uri(blanket.gtin, 100_000 + n) for n in range(count)]
        epcs = [sgtin96(uri) for uri in uris]

        observer = Observer(broker.port)
        echo = echo_responder(broker.port)
        truck, elapsed, _ = drive(work / "limit", broker.port, epcs, args, observer)
        wait_until(lambda: len(observer.answers) >= len(observer.scans), 60, "echo answers")
        limit_ms, _ = observer.latencies(lambda a: True)
        echo.disconnect()
        echo.loop_stop()
        observer.close()

        engine = make_engine(db_url)
        create_user(engine, KEEPER[0], KEEPER[1], role="keeper", warehouse=SITE,
                    floor_pin=FLOOR_PIN, now=system_clock())  # fmt: skip
        engine.dispose()
        server = ServerProcess(db_url, work).start()
        zones = f"\n[rfid.doors.{DOOR}.zones]\nouter = [{OUTER}]\ninner = [{INNER}]\n\n"
        gateway = GatewayProcess(work / "gateway", broker.port, server.url, depot.gateway_token,
                                 sync_interval=5.0, settings=zones).start()  # fmt: skip
        try:
            with server.login(KEEPER) as keeper:
                for notice in notices(blanket.gtin, blanket.code, uris):
                    answer = keeper.post("/api/v1/inbound-notices", json=notice, timeout=120)
                    assert answer.status_code == 201, answer.text
            wait_until(lambda: rows(gateway, "notice_units") == count, 120, "the units listed")
            observer = Observer(broker.port)
            truck, elapsed, station_mb = drive(work / "full", broker.port, epcs, args, observer)
            try:
                wait_until(lambda: receipts_of(gateway) >= count, 60, "every pallet received")
            except TimeoutError:
                heard = Counter(a.text_en.split(":")[0] for _, a in observer.answers.values())
                print(
                    f"received {receipts_of(gateway)} of {count}; answers: {heard.most_common(8)}"
                )
                raise
            wait_until(lambda: len(observer.answers) >= len(observer.scans), 60, "answers")
            decided_ms, units = observer.latencies(lambda a: a.text_zh.startswith("已收货"))
            receipts = receipts_of(gateway)
            messages = len(observer.scans)
            if args.load:
                observer.close()
                observer = Observer(broker.port)
                loading = load_out(work, server, gateway, depot, blanket.code, epcs, args,
                                   observer)  # fmt: skip
            gateway_mb = peak_rss_mb(gateway.proc)
        finally:
            gateway.stop()
            server.stop()
            observer.close()

        print(
            f"{count} pallets at {args.rate:.1f}/s for {args.seconds:.0f} s, "
            f"{truck.reads} tag reads ({truck.reads / elapsed:.0f}/s, {args.reads_per_zone} "
            f"a side), {messages} station messages, server on "
            f"{'PostgreSQL' if pg else 'SQLite'}; reader ticks late: {truck.late_ticks}"
        )
        base_p50, _ = report("raw broker echo (limit), every read", limit_ms, elapsed)
        verdict("received", decided_ms, units, receipts, count, base_p50, elapsed)
        if args.load:
            loaded_ms, loaded_units, loads, load_elapsed = loading
            verdict("loaded", loaded_ms, loaded_units, loads, count, base_p50, load_elapsed)
        print(f"peak memory: gateway {gateway_mb:.0f} MB, station {station_mb:.0f} MB")
    finally:
        if pg:
            pg.stop()
        broker.stop()


if __name__ == "__main__":
    main()
