"""A Mosquitto broker with its own configuration, on a free port."""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path

from harness.procs import Proc, free_port, port_open, wait_until


def mosquitto_binary() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("mosquitto is not installed; scripts/test installs it")


class Mosquitto:
    def __init__(self, workdir: Path, extra: str = "", port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.extra = extra
        self.conf = workdir / "mosquitto.conf"
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        self.proc: Proc | None = None

    def write_conf(self) -> None:
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.workdir / 'data'}/\n"
            "set_tcp_nodelay true\n"
            f"user {getpass.getuser()}\n"  # as root, stay root: the folder is ours
            "max_queued_messages 0\n"
            "max_inflight_messages 100\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            "log_dest stdout\n" + self.extra
        )

    def start(self) -> Mosquitto:
        self.write_conf()
        self.proc = Proc(
            f"mosquitto-{self.port}", [mosquitto_binary(), "-c", str(self.conf)], self.workdir
        ).start()
        wait_until(lambda: port_open(self.port), 10, f"mosquitto on port {self.port}")
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()
