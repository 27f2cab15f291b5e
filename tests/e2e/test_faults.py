"""Faults while a scanner keeps scanning: the station agent killed with SIGKILL, then the
broker killed with SIGKILL. Every read still reaches the gateway and has exactly one effect."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

import httpx

from demo.exampledata import gs1_128_label
from harness.depot import Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until


class Scanning:
    """An operator scanning one label every `interval` seconds, each with its own batch."""

    def __init__(self, scanner: PtyScanner, gtin: str, interval: float = 0.05) -> None:
        self.scanner = scanner
        self.gtin = gtin
        self.interval = interval
        self.count = 0
        self.pause = threading.Lock()  # held by the test while it checks and kills
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self.pause:
                self.scanner.scan(
                    gs1_128_label(self.gtin, f"F{self.count:04d}", date(2026, 5, 1), 1)
                )
                self.count += 1

    def start(self) -> Scanning:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def goes_on(self, reads: int) -> None:
        """Wait while the operator scans `reads` more labels."""
        target = self.count + reads
        wait_until(lambda: self.count >= target, 30, f"{reads} more reads typed")


def batches(client: httpx.Client) -> dict[str, int]:
    rows = client.get("/api/v1/stock", params={"limit": 1000}).json()["rows"]
    return {r["batch"]: r["qty"] for r in rows}


def spooled(edge: EdgeProcess) -> int:
    """How many reads the station has taken (its last sequence number)."""
    with sqlite3.connect(edge.spool) as db:
        row = db.execute("SELECT value FROM meta WHERE key='seq'").fetchone()
    return int(row[0]) if row else 0


def restart_agent(edge: EdgeProcess, scanning: Scanning) -> None:
    """SIGKILL the agent with unanswered reads in its spool, at a moment when it has taken
    every read typed so far, and start it again. A read still in its memory when it dies, or
    typed while it is down (pyserial flushes the port on open; a USB-CDC port drops data
    while closed), is one the operator never heard confirmed: the operator waits for the
    station to come back before scanning on."""
    with scanning.pause:
        wait_until(lambda: spooled(edge) == scanning.count, 10, "the agent to catch up")
        edge.proc.kill()
        edge.start()  # back once its port is open and it is connected


def test_killing_the_agent_and_the_broker_loses_no_read_and_doubles_none(
    depot: Depot,
    broker: Mosquitto,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    scanning = Scanning(scanner, depot.example.items[5].gtin).start()
    scanning.goes_on(20)
    restart_agent(edge, scanning)
    scanning.goes_on(20)
    broker.proc.kill()  # reads in flight and unanswered die with the broker
    scanning.goes_on(20)  # the operator goes on scanning: the station keeps every read
    broker.start()
    scanning.goes_on(30)
    scanning.stop()
    total = scanning.count

    with server.login() as client:

        def posted() -> dict[str, int]:
            return {b: q for b, q in batches(client).items() if b.startswith("F")}

        wait_until(
            lambda: len(posted()) == total,
            60,
            f"all {total} reads in the ledger (edge log:\n{edge.proc.log()[-1500:]})",
        )
        # A resend that could still post twice is ahead of a read typed now (once every read
        # is answered the station sends none again; broker and gateway keep its order), and
        # what the gateway made of it is delivered once its outbox is empty.
        wait_until(lambda: edge.spool_depth() == 0, 30, "every read answered")
        scanner.scan(gs1_128_label(depot.example.items[5].gtin, "LAST", date(2026, 5, 1), 1))
        wait_until(lambda: "LAST" in batches(client), 30, "the later read in the ledger")
        wait_until(lambda: gateway.outbox_pending() == 0, 30, "the gateway's outbox empty")
        stock = posted()
        metrics = httpx.get(f"{server.url}/metrics").text
    assert stock == {f"F{i:04d}": 1 for i in range(total)}
    assert f'depot_events_total{{status="accepted"}} {total + 1}' in metrics
