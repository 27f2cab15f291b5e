"""A Mosquitto broker with its own configuration, on a free port."""

from __future__ import annotations

import getpass
import shutil
import socket
from pathlib import Path

from harness.procs import Proc, free_port, port_open, wait_until


def mosquitto_binary() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("mosquitto is not installed; scripts/test installs it")


def answers_mqtt(port: int, timeout: float = 5) -> bool:
    """Whether an MQTT broker answers on `port`: a CONNECT (MQTT 3.1.1) gets a CONNACK,
    accepted or refused, within `timeout` seconds."""
    client_id = b"harness-probe"
    body = b"\x00\x04MQTT\x04\x02\x00\x0a" + len(client_id).to_bytes(2, "big") + client_id
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(bytes([0x10, len(body)]) + body)
            answer = sock.recv(4)
            sock.sendall(b"\xe0\x00")  # DISCONNECT
    except OSError:
        return False
    return len(answer) >= 2 and answer[0] == 0x20 and answer[1] == 0x02


class Mosquitto:
    def __init__(self, workdir: Path, extra: str = "", port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.port_given = port is not None
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
        """Start, and return once this broker answers an MQTT CONNECT on its port.

        The port was free when it was chosen, but another process may bind it before
        mosquitto does: then mosquitto exits, or something else answers there. A first
        start then tries again on a fresh port; a restart keeps its port, since the
        depot's devices are configured with it."""
        first = self.proc is None and not self.port_given
        for _ in range(3 if first else 1):
            self.write_conf()
            self.proc = Proc(
                f"mosquitto-{self.port}", [mosquitto_binary(), "-c", str(self.conf)], self.workdir
            ).start()
            proc = self.proc
            wait_until(self._listening, 10, f"mosquitto on port {self.port}")
            if proc.running and answers_mqtt(self.port):
                return self
            proc.stop()
            if first:
                self.port = free_port()
        raise RuntimeError(f"mosquitto did not start on port {self.port}:\n{self.log()}")

    def _listening(self) -> bool:
        """Mosquitto's port open, or mosquitto ended (it could not bind the port)."""
        return self.proc is None or not self.proc.running or port_open(self.port)

    def log(self) -> str:
        return self.proc.log()[-3000:] if self.proc else ""

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()
