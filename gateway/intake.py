"""Reads in from the depot broker, answers back to the stations.

The gateway's MQTT session is persistent (fixed client id, no clean session, QoS 1) and
every message is acknowledged to the broker only after the read is committed in the
gateway's store, so a gateway that dies between receipt and commit gets the read again.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import paho.mqtt.client as paho

from edge.contract import (
    Answer,
    ContractError,
    cmd_topic,
    gateway_status_topic,
    parse_scan,
    parse_topic,
    scan_subscription,
    status_payload,
)
from edge.mqtt import BrokerSettings, connect, make_client
from gateway.store import GatewayStore
from gateway.workflows import decide

log = logging.getLogger(__name__)


class Intake:
    def __init__(self, site: str, broker: BrokerSettings, store: GatewayStore) -> None:
        self.site = site
        self.store = store
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

    def start(self) -> None:
        connect(self.client, self.broker)

    def stop(self) -> None:
        if self.connected.is_set():
            info = self.client.publish(
                self._status_topic, status_payload("offline", site=self.site), 1, True
            )
            info.wait_for_publish(timeout=2)
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
        client.subscribe(scan_subscription(self.site), qos=1)
        self.connected.set()
        self.publish_status()

    def _on_disconnect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        self.connected.clear()
        log.warning("gateway disconnected from broker (%s)", rc)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            self.handle(message.topic, bytes(message.payload))
        except Exception:
            # Not committed: leave it unacknowledged, so the broker delivers it again.
            log.exception(
                "could not record the read on %s; it stays with the broker", message.topic
            )
            return
        client.ack(message.mid, message.qos)

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

    def handle(self, topic: str, payload: bytes) -> None:
        try:
            parts = parse_topic(topic)
            scan = parse_scan(payload)
            if parts.kind != "scan" or scan.site != parts.site or scan.device != parts.device:
                raise ContractError("site or device in the message differs from the topic")
        except ContractError as exc:
            log.warning("quarantined a message on %s: %s", topic, exc)
            self.store.quarantine(topic, payload, str(exc))
            self._refuse_malformed(topic, payload, str(exc))
            return
        intake = self.store.take_read(scan, payload, decide)
        self.client.publish(cmd_topic(scan.site, scan.device), intake.answer.to_json(), qos=1)
        log.info(
            "read %s seq %s from %s: %s%s",
            scan.event_id,
            scan.seq,
            scan.device,
            intake.answer.result,
            " (again)" if intake.duplicate else "",
        )
