"""The station agent: readers in, durable spool, MQTT out, answers back to the scanner.

Order of things for one read: framed -> decoded -> written to the spool with its event_id and
seq -> published (QoS 1) -> kept until the gateway's answer naming it arrives on the command
topic -> removed. Unanswered reads are published again, with the same event_id, after
`resend_after` seconds and at once after every reconnect.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho

from edge.clock import new_event_id, now_iso
from edge.config import EdgeConfig
from edge.contract import (
    Answer,
    ContractError,
    ScanData,
    ScanMessage,
    cmd_topic,
    parse_answer,
    scan_topic,
    status_payload,
    status_topic,
)
from edge.decode import Decoded, decode_barcode
from edge.framing import Frame
from edge.mqtt import connect, make_client
from edge.serial_scanner import SerialScanner
from edge.spool import Spool

log = logging.getLogger(__name__)
console = logging.getLogger("depot.console")


def decode_frame(frame: Frame, location_pattern: str) -> Decoded:
    if frame.error:
        return Decoded(False, ScanData(), None, frame.error)
    return decode_barcode(frame.data, location_pattern)


@dataclass(frozen=True, slots=True)
class ReadContext:
    site: str
    device: str
    door: str | None


def build_scan(
    ctx: ReadContext, seq: int, raw: bytes, source: str, decoded: Decoded
) -> ScanMessage:
    return ScanMessage(
        event_id=new_event_id(),
        site=ctx.site,
        device=ctx.device,
        door=ctx.door,
        seq=seq,
        ts=now_iso(),
        source=source,
        symbology=decoded.symbology,
        raw=raw,
        valid=decoded.valid,
        error=decoded.error,
        data=decoded.data,
    )


class EdgeAgent:
    def __init__(self, config: EdgeConfig, spool: Spool) -> None:
        self.config = config
        self.spool = spool
        self._ctx = ReadContext(config.site, config.device, config.door)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._scan_topic = scan_topic(config.site, config.device)
        self._cmd_topic = cmd_topic(config.site, config.device)
        self._status_topic = status_topic(config.site, config.device)
        self.client = make_client(
            config.broker,
            client_id=f"edge-{config.device}",
            will=(self._status_topic, status_payload("offline", device=config.device)),
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.scanners = [SerialScanner(s, self._on_serial_frame) for s in config.serial]
        self._publisher = threading.Thread(target=self._publish_loop, name="publisher", daemon=True)

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        connect(self.client, self.config.broker)
        self._publisher.start()
        for scanner in self.scanners:
            scanner.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for scanner in self.scanners:
            scanner.stop()
        self._publisher.join(timeout=3)
        if self._connected.is_set():
            info = self.client.publish(
                self._status_topic, status_payload("offline", device=self.config.device), 1, True
            )
            info.wait_for_publish(timeout=2)
        self.client.disconnect()
        self.client.loop_stop()

    def wait(self) -> None:
        self._stop.wait()

    # -- reads in ---------------------------------------------------------------------------
    def _on_serial_frame(self, frame: Frame) -> None:
        self.record(frame, "serial")

    def record(self, frame: Frame, source: str) -> str:
        """Decode a read and put it in the spool; returns its event_id."""
        decoded = decode_frame(frame, self.config.location_pattern)

        def build(seq: int) -> tuple[str, bytes]:
            message = build_scan(self._ctx, seq, frame.data, source, decoded)
            return message.event_id, message.to_json()

        pending = self.spool.record(build)
        if not decoded.valid:
            console.warning("读取无效 invalid read (%s): %r", decoded.error, frame.data[:60])
        self._wake.set()
        return pending.event_id

    # -- MQTT out ---------------------------------------------------------------------------
    def _publish_loop(self) -> None:
        last_heartbeat = 0.0
        while not self._stop.is_set():
            self._wake.wait(timeout=min(1.0, self.config.resend_after / 2))
            self._wake.clear()
            if not self._connected.is_set():
                continue
            self._publish_due()
            now = time.monotonic()
            if now - last_heartbeat >= self.config.heartbeat:
                last_heartbeat = now
                self._publish_status()

    def _publish_due(self, batch: int = 200) -> None:
        """Hand every due read to the client, oldest first, until none is left or the
        connection goes; a backlog after an outage drains in one pass, not 200 per second."""
        while self._connected.is_set() and not self._stop.is_set():
            due = self.spool.due(self.config.resend_after, limit=batch)
            for read in due:
                info = self.client.publish(self._scan_topic, read.payload, qos=1)
                if info.rc != paho.MQTT_ERR_SUCCESS:
                    return
                self.spool.mark_sent(read.event_id)
            if len(due) < batch:
                return

    def _publish_status(self) -> None:
        payload = status_payload(
            "online",
            device=self.config.device,
            door=self.config.door,
            ts=now_iso(),
            spool_depth=self.spool.depth(),
            last_seq=self.spool.last_seq(),
        )
        self.client.publish(self._status_topic, payload, qos=1, retain=True)

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        if rc.is_failure:
            log.error("broker refused the connection: %s", rc)
            return
        log.info("connected to broker %s:%s", self.config.broker.host, self.config.broker.port)
        client.subscribe(self._cmd_topic, qos=1)
        self._connected.set()
        self.spool.forget_sent()
        self._publish_status()
        self._wake.set()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("disconnected from broker (%s); reads stay in the spool", rc)

    # -- answers in -------------------------------------------------------------------------
    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            answer = parse_answer(bytes(message.payload))
        except ContractError as exc:
            log.warning("ignored a command that is not an answer: %s", exc)
            return
        if self.spool.acknowledge(answer.re):
            self._feedback(answer)

    def _feedback(self, answer: Answer) -> None:
        level = logging.INFO if answer.result == "ok" else logging.WARNING
        console.log(level, "[%s] %s / %s", answer.result, answer.text_zh, answer.text_en)
        for scanner in self.scanners:
            scanner.write(scanner.config.beep.get(answer.beep, b""))
