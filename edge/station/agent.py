"""The station agent: for each device, reader in, durable spool, MQTT out, answers back.

Order of things for one read: read -> decoded -> written to the device's spool with its
event_id and seq -> published (QoS 1) -> kept until the gateway's answer naming it arrives on
the device's command topic -> removed. Unanswered reads are published again, with the same
event_id, after `resend_after` seconds and at once after every reconnect.

Each device says when its reader can take reads: a log line "<device> ready: <what it reads>"
each time the reader becomes ready (again, after a lost port), "<device> not ready: <why>"
when it cannot, and the same fact as `ready` and `reader` in its retained status message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import paho.mqtt.client as paho

from edge.clock import new_event_id, now_iso
from edge.config import DeviceConfig, StationConfig
from edge.decode import Decoded, decode_barcode
from edge.readers import RawRead, Reader, ReaderState, not_ready
from edge.readers.kinds import open_reader
from edge.station.encoding import EncodeDesk
from edge.station.spool import Spool
from kernel import bounds, heap
from kernel.contract import (
    MAX_RAW_BYTES,
    Answer,
    ContractError,
    ScanData,
    ScanMessage,
    cmd_topic,
    parse_answer,
    parse_scan,
    scan_topic,
    status_payload,
    status_topic,
)
from kernel.encoding import encoded_topic, is_encode_request
from kernel.mqtt import connect, make_client

log = logging.getLogger(__name__)
console = logging.getLogger("depot.console")
MAX_READER_DETAIL = 200  # characters of a reader's state in the status message


def status_detail(detail: str) -> str:
    """A reader's state as the status message carries it: bounded, clean text (an OS error
    message may quote a path with undecodable bytes or a line break; the gateway drops a
    status that is not clean, kernel.contract.parse_status)."""
    return bounds.printable(detail, MAX_READER_DETAIL)


def decode_read(read: RawRead, location_pattern: str, badge_pattern: str) -> Decoded:
    """What a raw read means; never raises."""
    if read.error:
        return Decoded(False, ScanData(), read.symbology, read.error)
    if read.epc_hex is not None:
        from edge.decode.epc import decode_epc

        return decode_epc(read.epc_hex)
    decoded = decode_barcode(read.raw, location_pattern, badge_pattern)
    if decoded.symbology is None and read.symbology is not None:
        return Decoded(decoded.valid, decoded.data, read.symbology, decoded.error)
    return decoded


def build_scan(
    site: str, device: DeviceConfig, seq: int, read: RawRead, decoded: Decoded
) -> ScanMessage:
    scan = ScanMessage(
        event_id=new_event_id(),
        site=site,
        device=device.id,
        door=device.door,
        seq=seq,
        ts=now_iso(),
        source=read.source,
        symbology=decoded.symbology,
        raw=read.raw,
        valid=decoded.valid,
        error=decoded.error,
        data=decoded.data,
        rfid=read.rfid,
    )
    try:  # what the gateway would refuse as a broken message is an invalid read here
        parse_scan(scan.to_json())
    except ContractError as exc:
        log.warning("read %s outside the contract's bounds: %s", scan.event_id, exc)
        return replace(
            scan,
            raw=scan.raw[:MAX_RAW_BYTES],
            symbology=(scan.symbology or "")[:8] or None,
            valid=False,
            error="out_of_bounds",
            data=ScanData(),
            rfid=None,
        )
    return scan


class _Recent:
    """A bounded set of event ids (reads the station already beeped for itself)."""

    def __init__(self, size: int = 1000) -> None:
        self._items: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self._items[key] = None
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def pop(self, key: str) -> bool:
        with self._lock:
            return self._items.pop(key, 0) is None


class DeviceAgent:
    """One device: its reader, its spool, its own MQTT connection and topics."""

    def __init__(
        self, station: StationConfig, device: DeviceConfig, spool: Spool, reader: Reader
    ) -> None:
        self.station = station
        self.device = device
        self.spool = spool
        self.reader = reader
        self._beeped = _Recent()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._status_due = threading.Event()
        self._reader_state = not_ready("starting")
        self._state_lock = threading.Lock()
        self._scan_topic = scan_topic(station.site, device.id)
        self._cmd_topic = cmd_topic(station.site, device.id)
        self._status_topic = status_topic(station.site, device.id)
        self._encoded_topic = encoded_topic(station.site, device.id)
        self._broker = station.broker_for(device)
        self.client = make_client(
            self._broker,
            client_id=f"edge-{device.id}",
            will=(self._status_topic, status_payload("offline", device=device.id)),
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._publisher = threading.Thread(
            target=self._publish_loop, name=f"publish:{device.id}", daemon=True
        )
        self.encodes = EncodeDesk(device.id, reader, self._publish_encoded, spool)

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        connect(self.client, self._broker)
        self._publisher.start()
        self.reader.start(self.record, self.reader_state)
        self.encodes.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.encodes.stop()
        self.reader.stop()
        self._publisher.join(timeout=3)
        if self._connected.is_set():
            offline = status_payload("offline", device=self.device.id)
            self.client.publish(self._status_topic, offline, 1, True).wait_for_publish(timeout=2)
        self.client.disconnect()
        self.client.loop_stop()
        self.spool.close()

    # -- reads in ---------------------------------------------------------------------------
    def record(self, read: RawRead) -> None:
        """Decode a read and put it in the spool, before anything else happens to it."""
        decoded = decode_read(read, self.station.location_pattern, self.station.badge_pattern)
        if decoded.valid and not self.device.takes(decoded.symbology):
            decoded = Decoded(False, ScanData(), decoded.symbology, "symbology_off")

        def build(seq: int) -> tuple[str, bytes]:
            message = build_scan(self.station.site, self.device, seq, read, decoded)
            return message.event_id, message.to_json()

        pending = self.spool.record(build)
        if not decoded.valid:
            # Tell the operator at once, even with the gateway out of reach.
            self._beeped.add(pending.event_id)
            self.reader.feedback(self.device.signal("error"))
            console.warning(
                "%s: 读取无效 invalid read (%s): %r", self.device.id, decoded.error, read.raw[:60]
            )
        self._wake.set()

    def reader_state(self, state: ReaderState) -> None:
        """The reader can take reads now, or cannot: logged, and told in the status."""
        with self._state_lock:
            if state == self._reader_state:
                return  # a retry that failed the same way again, a looped video restarting
            self._reader_state = state
        if state.ready:
            log.info("%s ready: %s", self.device.id, state.detail)
        else:
            log.warning("%s not ready: %s", self.device.id, state.detail)
        self._status_due.set()
        self._wake.set()

    # -- MQTT out ---------------------------------------------------------------------------
    def _publish_loop(self) -> None:
        last_heartbeat = 0.0
        while not self._stop.is_set():
            self._wake.wait(timeout=min(1.0, self.station.resend_after / 2))
            self._wake.clear()
            if not self._connected.is_set():
                continue
            self._publish_due()
            now = time.monotonic()
            if self._status_due.is_set() or now - last_heartbeat >= self.station.heartbeat:
                self._status_due.clear()
                last_heartbeat = now
                self._publish_status()

    def _publish_due(self, batch: int = 200) -> None:
        """Hand every due read to the client, oldest first, until none is left or the
        connection goes; a backlog after an outage drains in one pass."""
        while self._connected.is_set() and not self._stop.is_set():
            due = self.spool.due(self.station.resend_after, limit=batch)
            for read in due:
                info = self.client.publish(self._scan_topic, read.payload, qos=1)
                if info.rc != paho.MQTT_ERR_SUCCESS:
                    return
                self.spool.mark_sent(read.event_id)
            if len(due) < batch:
                return

    def _publish_status(self) -> None:
        with self._state_lock:
            reader = self._reader_state
        payload = status_payload(
            "online",
            device=self.device.id,
            kind=self.device.kind,
            door=self.device.door,
            ts=now_iso(),
            spool_depth=self.spool.depth(),
            last_seq=self.spool.last_seq(),
            ready=reader.ready,
            reader=status_detail(reader.detail),
        )
        self.client.publish(self._status_topic, payload, qos=1, retain=True)

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        if rc.is_failure:
            log.error("%s: broker refused the connection: %s", self.device.id, rc)
            return
        log.info(
            "%s connected to broker %s:%s", self.device.id, self._broker.host, self._broker.port
        )
        client.subscribe(self._cmd_topic, qos=1)
        self._connected.set()
        self.spool.forget_sent()
        self._status_due.set()  # the publisher says online, with the reader's state
        self._wake.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning(
                "%s disconnected from broker (%s); reads stay in the spool", self.device.id, rc
            )

    def _publish_encoded(self, payload: bytes) -> None:
        self.client.publish(self._encoded_topic, payload, qos=1)

    # -- answers and encode requests in -----------------------------------------------------
    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        if is_encode_request(bytes(message.payload)):
            self.encodes.take(bytes(message.payload))
            return
        try:
            answer = parse_answer(bytes(message.payload))
        except ContractError as exc:
            log.warning("%s ignored a command that is not an answer: %s", self.device.id, exc)
            return
        if self.spool.acknowledge(answer.re) or (answer.task or {}).get("ended") is True:
            self._feedback(answer)  # (a portal pass decided when the tag was gone: no read)

    def _feedback(self, answer: Answer) -> None:
        level = logging.INFO if answer.result == "ok" else logging.WARNING
        console.log(
            level, "%s [%s] %s / %s", self.device.id, answer.result, answer.text_zh, answer.text_en
        )
        if self._beeped.pop(answer.re) and answer.beep == "error":
            return  # the station already beeped the error for this read
        self.reader.feedback(self.device.signal(answer.beep))


class Station:
    """Every device of one scanning station, started and stopped together."""

    def __init__(self, config: StationConfig, agents: list[DeviceAgent]) -> None:
        self.config = config
        self.agents = agents

    @classmethod
    def from_config(cls, config: StationConfig) -> Station:
        """Each device with the reader its kind builds (MissingExtra when the kind's
        libraries are not installed) and its spool."""
        agents = []
        for device in config.devices:
            reader = open_reader(device.id, device.kind, device.reader)
            spool = Spool(config.spool_dir / f"{device.id}.sqlite")
            agents.append(DeviceAgent(config, device, spool, reader))
        return cls(config, agents)

    def start(self) -> None:
        heap.settle()
        for agent in self.agents:
            agent.start()

    def stop(self) -> None:
        for agent in self.agents:
            agent.stop()
