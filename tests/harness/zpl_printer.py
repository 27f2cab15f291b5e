"""A Zebra-class label printer with an RFID encoder, as the gateway sees one on raw TCP 9100
(loopback, a free port): it takes ZPL, answers `~HS` with a host status in the printer's own
format, prints each ^XA ... ^XZ format, encodes the EPC of its `^RFW,H` into a tag and answers
the format's `^HV` with what it read back.

Like a Zebra, it keeps the formats it receives in its buffer and prints them in order, on a
thread of its own (`print_seconds` each): a tilde command (`~HS`, `~JA`) is acted on as soon
as it arrives, ahead of the formats still in the buffer, and `~HS` reports how many formats
and labels are still to print. A format that arrives while the printer is out of paper stays
in the buffer and prints after `refill()`; its `^HV` answer goes back on the connection it came
on (lost if that is closed by then). A format cut off mid-way (`^XA` without its `^XZ`) stays
open, `~HS` reports a partial format, and what comes next is read as the rest of it, until
`~JA` cancels it with everything still in the buffer.

What a test can do to it, as a depot's printer would do on its own:

- run out of paper (now, or after N more labels) or ribbon, open its head, pause: nothing
  prints until `refill()`, and `~HS` says why;
- fail the next N encodes: the tag does not take its EPC, the label comes out VOID, and the
  read-back carries nothing.

`printed` holds every label that came out (VOID ones marked), `tags` every EPC encoded.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

from gateway.domain.zpl import HostStatus, host_status_answer
from harness.zpl import Format, parse, unescaped


@dataclass
class Printed:
    zpl: str
    format: Format
    void: bool = False
    epc: str | None = None  # what the encoder wrote, None on a VOID or a label without a tag


@dataclass
class PrinterState:
    rfid: bool = True
    paper_out: bool = False
    ribbon_out: bool = False
    head_open: bool = False
    paused: bool = False
    paper_left: int | None = None  # labels before the paper runs out (None: plenty)
    fail_encodes: int = 0
    printed: list[Printed] = field(default_factory=list)
    buffer: list[tuple[str, socket.socket]] = field(default_factory=list)  # still to print
    partial: str = ""  # an open ^XA left by a connection that closed before its ^XZ
    tags: list[str] = field(default_factory=list)
    status_asked: int = 0
    cancelled: int = 0  # formats ~JA cancelled


class ZplPrinter:
    """The simulator: `start()`, then point the gateway at `host`:`port`."""

    def __init__(self, rfid: bool = True, print_seconds: float = 0.0) -> None:
        self.state = PrinterState(rfid=rfid)
        self.print_seconds = print_seconds
        self.lock = threading.Condition()
        self._open: dict[int, str] = {}  # each live connection's text not yet taken
        self._sending = threading.Lock()  # status and read-back answers never interleave
        self._stopped = False
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                printer._serve(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._engine = threading.Thread(target=self._print_loop, daemon=True)

    def start(self) -> ZplPrinter:
        self._thread.start()
        self._engine.start()
        return self

    def stop(self) -> None:
        with self.lock:
            self._stopped = True
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ZplPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a test does to the printer ------------------------------------------------------

    def run_out_of_paper(self, after: int = 0) -> None:
        with self.lock:
            if after:
                self.state.paper_left = after
            else:
                self.state.paper_out = True

    def run_out_of_ribbon(self) -> None:
        with self.lock:
            self.state.ribbon_out = True

    def refill(self) -> None:
        """Paper and ribbon loaded, head closed, pause released: the buffer prints."""
        with self.lock:
            self.state.paper_out = self.state.ribbon_out = False
            self.state.head_open = self.state.paused = False
            self.state.paper_left = None
            self.lock.notify_all()

    def fail_next_encodes(self, count: int) -> None:
        with self.lock:
            self.state.fail_encodes = count

    @property
    def printed(self) -> list[Printed]:
        with self.lock:
            return list(self.state.printed)

    @property
    def buffered(self) -> list[str]:
        """The formats received and not printed yet."""
        with self.lock:
            return [zpl for zpl, _ in self.state.buffer]

    @property
    def good(self) -> list[Printed]:
        """The labels that came out whole (not VOID)."""
        return [p for p in self.printed if not p.void]

    def status(self) -> HostStatus:
        with self.lock:
            s = self.state
            waiting = len(s.buffer)  # each format one label (^PQ1)
            partial = bool(s.partial) or any("^XA" in text for text in self._open.values())
            return HostStatus(
                paper_out=s.paper_out, paused=s.paused, label_length=1218,
                formats_in_buffer=waiting, buffer_full=False, partial_format=partial,
                corrupt_ram=False, under_temperature=False, over_temperature=False,
                head_open=s.head_open, ribbon_out=s.ribbon_out, thermal_transfer=True,
                print_mode="tear_off", label_waiting=False, labels_remaining=waiting,
            )  # fmt: skip

    # -- the connection ------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        key = id(sock)
        with self.lock:  # a format left open by a closed connection goes on with this one
            self._open[key], self.state.partial = self.state.partial, ""
        sock.settimeout(10)
        try:
            while True:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                with self.lock:
                    self._open[key] += chunk.decode("utf-8", errors="replace")
                self._take(sock)
        finally:
            with self.lock:
                left = self._open.pop(key, "")
                start = left.find("^XA")
                if start >= 0:
                    self.state.partial += left[start:]

    def _take(self, sock: socket.socket) -> None:
        """Act on the tilde commands at once; put each whole format in the print buffer."""
        key = id(sock)
        while True:
            with self.lock:
                text = self._open[key]
                tilde = min((i for i in (text.find("~HS"), text.find("~JA")) if i >= 0), default=-1)
                start = text.find("^XA")
                end = text.find("^XZ", start) if start >= 0 else -1
                if tilde >= 0 and (end < 0 or tilde < end):  # in the order they came
                    command = text[tilde : tilde + 3]
                    self._open[key] = text[:tilde] + text[tilde + 3 :]
                    if command == "~JA":  # cancel all: the buffer and any open format
                        self.state.cancelled += len(self.state.buffer)
                        self.state.buffer.clear()
                        self._open[key] = self.state.partial = ""
                        continue
                    self.state.status_asked += 1
                else:
                    if start < 0 or end < 0:
                        return
                    self.state.buffer.append((text[start : end + 3], sock))
                    self._open[key] = text[end + 3 :]
                    self.lock.notify_all()
                    continue
            answer = host_status_answer(self.status())
            with self._sending:
                sock.sendall(answer)

    def _ready(self) -> bool:
        s = self.state
        if s.paper_left == 0 and s.buffer:  # found out on the next label
            s.paper_out, s.paper_left = True, None
        return bool(s.buffer) and not (s.paper_out or s.ribbon_out or s.head_open or s.paused)

    def _print_loop(self) -> None:
        while True:
            with self.lock:
                self.lock.wait_for(lambda: self._stopped or self._ready())
                if self._stopped:
                    return
                zpl, sock = self.state.buffer[0]
            if self.print_seconds:
                time.sleep(self.print_seconds)
            with self.lock:
                if not self.state.buffer or self.state.buffer[0][0] is not zpl:
                    continue  # cancelled while printing
                answer = self._print(zpl)
            if answer:  # sent while the format is still in the buffer, as a Zebra's ^HV is
                with self._sending, contextlib.suppress(OSError):  # closed: the answer is lost
                    sock.sendall(answer.encode("ascii"))
            with self.lock:
                if self.state.buffer and self.state.buffer[0][0] is zpl:
                    self.state.buffer.pop(0)

    def _print(self, zpl: str) -> str:
        """Print one format (the lock held); what its ^HV sends back (empty: nothing)."""
        s = self.state
        if s.paper_left is not None:
            s.paper_left -= 1
        form = parse(zpl)[0]
        wanted = form.epc_written
        printed = Printed(zpl, form)
        if wanted is not None and s.rfid:
            if s.fail_encodes:
                s.fail_encodes -= 1
                printed.void = True
            else:
                s.tags.append(wanted.upper())
                printed.epc = wanted.upper()
        s.printed.append(printed)
        verify = form.params("HV")
        if verify is None or not s.rfid:
            return ""
        _number, length, header, ending, *_ = ([*verify.split(","), "", "", "", ""])[:5]
        escape = form.params("FH") or ""
        data = (printed.epc or "")[: int(length or 64)]
        return unescaped(header, escape) + data + unescaped(ending, escape)


def gateway_toml(printer: ZplPrinter, extension: int = 3) -> str:
    """gateway.toml's [labels] and [printers.PR-D01] for this printer at door D01, encoding
    tags (the depot's prefix 6901234)."""
    return (
        f'\n[labels]\ncompany_prefix = "6901234"\nextension = {extension}\n'
        f'\n[printers.PR-D01]\nkind = "zpl"\nhost = "{printer.host}"\nport = {printer.port}\n'
        'door = "D01"\nrfid = true\ntimeout = 2\nsettle = 10\n'
    )
