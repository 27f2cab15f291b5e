"""`depot demo`: the whole system on one machine, on embedded defaults.

Creates an example depot on SQLite, starts a Mosquitto broker (with a password and an ACL per
device), the central server, the depot gateway and one edge agent per dock door, each reading
a simulated serial scanner on a pseudo terminal that scans example labels. Ctrl-C stops it all,
in order: scanners, stations, gateway, server, broker.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import random
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

from server.accounts import create_gateway_client, create_user
from server.cli import write_secret
from server.db import make_engine, migrate
from server.exampledata import ExampleDepot, generate, gs1_128_label
from server.masterdata import load_example
from server.security import new_password

log = logging.getLogger("depot.demo")
SITE = "LC01"


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
        self, root: Path, http_port: int, mqtt_port: int, doors: int, interval: float
    ) -> None:
        self.root = root.resolve()
        self.http_port = http_port
        self.mqtt_port = mqtt_port
        self.floor_port = port_or_free(8081)
        self.doors = doors
        self.interval = interval
        self.children: list[Child] = []
        self.stop_event = threading.Event()
        self.devices = [f"{SITE}-D{n:02d}-FIX1" for n in range(1, doors + 1)]
        self.failure: str | None = None

    # -- set-up -----------------------------------------------------------------------------
    def prepare(self) -> tuple[ExampleDepot, str]:
        if self.root.exists():
            shutil.rmtree(self.root)
        for sub in ("secrets", "logs", "broker", "gateway", "edge"):
            (self.root / sub).mkdir(parents=True)
        os.chmod(self.root / "secrets", 0o700)
        engine = make_engine(f"sqlite:///{self.root / 'server.sqlite'}")
        migrate(engine)
        example = generate()
        load_example(engine, example)
        admin_password = new_password()
        create_user(engine, "admin", admin_password, role="admin", display_name="演示管理员 Admin")
        token = create_gateway_client(engine, f"gateway-{SITE}", SITE)
        engine.dispose()
        write_secret(self.root / "secrets" / "admin.password", admin_password)
        write_secret(self.root / "secrets" / "gateway.token", token)
        self._broker_files()
        return example, admin_password

    def _broker_files(self) -> None:
        broker = self.root / "broker"
        users = [f"gateway-{SITE}", *self.devices]
        lines = []
        for user in users:
            password = new_password()
            write_secret(self.root / "secrets" / f"{user}.mqtt", password)
            lines.append(f"{user}:{password}")
        passwd = broker / "passwd"
        write_secret(passwd, "\n".join(lines))
        subprocess.run([_tool("mosquitto_passwd"), "-U", str(passwd)], check=True)
        acl = [
            f"user gateway-{SITE}",
            f"topic read wh/v1/{SITE}/scan/+",
            f"topic read wh/v1/{SITE}/status/+",
            f"topic write wh/v1/{SITE}/cmd/+",
            f"topic readwrite wh/v1/{SITE}/gateway/status",
            "",
        ]
        for device in self.devices:
            acl += [
                f"user {device}",
                f"topic write wh/v1/{SITE}/scan/{device}",
                f"topic readwrite wh/v1/{SITE}/status/{device}",
                f"topic read wh/v1/{SITE}/cmd/{device}",
                "",
            ]
        (broker / "acl").write_text("\n".join(acl))
        (broker / "data").mkdir()
        (broker / "mosquitto.conf").write_text(
            f"listener {self.mqtt_port} 127.0.0.1\nallow_anonymous false\n"
            f"password_file {passwd}\nacl_file {broker / 'acl'}\n"
            f"persistence true\npersistence_location {broker / 'data'}/\n"
            "set_tcp_nodelay true\nmax_queued_messages 0\n"
            f"user {getpass.getuser()}\nlog_dest stdout\n"
        )

    def _broker_toml(self, user: str) -> str:
        return (
            f'[broker]\nhost = "127.0.0.1"\nport = {self.mqtt_port}\nusername = "{user}"\n'
            f'password_file = "{self.root / "secrets" / (user + ".mqtt")}"\n'
        )

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

    def start(self, example: ExampleDepot) -> None:
        depot = [sys.executable, "-m", "edge.cli"]
        self.spawn(
            "mosquitto", [_tool("mosquitto"), "-c", str(self.root / "broker" / "mosquitto.conf")]
        )
        if not wait_port(self.mqtt_port):
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
        gateway_conf = self.root / "gateway" / "gateway.toml"
        gateway_conf.write_text(
            f'site = "{SITE}"\ndatabase = "gateway.sqlite"\n'
            + self._broker_toml(f"gateway-{SITE}")
            + f'\n[server]\nurl = "http://127.0.0.1:{self.http_port}"\n'
            f'token_file = "{self.root / "secrets" / "gateway.token"}"\n'
            f'\n[http]\nhost = "127.0.0.1"\nport = {self.floor_port}\n'
        )
        self.spawn("gateway", [*depot, "gateway", "run", "--config", str(gateway_conf)])
        for number, device in enumerate(self.devices, start=1):
            master, slave = os.openpty()
            tty.setraw(slave)
            conf = self.root / "edge" / f"{device}.toml"
            broker = f'[broker]\nhost = "127.0.0.1"\nport = {self.mqtt_port}\n'
            password = self.root / "secrets" / f"{device}.mqtt"
            conf.write_text(
                f'site = "{SITE}"\nspool_dir = "spool"\n{broker}\n'
                f'[[device]]\nid = "{device}"\nkind = "serial"\ndoor = "D{number:02d}"\n'
                f'password_file = "{password}"\n'
                f'port = "{os.ttyname(slave)}"\nsuffix = "\\r"\n'
            )
            self.spawn(f"edge-{device}", [*depot, "edge", "run", "--config", str(conf)])
            threading.Thread(
                target=self.simulate,
                args=(master, example, number),
                name=f"scanner-{device}",
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


def run_demo(root: Path, http_port: int, mqtt_port: int, doors: int, interval: float) -> int:
    demo = Demo(root, port_or_free(http_port), port_or_free(mqtt_port), doors, interval)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        example, password = demo.prepare()
        demo.start(example)
        print(
            "\ndepot-floor demo is running / 演示系统已启动\n"
            f"  Dashboard 看板:   http://127.0.0.1:{demo.http_port}/\n"
            f"  Floor pages 现场: http://127.0.0.1:{demo.floor_port}/floor (the gateway)\n"
            f"  Login 登录:       admin / {password}\n"
            f"  Broker 消息代理:  127.0.0.1:{demo.mqtt_port} (per-device passwords and ACL)\n"
            f"  Doors 库门:       {', '.join(demo.devices)} scanning example labels\n"
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
