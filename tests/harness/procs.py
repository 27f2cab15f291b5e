"""Starting and stopping real processes on free ports, with their output kept for failures."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
DEPOT = str(VENV_BIN / "depot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Proc:
    """A child process with its output in a log file."""

    def __init__(
        self, name: str, argv: list[str], log_dir: Path, env: dict[str, str] | None = None
    ):
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.popen: subprocess.Popen[bytes] | None = None
        self._started_at = 0  # log offset of the current run

    def start(self) -> Proc:
        self._started_at = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_of_this_run(self) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(self._started_at)
            return handle.read().decode(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 30, count: int = 1) -> None:
        """Wait until `text` is in what the current run (since the last start) has logged,
        `count` times or more."""

        def seen() -> bool:
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.log()[-3000:]}")
            return self.log_of_this_run().count(text) >= count

        times = "" if count == 1 else f" {count} times"
        wait_until(seen, timeout, f"{text!r}{times} in the log of {self.name}")

    def stop(self, timeout: float = 10) -> int | None:
        """SIGTERM, then SIGKILL if it does not end in time. Returns the exit status."""
        if self.popen is None or self.popen.poll() is not None:
            return None if self.popen is None else self.popen.returncode
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
