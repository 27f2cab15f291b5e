"""Reads in from the depot broker, answers back to the stations.

The gateway's MQTT session is persistent (fixed client id, no clean session, QoS 1) and
every message is acknowledged to the broker only after the read is committed in the
gateway's store, so a gateway that dies between receipt and commit gets the read again.

Messages arrive on paho's network thread and wait in a queue; one writer thread takes what
has gathered (up to MAX_GROUP), decides and commits it in one transaction (one sync to disk
for the group), then answers and acknowledges each in the order received. At a handful of
reads a second every group is one read; under a portal's burst the groups grow and the disk
keeps up.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from functools import partial
from typing import Any

import paho.mqtt.client as paho

from edge.contract import (
    Answer,
    ContractError,
    ScanMessage,
    cmd_topic,
    gateway_status_topic,
    parse_scan,
    parse_topic,
    scan_subscription,
    status_payload,
)
from edge.mqtt import BrokerSettings, connect, make_client
from gateway.disk import MB, DiskGuard
from gateway.metrics import IntakeMetrics
from gateway.smoothing import Smoother
from gateway.store import GatewayStore
from gateway.store import Intake as TakenRead
from gateway.workflows import decide

log = logging.getLogger(__name__)

MAX_GROUP = 256  # reads committed together at most


class Intake:
    def __init__(
        self,
        site: str,
        broker: BrokerSettings,
        store: GatewayStore,
        disk: DiskGuard,
        smoother: Smoother,
    ) -> None:
        self.site = site
        self.store = store
        self.disk = disk
        self.decide = partial(decide, smoother=smoother)
        self.broker = broker
        self.connected = threading.Event()
        self._status_topic = gateway_status_topic(site)
        self.client = make_client(
            broker,
            client_id=f"gateway-{site}",
            persistent_session=True,
            manual_ack=True,
            will=(self._status_topic, status_payload("offline", site=site)),
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.inbox: queue.Queue[paho.MQTTMessage | None] = queue.Queue()
        self.metrics = IntakeMetrics()
        self._writer = threading.Thread(target=self._write_loop, name="intake", daemon=True)

    def start(self) -> None:
        self._writer.start()
        connect(self.client, self.broker)

    def stop(self) -> None:
        if self.connected.is_set():
            info = self.client.publish(
                self._status_topic, status_payload("offline", site=self.site), 1, True
            )
            info.wait_for_publish(timeout=2)
        self.inbox.put(None)
        self._writer.join(timeout=10)
        self.client.disconnect()
        self.client.loop_stop()

    def publish_status(self, **fields: Any) -> None:
        if self.connected.is_set():
            self.client.publish(
                self._status_topic, status_payload("online", site=self.site, **fields), 1, True
            )

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        if rc.is_failure:
            log.error("broker refused the gateway: %s", rc)
            return
        log.info("gateway connected to broker (session present: %s)", flags.session_present)
        client.subscribe([(scan_subscription(self.site), 1), (f"wh/v1/{self.site}/status/+", 1)])
        self.connected.set()
        self.publish_status()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        self.connected.clear()
        log.warning("gateway disconnected from broker (%s)", rc)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        message.timestamp = time.monotonic()  # received now: the answer latency starts here
        self.inbox.put(message)

    def _write_loop(self) -> None:
        while True:
            first = self.inbox.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    more = self.inbox.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._take(group)
                    return
                group.append(more)
            self._take(group)

    def _take(self, group: list[paho.MQTTMessage]) -> None:
        """Decide and commit a group of messages, then answer and acknowledge each."""
        statuses = [m for m in group if "/status/" in m.topic]
        if statuses:
            self._statuses(statuses)
            group = [m for m in group if "/status/" not in m.topic]
        if not group:
            return
        if self.disk.full:
            self._refuse_all(group)
            return
        scans: list[tuple[ScanMessage, bytes]] = []
        parsed: list[ScanMessage | ContractError] = []
        for message in group:
            payload = bytes(message.payload)
            try:
                scan = self._parse(message.topic, payload)
            except ContractError as exc:
                parsed.append(exc)
                continue
            parsed.append(scan)
            scans.append((scan, payload))
        try:
            results = iter(self.store.take_reads(scans, self.decide))
        except Exception:
            # Not committed: leave them unacknowledged, so the broker delivers them again.
            log.exception("could not record %d reads; they stay with the broker", len(scans))
            return
        for message, item in zip(group, parsed, strict=True):
            if isinstance(item, ContractError):
                if not self._quarantine(message, item):
                    continue
            else:
                result = next(results)
                if isinstance(result, Exception):
                    log.error(
                        "could not record the read on %s (%s); it stays with the broker",
                        message.topic,
                        result,
                        exc_info=result,
                    )
                    continue
                self._answer(item, result)
            self.client.ack(message.mid, message.qos)
            self.metrics.answered(time.monotonic() - message.timestamp)

    def _statuses(self, messages: list[paho.MQTTMessage]) -> None:
        """Stations' retained status: online with their figures, or offline (last will)."""
        found: list[tuple[str, dict[str, Any]]] = []
        for message in messages:
            try:
                device = parse_topic(message.topic).device
                doc = json.loads(bytes(message.payload) or b"{}")
            except (ContractError, ValueError) as exc:
                log.warning("ignored a status on %s: %s", message.topic, exc)
                continue
            if device and isinstance(doc, dict):
                found.append((device, doc))
        try:
            self.store.device_statuses(found)
        except Exception:
            log.exception("could not record %d device statuses", len(found))
            return
        for message in messages:
            self.client.ack(message.mid, message.qos)

    def _refuse_all(self, group: list[paho.MQTTMessage]) -> None:
        """The disk is nearly full: nothing is recorded, and every operator is told so."""
        log.error(
            "disk nearly full (%d MB free): refusing %d reads", self.disk.free() // MB, len(group)
        )
        for message in group:
            try:
                scan = self._parse(message.topic, bytes(message.payload))
            except ContractError:
                self.client.ack(message.mid, message.qos)
                continue
            answer = Answer(
                scan.event_id,
                "refused",
                "网关磁盘将满，本次扫描未记录，请通知管理员",
                "Gateway disk nearly full: this read was not recorded; tell the administrator",
                "error",
            )
            self.client.publish(cmd_topic(scan.site, scan.device), answer.to_json(), qos=1)
            self.client.ack(message.mid, message.qos)

    def _parse(self, topic: str, payload: bytes) -> ScanMessage:
        parts = parse_topic(topic)
        scan = parse_scan(payload)
        if parts.kind != "scan" or scan.site != parts.site or scan.device != parts.device:
            raise ContractError("site or device in the message differs from the topic")
        return scan

    def _quarantine(self, message: paho.MQTTMessage, error: ContractError) -> bool:
        payload = bytes(message.payload)
        log.warning("quarantined a message on %s: %s", message.topic, error)
        try:
            self.store.quarantine(message.topic, payload, str(error))
        except Exception:
            log.exception("could not quarantine the message on %s", message.topic)
            return False
        self._refuse_malformed(message.topic, payload, str(error))
        return True

    def _answer(self, scan: ScanMessage, intake: TakenRead) -> None:
        self.client.publish(cmd_topic(scan.site, scan.device), intake.wire, qos=1)
        log.debug(
            "read %s seq %s from %s: %s%s",
            scan.event_id,
            scan.seq,
            scan.device,
            intake.answer.result,
            " (again)" if intake.duplicate else "",
        )

    def _refuse_malformed(self, topic: str, payload: bytes, error: str) -> None:
        """Answer a broken message when it names its read, so the station stops resending it
        and tells its operator; without an event_id there is nobody to answer."""
        try:
            parts = parse_topic(topic)
            doc = json.loads(payload)
            event_id = doc.get("event_id") if isinstance(doc, dict) else None
        except (ContractError, ValueError):
            return
        if parts.kind != "scan" or parts.device is None or not isinstance(event_id, str):
            return
        answer = Answer(
            event_id, "refused", f"消息格式错误：{error}", f"Malformed message: {error}", "error"
        )
        self.client.publish(cmd_topic(parts.site, parts.device), answer.to_json(), qos=1)
