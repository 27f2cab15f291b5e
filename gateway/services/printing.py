"""Printing a label: ZPL to a network printer on raw TCP 9100, the way Zebra printers take
jobs, or a PDF into a spool folder for any other printer.

A ZPL job, on one connection:

1. `~HS`: a printer out of paper or ribbon, with its head open, paused or its buffer full is
   sent nothing; the job comes back unprinted (`sent` False) with the reason, for the operator
   and the queue, and is tried again later. A format left half-sent by an earlier connection
   (`partial_format`) is cancelled first (`~JA`): a half format never prints;
2. the format. From here on the job is never sent again on its own: the printer may hold it in
   its buffer (a Zebra out of paper keeps what it has and prints it after the refill);
3. `~HS` polled (a tilde command is answered at once, ahead of the buffered formats) until the
   printer has no format in its buffer and no label left to print, with no trouble: the label
   printed. Where it encodes a tag, the `^HV` read-back is picked out of whatever the printer
   sent: the EPC wanted is printed, another EPC or an empty one is `encode_failed` (the printer
   printed VOID over it, the unit is printed again). A printer that does not settle within
   `settle` seconds, or that printed with no read-back heard, gives an `unconfirmed` job: a
   supervisor looks at the printer and says whether it printed (gateway/services/label_queue.py).

A send cut off mid-format is looked at on a new connection: a printer holding the half format
has it cancelled (`~JA`) and the job is not printed (sent again safely); otherwise unconfirmed.

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

from gateway.domain.zpl import HostStatus, heard
from kernel.print_outcomes import PROBLEMS

ZPL_PORT = 9100
STATUS_QUERY = b"~HS"
CANCEL_ALL = b"~JA"


@dataclass(frozen=True, slots=True)
class PrintResult:
    """What came of one job: printed, or why not (a reason code of print_outcomes.PROBLEMS)."""

    printed: bool
    reason: str | None = None
    voided: bool = False  # a label came out VOID: its tag failed to encode
    epc_read: str | None = None
    status: HostStatus | None = None  # the last host status read
    sent: bool = False  # the format went out: never sent again without a person's word
    unconfirmed: bool = False  # sent, and whether it printed is not known

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


@dataclass(slots=True)
class _Listener:
    """Everything one connection heard, read into host statuses and read-backs."""

    link: Link
    timeout: float
    got: bytes = b""

    def status(self) -> HostStatus | None:
        """Ask `~HS` and wait for its answer (None: none came, or not a host status)."""
        self.link.send(STATUS_QUERY)
        before = len(heard(self.got)[0])
        self.got += self.link.receive_until(
            lambda more: len(heard(self.got + more)[0]) > before, self.timeout
        )
        statuses = heard(self.got)[0]
        return statuses[-1] if len(statuses) > before else None

    def epcs(self) -> list[str]:
        return heard(self.got)[1]

    def wait_epc(self) -> None:
        self.got += self.link.receive_until(
            lambda more: bool(heard(self.got + more)[1]), self.timeout
        )


def _settled(status: HostStatus | None) -> bool:
    return (
        status is not None
        and status.problem is None
        and status.formats_in_buffer == 0
        and status.labels_remaining == 0
    )


@dataclass(frozen=True, slots=True)
class ZplPrinter:
    """A network ZPL printer: where it is, how long each wait may take, and how long a sent
    label may take to print before it is left to a person (`settle`, polled every `poll`)."""

    host: str
    port: int = ZPL_PORT
    timeout: float = 5.0
    connect: Callable[[str, int, float], Link] = TcpLink.connect
    settle: float = 60.0
    poll: float = 0.25

    def status(self) -> PrintResult:
        """Only the host status: ready (printed=True) or why not."""
        try:
            link = self.connect(self.host, self.port, self.timeout)
        except Unreachable:
            return PrintResult(False, "unreachable")
        try:
            status = _Listener(link, self.timeout).status()
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
        listener = _Listener(link, self.timeout)
        try:
            before = self._ready(listener)
        except Unreachable:  # nothing sent: tried again later
            link.close()
            return PrintResult(False, "unreachable")
        if before.reason or before.status is None:
            link.close()
            return before
        try:
            link.send(zpl.encode("utf-8"))
        except Unreachable:
            link.close()
            return self._after_broken_send()
        try:
            return self._outcome(listener, epc)
        except Unreachable:  # the format went out: whether it printed is not known
            return PrintResult(False, "unreachable", sent=True, unconfirmed=True)
        finally:
            link.close()

    def _ready(self, listener: _Listener) -> PrintResult:
        """The host status before a job, a half format left by a broken send cancelled (only
        on a printer in no trouble: ~JA cancels the whole buffer, a held label with it)."""
        before = listener.status()
        if before is not None and before.partial_format and before.problem is None:
            listener.link.send(CANCEL_ALL)
            before = listener.status()
        if before is None:
            return PrintResult(False, "no_status")
        return PrintResult(False, before.problem, status=before)

    def _outcome(self, listener: _Listener, epc: str | None) -> PrintResult:
        """Poll until the printer settles (or `settle` passes); what came of the label."""
        deadline = time.monotonic() + self.settle
        status = listener.status()
        while not _settled(status) and time.monotonic() < deadline:
            time.sleep(self.poll)
            status = listener.status()
        reason = "no_status" if status is None else status.problem or "not_settled"
        if not _settled(status):
            return PrintResult(False, reason, status=status, sent=True, unconfirmed=True)
        if epc is None:
            return PrintResult(True, None, status=status, sent=True)
        if not listener.epcs():
            listener.wait_epc()
        found = listener.epcs()
        if not found:
            return PrintResult(False, "no_readback", status=status, sent=True, unconfirmed=True)
        read = found[-1]
        if read != epc.upper():
            return PrintResult(False, "encode_failed", voided=True, epc_read=read, status=status,
                               sent=True)  # fmt: skip
        return PrintResult(True, None, epc_read=read, status=status, sent=True)

    def _after_broken_send(self) -> PrintResult:
        """The send broke off: a printer holding half the format has it cancelled (not
        printed, sent again safely); otherwise whether it printed is not known."""
        try:
            link = self.connect(self.host, self.port, self.timeout)
        except Unreachable:
            return PrintResult(False, "unreachable", sent=True, unconfirmed=True)
        try:
            listener = _Listener(link, self.timeout)
            status = listener.status()
            if status is not None and status.partial_format:
                link.send(CANCEL_ALL)
                return PrintResult(False, "partial_send", status=listener.status())
            return PrintResult(False, "unreachable", status=status, sent=True, unconfirmed=True)
        except Unreachable:
            return PrintResult(False, "unreachable", sent=True, unconfirmed=True)
        finally:
            link.close()


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
