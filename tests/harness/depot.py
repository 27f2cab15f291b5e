"""The parts of depot-floor as real processes: server, gateway, edge agents on pseudo terminals.

`start()` returns once the part can do what a test asks of it, judged by what the part itself
says, never by time: the server answers /healthz (after its migrations); the gateway has
announced itself online on the broker after subscribing, so the broker routes scans to it;
a station has every device connected to the broker and every reader ready to take reads.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import sqlite3
import time
import tomllib
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from demo.exampledata import ExampleDepot, generate
from demo.load import load_example
from harness.mqtt import MqttTestClient
from harness.procs import DEPOT, Proc, free_port, wait_until
from kernel.clock import system_clock
from kernel.contract import gateway_status_topic
from server.services.accounts import create_gateway_client, create_user
from server.storage.db import make_engine, migrate

ADMIN = ("admin", "admin-password-for-tests")


def write_secret(path: Path, value: str) -> Path:
    path.write_text(value + "\n")
    path.chmod(0o600)
    return path


@dataclass
class Depot:
    """An example depot loaded into a database, with an admin and a gateway token."""

    db_url: str
    example: ExampleDepot
    gateway_token: str


def prepare_database(db_url: str, *, with_stock: bool = False, site: str = "LC01") -> Depot:
    engine = make_engine(db_url)
    migrate(engine)
    example = generate()
    load_example(engine, example, with_stock=with_stock)
    create_user(
        engine, ADMIN[0], ADMIN[1], role="admin", display_name="管理员 Admin", now=system_clock()
    )
    token = create_gateway_client(engine, f"gateway-{site}", site, now=system_clock())
    engine.dispose()
    return Depot(db_url, example, token)


class ServerProcess:
    def __init__(
        self,
        db_url: str,
        workdir: Path,
        port: int | None = None,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = Proc(
            f"server-{self.port}",
            [DEPOT, "server", "run", "--db", db_url, "--port", str(self.port), *args],
            workdir,
            env,
        )

    def start(self, within: float = 30) -> ServerProcess:
        """Start it and wait up to `within` seconds for its /healthz (a benchmark's server
        opening a database of a million postings may take longer)."""
        self.proc.start()
        wait_until(self.healthy, within, "the server's /healthz")
        return self

    def healthy(self) -> bool:
        if not self.proc.running:
            raise RuntimeError(f"server exited:\n{self.proc.log()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        self.proc.stop()

    def login(self, user: tuple[str, str] = ADMIN) -> httpx.Client:
        token = httpx.post(
            f"{self.url}/api/v1/sessions", json={"username": user[0], "password": user[1]}
        ).json()["token"]
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"})


def broker_toml(port: int) -> str:
    return f'[broker]\nhost = "127.0.0.1"\nport = {port}\nkeepalive = 5\n'


class GatewayProcess:
    def __init__(
        self,
        workdir: Path,
        broker_port: int,
        server_url: str,
        token: str,
        site: str = "LC01",
        sync_interval: float = 0.5,
        settings: str = "",
        env: dict[str, str] | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.site = site
        self.broker_port = broker_port
        self.database = workdir / "gateway.sqlite"
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        write_secret(workdir / "gateway.token", token)
        self.config = workdir / "gateway.toml"
        self.config.write_text(
            f'site = "{site}"\ndatabase = "gateway.sqlite"\nstatus_interval = 1.0\n'
            + settings
            + broker_toml(broker_port)
            + f'\n[server]\nurl = "{server_url}"\ntoken_file = "gateway.token"\nmax_backoff = 2.0\n'
            + f"sync_interval = {sync_interval}\n"
            + f'\n[http]\nhost = "127.0.0.1"\nport = {self.http_port}\n'
        )
        self.proc = Proc(
            "gateway", [DEPOT, "gateway", "run", "--config", str(self.config)], workdir, env
        )

    def start(self, timeout: float = 30) -> GatewayProcess:
        """Start, and return once the broker routes the depot's scans to this gateway.

        "gateway connected to broker" comes before its subscription is in place: a scan
        published in between never reaches it. The gateway subscribes and then publishes its
        retained status "online" on the same connection, and the broker handles one
        connection's packets in order: a fresh "online" (not a retained copy from an earlier
        run) means the subscription is there."""
        watcher = MqttTestClient(self.broker_port)
        try:
            watcher.subscribe(gateway_status_topic(self.site))
            self.proc.start()
            wait_until(lambda: self._announced(watcher), timeout, "the gateway online on MQTT")
        finally:
            watcher.close()
        return self

    def _announced(self, watcher: MqttTestClient) -> bool:
        if not self.proc.running:
            raise RuntimeError(f"gateway exited:\n{self.proc.log()[-3000:]}")
        while True:
            try:
                message = watcher.messages.get_nowait()
            except queue.Empty:
                return False
            if not message.retain and json.loads(message.payload).get("state") == "online":
                return True

    def stop(self) -> None:
        self.proc.stop()

    def book(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """The rows `query` finds in the gateway's own book (its SQLite database)."""
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            return db.execute(query, args).fetchall()

    def outbox_pending(self) -> int:
        """Events the gateway still has to deliver to the server."""
        with contextlib.closing(sqlite3.connect(self.database)) as db:
            row = db.execute("SELECT count(*) FROM outbox WHERE state='pending'").fetchone()
        return int(row[0])


class PtyScanner:
    """A serial scanner: the agent opens the slave side, the test types into the master."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # a USB-CDC scanner is a raw byte stream
        self.port = os.ttyname(self.slave)
        os.set_blocking(self.master, False)

    def scan(self, code: bytes, suffix: bytes = b"\r") -> None:
        """Type one read; waits while the line is full, as a real serial line would."""
        data = code + suffix
        while data:
            try:
                data = data[os.write(self.master, data) :]
            except BlockingIOError:
                time.sleep(0.001)

    def received(self) -> bytes:
        """What the agent wrote back to the scanner (beeper and LED commands)."""
        try:
            return os.read(self.master, 4096)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


def wait_for_devices(proc: Proc, devices: list[str], timeout: float = 30) -> None:
    """Every device of a station connected to the broker and its reader ready to take reads,
    as the station's log says. A read typed before its port is open is lost (pyserial
    empties the port when opening it), so a test types only after this."""
    for device in devices:
        proc.wait_for_log(f"{device} connected to broker", timeout)
        proc.wait_for_log(f"{device} ready:", timeout)


def spool_depth(spool: Path) -> int:
    """Reads a station's spool still holds: taken, but not yet answered by the gateway."""
    with contextlib.closing(sqlite3.connect(spool)) as db:
        return int(db.execute("SELECT count(*) FROM pending").fetchone()[0])


class StationProcess:
    """`depot edge run` with any devices, given as TOML [[device]] tables."""

    def __init__(
        self,
        workdir: Path,
        broker_port: int,
        devices: list[str],
        *,
        site: str = "LC01",
        resend_after: float = 2.0,
        name: str = "station",
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.config = workdir / f"{name}.toml"
        text = (
            f'site = "{site}"\nspool_dir = "spool"\nresend_after = {resend_after}\n'
            "heartbeat = 1.0\n" + broker_toml(broker_port) + "\n" + "\n".join(devices)
        )
        self.config.write_text(text)
        self.devices = [str(device["id"]) for device in tomllib.loads(text)["device"]]
        self.proc = Proc(name, [DEPOT, "edge", "run", "--config", str(self.config)], workdir)

    def start(self) -> StationProcess:
        """Start, and return once every device is connected and its reader ready."""
        self.proc.start()
        wait_for_devices(self.proc, self.devices)
        return self

    def stop(self) -> None:
        self.proc.stop()

    def spool(self, device: str) -> Path:
        return self.workdir / "spool" / f"{device}.sqlite"


def device_toml(device: str, kind: str, door: str = "D01", **settings: object) -> str:
    lines = [f'[[device]]\nid = "{device}"\nkind = "{kind}"\ndoor = "{door}"']
    for key, value in settings.items():
        if isinstance(value, dict):
            table = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
            lines.append(f"{key} = {{ {table} }}")
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


class EdgeProcess:
    def __init__(
        self,
        workdir: Path,
        broker_port: int,
        scanner: PtyScanner,
        *,
        site: str = "LC01",
        device: str = "LC01-D01-FIX1",
        door: str = "D01",
        resend_after: float = 2.0,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.device = device
        self.spool = workdir / "spool" / f"{device}.sqlite"
        self.config = workdir / f"{device}.toml"
        self.config.write_text(
            f'site = "{site}"\nspool_dir = "spool"\n'
            f"resend_after = {resend_after}\nheartbeat = 1.0\n"
            + broker_toml(broker_port)
            + f'\n[[device]]\nid = "{device}"\nkind = "serial"\ndoor = "{door}"\n'
            + f'port = "{scanner.port}"\nsuffix = "\\r"\n'
            + 'beep = { ok = "07", warn = "0707", error = "070707" }\n'
        )
        self.proc = Proc(
            f"edge-{device}", [DEPOT, "edge", "run", "--config", str(self.config)], workdir
        )

    def start(self) -> EdgeProcess:
        """Start, and return once the device is connected and its port open."""
        self.proc.start()
        wait_for_devices(self.proc, [self.device])
        return self

    def spool_depth(self) -> int:
        return spool_depth(self.spool)

    def stop(self) -> None:
        self.proc.stop()
