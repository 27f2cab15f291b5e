"""Faults while a scanner keeps scanning: the station agent killed with SIGKILL, then the
broker killed with SIGKILL. Every read still reaches the gateway and has exactly one effect."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date

import httpx

from harness.depot import Depot, EdgeProcess, GatewayProcess, PtyScanner, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from server.exampledata import gs1_128_label


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
        time.sleep(0.5)
        edge.start()


def test_killing_the_agent_and_the_broker_loses_no_read_and_doubles_none(
    depot: Depot,
    broker: Mosquitto,
    server: ServerProcess,
    gateway: GatewayProcess,
    edge: EdgeProcess,
    scanner: PtyScanner,
) -> None:
    scanning = Scanning(scanner, depot.example.items[5].gtin).start()
    time.sleep(1.0)
    restart_agent(edge, scanning)
    time.sleep(1.0)
    broker.proc.kill()  # reads in flight and unanswered die with the broker
    time.sleep(1.0)  # the operator goes on scanning: the station keeps every read
    broker.start()
    time.sleep(1.5)
    scanning.stop()
    total = scanning.count
    assert total > 50

    with server.login() as client:

        def posted() -> dict[str, int]:
            rows = client.get("/api/v1/stock", params={"limit": 1000}).json()["rows"]
            return {r["batch"]: r["qty"] for r in rows if r["batch"].startswith("F")}

        wait_until(
            lambda: len(posted()) == total,
            60,
            f"all {total} reads in the ledger (edge log:\n{edge.proc.log()[-1500:]})",
        )
        time.sleep(3)  # any resend that would double-post has had its chance
        stock = posted()
        metrics = httpx.get(f"{server.url}/metrics").text
    assert stock == {f"F{i:04d}": 1 for i in range(total)}
    assert f'depot_events_total{{status="accepted"}} {total}' in metrics
