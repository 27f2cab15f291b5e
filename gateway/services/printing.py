"""Printing a label: ZPL to a network printer on raw TCP 9100, the way Zebra printers take
jobs, or a PDF into a spool folder for any other printer.

A ZPL job, on one connection:

1. `~HS`: a printer out of paper or ribbon, with its head open, paused or its buffer full is
   sent nothing; the job comes back unprinted with the reason, for the operator and the queue;
2. the format; where it encodes a tag, the printer's `^HV` read-back is awaited and compared
   with the EPC wanted: another EPC, none, or no answer at all is `encode_failed` and the
   label is taken as VOID (the printer prints VOID over it);
3. `~HS` again: a printer that ran out while printing is taken not to have printed the label
   (it is printed again after the refill: a second label of the same unit, never none).

Every wait is bounded (`timeout` each); a printer that cannot be reached is `unreachable`,
one that does not answer its status `no_status`. The network sits behind `Link` so tests and
other transports can stand in.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gateway.domain.zpl import PROBLEMS, HostStatus, HostStatusError, parse_host_status, readback

ZPL_PORT = 9100
STATUS_QUERY = b"~HS"


@dataclass(frozen=True, slots=True)
class PrintResult:
    """What came of one job: printed, or why not (a reason code of zpl.PROBLEMS)."""

    printed: bool
    reason: str | None = None
    voided: bool = False  # a label came out VOID: its tag failed to encode
    epc_read: str | None = None
    status: HostStatus | None = None  # the last host status read

    @property
    def zh(self) -> str:
        return PROBLEMS.get(self.reason or "", ("", ""))[0]

    @property
    def en(self) -> str:
        return PROBLEMS.get(self.reason or "", ("", ""))[1]


class Link(Protocol):
    """One open connection to a printer."""

    def send(self, data: bytes) -> None: ...

    def receive_until(self, done: Callable[[bytes], bool], timeout: float) -> bytes: ...

    def close(self) -> None: ...


class Unreachable(OSError):
    """The printer cannot be reached, or stopped answering."""


@dataclass(slots=True)
class TcpLink:
    sock: socket.socket

    @classmethod
    def connect(cls, host: str, port: int, timeout: float) -> TcpLink:
        try:
            return cls(socket.create_connection((host, port), timeout=timeout))
        except OSError as exc:
            raise Unreachable(f"{host}:{port}: {exc}") from exc

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise Unreachable(str(exc)) from exc

    def receive_until(self, done: Callable[[bytes], bool], timeout: float) -> bytes:
        """What the printer sends until `done` says it is whole, or the timeout (what came)."""
        got = b""
        deadline = time.monotonic() + timeout
        while not done(got):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                break
            except OSError as exc:
                raise Unreachable(str(exc)) from exc
            if not chunk:
                break
            got += chunk
        return got

    def close(self) -> None:
        self.sock.close()


def _three_strings(got: bytes) -> bool:
    return got.count(b"\x03") >= 3


@dataclass(frozen=True, slots=True)
class ZplPrinter:
    """A network ZPL printer: where it is and how long each wait may take."""

    host: str
    port: int = ZPL_PORT
    timeout: float = 5.0
    connect: Callable[[str, int, float], Link] = TcpLink.connect

    def status(self) -> PrintResult:
        """Only the host status: ready (printed=True) or why not."""
        try:
            link = self.connect(self.host, self.port, self.timeout)
        except Unreachable:
            return PrintResult(False, "unreachable")
        try:
            status = self._status(link)
        except Unreachable:
            return PrintResult(False, "unreachable")
        finally:
            link.close()
        if status is None:
            return PrintResult(False, "no_status")
        return PrintResult(status.problem is None, status.problem, status=status)

    def print_zpl(self, zpl: str, epc: str | None = None) -> PrintResult:
        """Send one format (one label); `epc`: the EPC its ^RFW writes, checked on read-back."""
        try:
            link = self.connect(self.host, self.port, self.timeout)
        except Unreachable:
            return PrintResult(False, "unreachable")
        try:
            return self._job(link, zpl, epc)
        except Unreachable:
            return PrintResult(False, "unreachable")
        finally:
            link.close()

    def _status(self, link: Link) -> HostStatus | None:
        link.send(STATUS_QUERY)
        try:
            return parse_host_status(link.receive_until(_three_strings, self.timeout))
        except HostStatusError:
            return None

    def _job(self, link: Link, zpl: str, epc: str | None) -> PrintResult:
        before = self._status(link)
        if before is None:
            return PrintResult(False, "no_status")
        if before.problem:
            return PrintResult(False, before.problem, status=before)
        link.send(zpl.encode("utf-8"))
        read = None
        if epc is not None:
            answer = link.receive_until(lambda got: b"\n" in got, self.timeout)
            found = readback(answer.decode("ascii", errors="replace"))
            read = found[0] if found else None
        after = self._status(link)
        if after is None:
            return PrintResult(False, "no_status", epc_read=read)
        if after.problem:  # ran out while printing: taken as not printed, printed again
            return PrintResult(False, after.problem, epc_read=read, status=after)
        if epc is not None and read != epc.upper():
            return PrintResult(False, "encode_failed", voided=True, epc_read=read, status=after)
        return PrintResult(True, None, epc_read=read, status=after)


@dataclass(frozen=True, slots=True)
class PdfSpool:
    """A printer that takes PDF: each job a file in `folder`, then `command` run on it where
    one is set ('lp -d LABELS' becomes `lp -d LABELS FILE`; '{file}' places the file)."""

    folder: Path
    command: str | None = None
    timeout: float = 30.0

    def print_pdf(self, name: str, pdf: bytes) -> PrintResult:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"a spool file name, not a path: {name!r}")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.pdf"
        partial = path.with_suffix(".pdf.part")
        partial.write_bytes(pdf)
        os.replace(partial, path)  # whole or not there: a spooler never takes half a file
        if not self.command:
            return PrintResult(True)
        words = shlex.split(self.command)
        argv = (
            [w.replace("{file}", str(path)) for w in words]
            if any("{file}" in w for w in words)
            else [*words, str(path)]
        )
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return PrintResult(False, "spool_command_failed")
        return PrintResult(
            done.returncode == 0, None if done.returncode == 0 else "spool_command_failed"
        )
