"""A Zebra-class label printer with an RFID encoder, as the gateway sees one on raw TCP 9100
(loopback, a free port): it takes ZPL, answers `~HS` with a host status in the printer's own
format, prints each ^XA ... ^XZ format, encodes the EPC of its `^RFW,H` into a tag and answers
the format's `^HV` with what it read back.

What a test can do to it, as a depot's printer would do on its own:

- run out of paper (now, or after N more labels) or ribbon, open its head, pause: a format
  it takes then prints nothing (kept in `dropped`), and `~HS` says why; `refill()` ends it;
- fail the next N encodes: the tag does not take its EPC, the label comes out VOID, and the
  read-back carries nothing.

`printed` holds every label that came out (VOID ones marked), `tags` every EPC encoded.
"""

from __future__ import annotations

import re
import socket
import socketserver
import threading
from dataclasses import dataclass, field

from gateway.domain.zpl import HostStatus, host_status_answer
from harness.zpl import Format, parse


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
    dropped: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    status_asked: int = 0


def _unhex(text: str, escape: str | None) -> str:
    if not escape:
        return text
    return re.sub(re.escape(escape) + r"([0-9A-Fa-f]{2})", lambda m: chr(int(m[1], 16)), text)


class ZplPrinter:
    """The simulator: `start()`, then point the gateway at `host`:`port`."""

    def __init__(self, rfid: bool = True) -> None:
        self.state = PrinterState(rfid=rfid)
        self.lock = threading.Lock()
        printer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                printer._serve(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> ZplPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
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
        with self.lock:
            self.state.paper_out = self.state.ribbon_out = False
            self.state.head_open = self.state.paused = False
            self.state.paper_left = None

    def fail_next_encodes(self, count: int) -> None:
        with self.lock:
            self.state.fail_encodes = count

    @property
    def printed(self) -> list[Printed]:
        with self.lock:
            return list(self.state.printed)

    @property
    def good(self) -> list[Printed]:
        """The labels that came out whole (not VOID)."""
        return [p for p in self.printed if not p.void]

    def status(self) -> HostStatus:
        with self.lock:
            s = self.state
            return HostStatus(
                paper_out=s.paper_out, paused=s.paused, label_length=1218, formats_in_buffer=0,
                buffer_full=False, partial_format=False, corrupt_ram=False,
                under_temperature=False, over_temperature=False, head_open=s.head_open,
                ribbon_out=s.ribbon_out, thermal_transfer=True, print_mode="tear_off",
                label_waiting=False, labels_remaining=0,
            )  # fmt: skip

    # -- the connection ------------------------------------------------------------------------

    def _serve(self, sock: socket.socket) -> None:
        buffer = ""
        sock.settimeout(10)
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk.decode("utf-8", errors="replace")
            while True:
                status_at = buffer.find("~HS")
                start = buffer.find("^XA")
                end = buffer.find("^XZ", start) if start >= 0 else -1
                if status_at >= 0 and (start < 0 or status_at < start or end < 0):
                    buffer = buffer[:status_at] + buffer[status_at + 3 :]
                    with self.lock:
                        self.state.status_asked += 1
                    sock.sendall(host_status_answer(self.status()))
                    continue
                if start < 0 or end < 0:
                    break
                text, buffer = buffer[start : end + 3], buffer[end + 3 :]
                answer = self._print(text)
                if answer:
                    sock.sendall(answer.encode("ascii"))

    def _print(self, zpl: str) -> str:
        """Print one format; what its ^HV sends back (empty: nothing)."""
        with self.lock:
            s = self.state
            if s.paper_left == 0:
                s.paper_out, s.paper_left = True, None
            if s.paper_out or s.ribbon_out or s.head_open or s.paused:
                s.dropped.append(zpl)
                return ""
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
            escape = form.params("FH") or None
            data = (printed.epc or "")[: int(length or 64)]
            return _unhex(header, escape) + data + _unhex(ending, escape)
