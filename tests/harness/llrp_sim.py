"""A small LLRP 1.0.1 reader on loopback, standing in for a fixed UHF reader (e.g. Impinj R700).

It speaks the binary wire protocol over TCP: the client (sllurp here) connects, is greeted with
a ConnectionAttemptEvent, reads the capabilities, configures the reader, adds and enables a
ROSpec, and then receives RO_ACCESS_REPORTs that the test pushes with `report()`.

Tags can also stand in the field (`put_tag`) with EPC memory: `inventory()` reports them, and
runs the client's AccessSpecs on them (harness/llrp_access.py), so a client can write a tag's
EPC and read it back. The wire encoding is in harness/llrp_wire.py.

One client at a time; each connection starts from a fresh reader (no ROSpecs, no keepalive).
"""

from __future__ import annotations

import itertools
import logging
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Self

from harness.llrp_access import AccessSpecs
from harness.llrp_field import TagField
from harness.llrp_params import (
    MAX_ROSPECS,
    TX_POWER_CDBM,
    ROSpec,
    c1g2_llrp_capabilities,
    general_device_capabilities,
    llrp_capabilities,
    parse_rospec,
    reader_event,
    regulatory_capabilities,
)
from harness.llrp_wire import (
    A_INVALID,
    HEADER,
    OVERFLOW_PARAMETER,
    UNSUPPORTED_MESSAGE,
    find_tlv,
    llrp_status,
    message,
    tlv,
)

log = logging.getLogger(__name__)
Handler = Callable[[bytes], bytes]

POLL_S = 0.05
MAX_MESSAGE = 1 << 20  # bytes: a longer message is a broken client, and ends the session

# Messages (LLRP 1.0.1 section 16.1).
GET_READER_CAPABILITIES, GET_READER_CAPABILITIES_RESPONSE = 1, 11
GET_READER_CONFIG, GET_READER_CONFIG_RESPONSE = 2, 12
SET_READER_CONFIG, SET_READER_CONFIG_RESPONSE = 3, 13
CLOSE_CONNECTION, CLOSE_CONNECTION_RESPONSE = 14, 4
ADD_ROSPEC, ADD_ROSPEC_RESPONSE = 20, 30
DELETE_ROSPEC, DELETE_ROSPEC_RESPONSE = 21, 31
START_ROSPEC, START_ROSPEC_RESPONSE = 22, 32
STOP_ROSPEC, STOP_ROSPEC_RESPONSE = 23, 33
ENABLE_ROSPEC, ENABLE_ROSPEC_RESPONSE = 24, 34
DISABLE_ROSPEC, DISABLE_ROSPEC_RESPONSE = 25, 35
ADD_ACCESSSPEC, ADD_ACCESSSPEC_RESPONSE = 40, 50
DELETE_ACCESSSPEC, DELETE_ACCESSSPEC_RESPONSE = 41, 51
ENABLE_ACCESSSPEC, ENABLE_ACCESSSPEC_RESPONSE = 42, 52
DISABLE_ACCESSSPEC, DISABLE_ACCESSSPEC_RESPONSE = 43, 53
GET_ACCESSSPECS, GET_ACCESSSPECS_RESPONSE = 44, 54
RO_ACCESS_REPORT, KEEPALIVE, READER_EVENT_NOTIFICATION = 61, 62, 63
ENABLE_EVENTS_AND_REPORTS, KEEPALIVE_ACK, ERROR_MESSAGE = 64, 72, 100

# -- the reader -----------------------------------------------------------------------------


class LlrpSimulator(TagField):
    """`latency` is the reader's time to answer a command. Real readers take milliseconds, and
    sllurp needs that: its calls from another thread (disconnect, pause) send the request before
    registering for the answer, so an instant answer can slip past and leave them hanging."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, antennas: int = 4, latency: float = 0.01
    ) -> None:
        self.host = host
        self.port = port
        self.antennas = antennas
        self.latency = latency
        self.clients = 0
        self.keepalive_acks = 0
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._conn: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._stopping = threading.Event()
        self._drop = threading.Event()
        self._session_over = threading.Event()
        self._session_over.set()
        self._inventory = threading.Event()
        self._ids = itertools.count(1)
        self._rospecs: dict[int, ROSpec] = {}
        self._keepalive_s = 0.0
        self._next_keepalive = float("inf")
        self._first_seen: dict[tuple[str, int], int] = {}
        self.access = AccessSpecs()
        self.rounds = 0  # inventory rounds reported
        self._lost_writes: list[bool] = []  # the next writes whose reports are lost
        self._lost_responses: list[int] = []  # message types whose next response is lost
        # Gen2 sessions 1-3: a tag resting in the field answers once (its flag stays B);
        # off, every tag answers every round whatever the session (the simulator of before).
        self.once_per_entry = False
        self._answered: set[int] = set()
        self._field_lock = threading.Lock()
        self._inventory_thread: threading.Thread | None = None
        self._handlers: dict[int, tuple[int, Handler]] = {
            GET_READER_CAPABILITIES: (GET_READER_CAPABILITIES_RESPONSE, self._get_capabilities),
            GET_READER_CONFIG: (GET_READER_CONFIG_RESPONSE, self._get_reader_config),
            SET_READER_CONFIG: (SET_READER_CONFIG_RESPONSE, self._set_reader_config),
            ADD_ROSPEC: (ADD_ROSPEC_RESPONSE, self._add_rospec),
            DELETE_ROSPEC: (DELETE_ROSPEC_RESPONSE, self._delete_rospec),
            ENABLE_ROSPEC: (ENABLE_ROSPEC_RESPONSE, self._enable_rospec),
            START_ROSPEC: (START_ROSPEC_RESPONSE, self._start_rospec),
            STOP_ROSPEC: (STOP_ROSPEC_RESPONSE, self._stop_rospec),
            DISABLE_ROSPEC: (DISABLE_ROSPEC_RESPONSE, self._disable_rospec),
            ADD_ACCESSSPEC: (ADD_ACCESSSPEC_RESPONSE, self.access.add),
            ENABLE_ACCESSSPEC: (ENABLE_ACCESSSPEC_RESPONSE, self.access.enable),
            DISABLE_ACCESSSPEC: (DISABLE_ACCESSSPEC_RESPONSE, self.access.disable),
            DELETE_ACCESSSPEC: (DELETE_ACCESSSPEC_RESPONSE, self.access.delete),
            GET_ACCESSSPECS: (GET_ACCESSSPECS_RESPONSE, self.access.get),
            CLOSE_CONNECTION: (CLOSE_CONNECTION_RESPONSE, lambda _body: llrp_status()),
        }

    # -- public API ---------------------------------------------------------------------------

    def start(self) -> Self:
        listener = socket.create_server((self.host, self.port))
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._thread = threading.Thread(target=self._serve, name="llrp-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._inventory_thread:
            self._inventory_thread.join(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)
        if self._listener:
            self._listener.close()
            self._listener = None

    def wait_inventory(self, timeout: float = 10) -> None:
        if not self._inventory.wait(timeout):
            raise TimeoutError(f"no client started inventory within {timeout} s")

    def report(self, tags: list[tuple[str, int, int, int]]) -> None:
        """One RO_ACCESS_REPORT: a TagReportData per (EPC hex, antenna, peak RSSI dBm, count)."""
        active = [r for r in list(self._rospecs.values()) if r.state == "active"]
        if not self._inventory.is_set() or not active:
            raise RuntimeError("no client is running inventory on the simulated reader")
        body = b"".join(self._tag_report_data(active[0], *tag) for tag in tags)
        self._send(message(RO_ACCESS_REPORT, next(self._ids), body))

    def lose_next_response(self, message_type: int) -> None:
        """The next message of this type is carried out but its response never arrives."""
        self._lost_responses.append(message_type)

    def drop_client(self) -> None:
        """Cut the current connection without a goodbye (TCP RST), like a reader losing power."""
        if self._session_over.is_set():
            return
        self._drop.set()
        self._session_over.wait(timeout=5)
        self._drop.clear()

    # -- connection handling ------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            if not select.select([self._listener], [], [], POLL_S)[0]:
                continue
            conn, peer = self._listener.accept()
            self.clients += 1
            log.info("LLRP client %s connected", peer)
            self._session_over.clear()
            try:
                self._session(conn)
            except (OSError, RuntimeError) as exc:
                log.info("LLRP session with %s ended: %s", peer, exc)
            except Exception:
                log.exception("LLRP session with %s failed", peer)
            finally:
                self._end_session(conn, abrupt=self._drop.is_set())

    def _session(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._rospecs.clear()
        self._first_seen.clear()
        with self._field_lock:
            self.access.specs.clear()
        self._keepalive_s, self._next_keepalive = 0.0, float("inf")
        with self._send_lock:
            self._conn = conn
        success = tlv(256, struct.pack("!H", 0))  # ConnectionAttemptEvent(Success)
        self._send(message(READER_EVENT_NOTIFICATION, next(self._ids), reader_event(success)))
        buffer = b""
        while not self._stopping.is_set() and not self._drop.is_set():
            if select.select([conn], [], [], POLL_S)[0]:
                chunk = conn.recv(65536)
                if not chunk:
                    log.info("LLRP client closed the connection")
                    return
                buffer += chunk
                while len(buffer) >= HEADER.size:
                    word, length, msg_id = HEADER.unpack_from(buffer)
                    if not HEADER.size <= length <= MAX_MESSAGE:
                        raise OSError(f"bad LLRP message length {length}")
                    if len(buffer) < length:
                        break
                    body, buffer = buffer[HEADER.size : length], buffer[length:]
                    if not self._handle(word & 0x3FF, msg_id, body):
                        return
            if time.monotonic() >= self._next_keepalive:
                self._send(message(KEEPALIVE, next(self._ids)))
                self._next_keepalive = time.monotonic() + self._keepalive_s

    def _end_session(self, conn: socket.socket, abrupt: bool) -> None:
        self._inventory.clear()
        with self._send_lock:
            self._conn = None
        if abrupt:  # linger 0: close() sends RST instead of FIN
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        self._session_over.set()

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            if self._conn is None:
                raise RuntimeError("no LLRP client is connected")
            try:
                self._conn.sendall(data)
            except OSError as exc:
                raise RuntimeError(f"LLRP client connection lost: {exc}") from exc

    def _handle(self, mtype: int, msg_id: int, body: bytes) -> bool:
        """Answer one client message; False when the connection is to be closed."""
        if mtype == KEEPALIVE_ACK:
            self.keepalive_acks += 1
            return True
        if mtype == ENABLE_EVENTS_AND_REPORTS:  # no response defined for it
            log.debug("ENABLE_EVENTS_AND_REPORTS: nothing is held back, nothing to release")
            return True
        self._stopping.wait(self.latency)
        if mtype not in self._handlers:
            log.warning("unsupported LLRP message type %d (id %d)", mtype, msg_id)
            status = llrp_status(UNSUPPORTED_MESSAGE, f"message type {mtype} is not supported")
            self._send(message(ERROR_MESSAGE, msg_id, status))
            return True
        response_type, handler = self._handlers[mtype]
        try:
            with self._field_lock:
                answer = handler(body)
        except (struct.error, IndexError) as exc:  # a message cut short
            answer = llrp_status(A_INVALID, f"message type {mtype} is malformed: {exc}")
        if mtype in self._lost_responses:
            self._lost_responses.remove(mtype)
            return True
        self._send(message(response_type, msg_id, answer))
        return mtype != CLOSE_CONNECTION

    # -- one function per client message ------------------------------------------------------

    def transmit_power_dbm(self) -> dict[int, float]:
        """The power each antenna of the last ROSpec added was set to, in dBm."""
        table = list(TX_POWER_CDBM)
        rospec = list(self._rospecs.values())[-1]
        return {a: table[i - 1] / 100 for a, i in rospec.tx_power.items()}

    def _get_capabilities(self, body: bytes) -> bytes:
        wanted = body[0] if body else 0  # 0 all, 1 general, 2 LLRP, 3 regulatory, 4 air protocol
        parts = {
            1: general_device_capabilities(self.antennas),
            2: llrp_capabilities(),
            3: regulatory_capabilities(),
            4: c1g2_llrp_capabilities(),
        }
        return llrp_status() + b"".join(p for k, p in parts.items() if wanted in (0, k))

    def _get_reader_config(self, body: bytes) -> bytes:
        # Wire order is AntennaID u16, RequestedData u8 (sllurp sends these swapped, all zeros).
        antenna, wanted = struct.unpack_from("!HB", body) if len(body) >= 3 else (0, 0)
        reader_id = bytes.fromhex("020000fffe000001")  # a locally administered EUI-64
        parts = {
            1: tlv(218, struct.pack("!BH", 0, len(reader_id)), reader_id),  # Identification
            2: b"".join(  # AntennaProperties: connected, 6 dBi
                tlv(221, struct.pack("!BHh", 0x80, a, 600))
                for a in range(1, self.antennas + 1)
                if antenna in (0, a)
            ),
            8: tlv(220, struct.pack("!BI", bool(self._keepalive_s), int(self._keepalive_s * 1000))),
            11: tlv(226, b"\x00"),  # EventsAndReports: no holding
        }
        return llrp_status() + b"".join(p for k, p in parts.items() if wanted in (0, k))

    def _set_reader_config(self, body: bytes) -> bytes:
        keepalive = find_tlv(body[1:], 220)
        if keepalive is not None:
            trigger, interval_ms = struct.unpack("!BI", keepalive[:5])
            self._keepalive_s = interval_ms / 1000 if trigger == 1 and interval_ms else 0.0
            self._next_keepalive = (
                time.monotonic() + self._keepalive_s if self._keepalive_s else float("inf")
            )
        return llrp_status()

    def _add_rospec(self, body: bytes) -> bytes:
        spec = find_tlv(body, 177)
        if spec is None:
            return llrp_status(A_INVALID, "ADD_ROSPEC without a ROSpec")
        rospec = parse_rospec(spec)
        if rospec.rospec_id == 0 or rospec.rospec_id in self._rospecs:
            return llrp_status(A_INVALID, f"ROSpecID {rospec.rospec_id} is invalid or in use")
        if len(self._rospecs) >= MAX_ROSPECS:
            return llrp_status(OVERFLOW_PARAMETER, f"at most {MAX_ROSPECS} ROSpec")
        self._rospecs[rospec.rospec_id] = rospec
        log.info("ROSpec %d added (immediate start: %s)", rospec.rospec_id, rospec.immediate_start)
        return llrp_status()

    def _targets(self, body: bytes) -> list[ROSpec] | None:
        (rospec_id,) = struct.unpack("!I", body[:4])
        if rospec_id == 0:
            return list(self._rospecs.values())
        return [self._rospecs[rospec_id]] if rospec_id in self._rospecs else None

    def _rospec_command(self, body: bytes, apply: Callable[[ROSpec], object]) -> bytes:
        targets = self._targets(body)
        if targets is None:
            return llrp_status(A_INVALID, f"no ROSpec {struct.unpack('!I', body[:4])[0]}")
        for rospec in targets:
            apply(rospec)
        self._update_inventory()
        return llrp_status()

    def _delete_rospec(self, body: bytes) -> bytes:
        return self._rospec_command(body, lambda r: self._rospecs.pop(r.rospec_id))

    def _enable_rospec(self, body: bytes) -> bytes:
        def enable(rospec: ROSpec) -> None:
            if rospec.state == "disabled":  # an Immediate start trigger starts it right away
                rospec.state = "active" if rospec.immediate_start else "inactive"

        return self._rospec_command(body, enable)

    def _start_rospec(self, body: bytes) -> bytes:
        targets = self._targets(body)
        if not targets or any(r.state == "disabled" for r in targets):
            return llrp_status(A_INVALID, "START_ROSPEC needs an enabled ROSpec")
        return self._rospec_command(body, lambda r: setattr(r, "state", "active"))

    def _stop_rospec(self, body: bytes) -> bytes:
        def stop(rospec: ROSpec) -> None:
            if rospec.state == "active":
                rospec.state = "inactive"

        return self._rospec_command(body, stop)

    def _disable_rospec(self, body: bytes) -> bytes:
        return self._rospec_command(body, lambda r: setattr(r, "state", "disabled"))

    def _update_inventory(self) -> None:
        if any(r.state == "active" for r in self._rospecs.values()):
            self._inventory.set()
        else:
            self._inventory.clear()

    # -- tag reports ----------------------------------------------------------------------------


@contextmanager
def field_reader(antennas: int = 4, every: float = 0.05) -> Iterator[LlrpSimulator]:
    """A simulated reader whose field is inventoried every `every` seconds, stopped after."""
    simulator = LlrpSimulator(antennas=antennas).start()
    simulator.run_inventory(every)
    try:
        yield simulator
    finally:
        simulator.stop()
