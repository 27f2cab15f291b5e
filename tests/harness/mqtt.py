"""A plain MQTT client for tests: publish, and collect what arrives on some topics."""

from __future__ import annotations

import queue
import threading
import time
import uuid
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


class MqttTestClient:
    def __init__(
        self,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self.messages: queue.Queue[paho.MQTTMessage] = queue.Queue()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id or f"test-{uuid.uuid4().hex[:8]}"
        )
        if username:
            self.client.username_pw_set(username, password)
        self.connected = threading.Event()
        self.refused: Any = None
        self.dropped: list[Any] = []  # why the broker closed the connection, each time
        self.port = port
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda c, u, flags, rc, props: self.dropped.append(rc)
        self.client.on_message = lambda c, u, m: self.messages.put(m)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_connect(
        self, client: paho.Client, userdata: Any, flags: Any, rc: Any, props: Any
    ) -> None:
        if rc.is_failure:
            self.refused = rc
        else:
            self.connected.set()

    def wait_connected(self, timeout: float = 20) -> None:
        if not self.connected.wait(timeout):
            raise TimeoutError(
                f"test client not connected to port {self.port} "
                f"(refused: {self.refused}; dropped: {self.dropped})"
            )

    def subscribe(self, topic: str, timeout: float = 15) -> None:
        """Subscribe, and return once the broker has confirmed it (SUBACK): from then on
        every message on `topic` reaches this client."""
        self.wait_connected()
        done = threading.Event()
        self.client.on_subscribe = lambda *a: done.set()
        self.client.subscribe(topic, qos=1)
        if not done.wait(timeout):
            raise TimeoutError(f"the broker did not confirm the subscription to {topic}")

    def publish(
        self, topic: str, payload: bytes, retain: bool = False, timeout: float = 15
    ) -> None:
        """Publish at QoS 1 and return once the broker has acknowledged it (PUBACK)."""
        self.wait_connected()
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge a message on {topic}")

    def next(self, timeout: float = 20) -> paho.MQTTMessage:
        return self.messages.get(timeout=timeout)

    def drain(self, seconds: float) -> list[paho.MQTTMessage]:
        """Everything that arrives within `seconds`."""
        out: list[paho.MQTTMessage] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.messages.get(timeout=left))
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
