"""`depot demo`: the whole system on one machine, on embedded defaults.

Creates an example depot on SQLite, builds the example site description
(firmware-config/sites/LC01.yaml) with `depot config build` into DIR/config, and runs what it
produced: the broker from the generated mosquitto.conf (TLS, a password and an ACL per device),
the central server, the depot gateway and one edge agent per station, each serial device on a
pseudo terminal, the door scanners scanning example labels. Ctrl-C stops it all,
in order: scanners, stations, gateway, server, broker.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tty
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from demo.exampledata import ExampleDepot, generate, gs1_128_label
from demo.load import load_example
from kernel.clock import system_clock
from server.cli import write_secret
from server.domain.security import new_password
from server.services.accounts import create_gateway_client, create_user
from server.services.floor_access import grant_floor
from server.storage.db import make_engine, migrate
from siteconfig.build import build, in_place, read_site
from siteconfig.model import Site
from siteconfig.parts import GATEWAY_FILE, STATION_FILE

# The example depot's site description, in the source tree beside the code.
EXAMPLE_SITE = Path(__file__).resolve().parents[1] / "firmware-config" / "sites" / "LC01.yaml"

log = logging.getLogger("depot.demo")


def port_or_free(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@dataclass
class Child:
    name: str
    popen: subprocess.Popen[bytes]

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


class Demo:
    def __init__(
        self, root: Path, site_file: Path, http_port: int, mqtt_port: int, interval: float
    ) -> None:
        self.root = root.resolve()
        self.site_file = site_file
        self.http_port = http_port
        self.mqtt_port = mqtt_port
        self.floor_port = port_or_free(8081)
        self.interval = interval
        self.children: list[Child] = []
        self.stop_event = threading.Event()
        self.devices: list[str] = []
        self.failure: str | None = None
        self.floor_pin = ""
        self.config = self.root / "config"
        self._ptys: dict[str, tuple[int, int]] = {}  # device: (master, slave)

    # -- set-up -----------------------------------------------------------------------------
    def prepare(self) -> tuple[ExampleDepot, str, Site]:
        if self.root.exists():
            shutil.rmtree(self.root)
        for sub in ("secrets", "logs"):
            (self.root / sub).mkdir(parents=True)
        os.chmod(self.root / "secrets", 0o700)
        engine = make_engine(f"sqlite:///{self.root / 'server.sqlite'}")
        migrate(engine)
        example = generate()
        load_example(engine, example)
        admin_password, self.floor_pin = new_password(), f"{secrets.randbelow(10**8):08d}"
        create_user(
            engine,
            "admin",
            admin_password,
            role="admin",
            now=system_clock(),
            display_name="演示管理员 Admin",
            floor_pin=self.floor_pin,
        )
        site = self._site()
        grant_floor(
            engine, "admin", site.id, "demo", system_clock()
        )  # the admin is bound to no depot
        token = create_gateway_client(engine, site.gateway_user, site.id, system_clock())
        engine.dispose()
        write_secret(self.root / "secrets" / "admin.password", admin_password)
        write_secret(self.root / "secrets" / "admin.floor-pin", self.floor_pin)
        build(site, self.config)
        write_secret(self.config / "gateway" / "secrets" / "gateway.token", token)
        (self.root / "state" / "broker").mkdir(parents=True, exist_ok=True)
        return example, admin_password, site

    def _site(self) -> Site:
        """The example depot's site description, built to run on this machine: addresses
        127.0.0.1, the demo's ports, each serial device on a pseudo terminal."""
        sets = [
            "broker.host=127.0.0.1",
            f"broker.tls_port={self.mqtt_port}",
            f"broker.local_port={port_or_free(self.mqtt_port + 1)}",
            f"broker.user={getpass.getuser()}",
            "gateway.host=127.0.0.1",
            f"gateway.http_port={self.floor_port}",
            f"server.url=http://127.0.0.1:{self.http_port}",
            "server.sync_interval=5",
        ]
        site, problems = read_site(self.site_file, sets)
        if site is None:
            raise RuntimeError(f"{self.site_file}: " + "; ".join(map(str, problems)))
        for s_index, station in enumerate(site.stations):
            for d_index, device in enumerate(station.devices):
                if "port" in device.connection:
                    master, slave = os.openpty()
                    tty.setraw(slave)
                    self._ptys[device.id] = (master, slave)
                    path = f"stations.{s_index}.devices.{d_index}.connection.port"
                    sets.append(f"{path}={os.ttyname(slave)}")
        site, problems = read_site(self.site_file, sets)
        assert site is not None, problems
        self.devices = [d.id for d in site.devices()]
        # state under the demo's folder: the built files are the ones that run
        return in_place(site, self.config)

    # -- processes --------------------------------------------------------------------------
    def spawn(self, name: str, argv: list[str]) -> Child:
        out = (self.root / "logs" / f"{name}.log").open("ab")
        popen = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        out.close()
        child = Child(name, popen)
        self.children.append(child)
        return child

    def start(self, example: ExampleDepot, site: Site) -> None:
        depot = [sys.executable, "-m", "kernel.cli"]
        conf = self.config / "broker" / "mosquitto.conf"
        self.spawn("mosquitto", [_tool("mosquitto"), "-c", str(conf)])
        if not (wait_port(self.mqtt_port) and wait_port(site.broker.local_port)):
            raise RuntimeError("the broker did not start; see logs/mosquitto.log")
        self.spawn(
            "server",
            [
                *depot,
                "server",
                "run",
                "--db",
                f"sqlite:///{self.root / 'server.sqlite'}",
                "--port",
                str(self.http_port),
            ],
        )
        if not wait_port(self.http_port, 60):
            raise RuntimeError("the server did not start; see logs/server.log")
        gateway_conf = self.config / "gateway" / GATEWAY_FILE
        self.spawn("gateway", [*depot, "gateway", "run", "--config", str(gateway_conf)])
        for station in site.stations:
            station_conf = self.config / "stations" / station.id / STATION_FILE
            self.spawn(f"edge-{station.id}", [*depot, "edge", "run", "--config", str(station_conf)])
        for number, device in enumerate(site.devices(), start=1):
            if device.door and device.id in self._ptys:
                threading.Thread(
                    target=self.simulate,
                    args=(self._ptys[device.id][0], example, number),
                    name=f"scanner-{device.id}",
                    daemon=True,
                ).start()

    def simulate(self, master: int, example: ExampleDepot, door: int) -> None:
        """A person at the door scanning case labels of an incoming delivery."""
        rng = random.Random(door)  # noqa: S311 - simulated scanning, not a secret
        os.set_blocking(master, False)
        while not self.stop_event.wait(self.interval * rng.uniform(0.6, 1.4)):
            item = rng.choice(example.items)
            batch = f"2026L{door}{rng.randint(1, 3)}"
            label = gs1_128_label(
                item.gtin, batch, date(2026, rng.randint(6, 10), 1), rng.choice((10, 20, 25, 50))
            )
            if rng.random() < 0.1:  # now and then a damaged label
                wrong = item.gtin[:-1] + str((int(item.gtin[-1]) + 1) % 10)
                label = label.replace(item.gtin.encode(), wrong.encode(), 1)
            os.write(master, label + b"\r")
            with contextlib.suppress(BlockingIOError):
                os.read(master, 1024)  # the beeper commands the agent sends back

    def stop(self) -> None:
        self.stop_event.set()
        for child in reversed(self.children):
            child.stop()
        for master, slave in self._ptys.values():
            for fd in (master, slave):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def watch(self) -> None:
        while not self.stop_event.wait(1.0):
            for child in self.children:
                if child.popen.poll() is not None:
                    raise RuntimeError(
                        f"{child.name} stopped unexpectedly; see logs/{child.name}.log"
                    )


def _tool(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError(
        f"{name} is not installed (Debian package mosquitto); scripts/demo installs it"
    )


def run_demo(root: Path, site_file: Path, http_port: int, mqtt_port: int, interval: float) -> int:
    demo = Demo(root, site_file, port_or_free(http_port), port_or_free(mqtt_port), interval)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        example, password, site = demo.prepare()
        demo.start(example, site)
        print(
            "\ndepot-floor demo is running / 演示系统已启动\n"
            f"  Dashboard 看板:   http://127.0.0.1:{demo.http_port}/\n"
            f"  Floor pages 现场: https://127.0.0.1:{demo.floor_port}/floor (the gateway; its "
            f"certificate is from the depot's own CA, {demo.config / 'broker' / 'ca.pem'})\n"
            f"  Login 登录:       admin / {password}\n"
            f"  Floor PIN 现场口令: admin / {demo.floor_pin}\n"
            f"  Broker 消息代理:  127.0.0.1:{demo.mqtt_port} (TLS, per-device passwords and ACL)\n"
            f"  Devices 设备:     {', '.join(demo.devices)} (door scanners scan example labels)\n"
            f"  Labels 标签:      {demo.config / 'state' / 'gateway'}/labels-<printer> (GS1 "
            "logistic labels, as PDF, for what the doors with a printer receive)\n"
            f"  Site 站点描述:    {demo.site_file} -> {demo.config} (depot config build)\n"
            f"  Files 文件:       {demo.root} (logs/ has every process's log)\n"
            "Press Ctrl-C to stop. 按 Ctrl-C 停止。\n",
            flush=True,
        )
        watcher = threading.Thread(target=_watch, args=(demo, stop), daemon=True)
        watcher.start()
        stop.wait()
    finally:
        print("stopping... 正在停止", flush=True)
        demo.stop()
    if demo.failure:
        print(f"depot demo: {demo.failure}", file=sys.stderr)
        return 1
    print("stopped. 已停止", flush=True)
    return 0


def _watch(demo: Demo, stop: threading.Event) -> None:
    try:
        demo.watch()
    except RuntimeError as exc:
        demo.failure = str(exc)
        stop.set()
