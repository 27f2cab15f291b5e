"""Many stations at once on the real broker, keeping the edge agent's promise.

Each read is published on its device's scan topic (QoS 1) and kept until an answer naming it
arrives on the device's command topic; a read without an answer is sent again, with the same
event id, after `resend_after` seconds and after every reconnect, as the edge agent does from
its spool (edge/station/agent.py). With `resend=False` every read is published once and never again:
what arrives then is what the broker kept.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date
from typing import Any

import paho.mqtt.client as paho

from demo.exampledata import gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from kernel.contract import ScanMessage, parse_answer, scan_topic
from kernel.mqtt import BrokerSettings, connect, make_client


def receiving_reads(
    site: str, gtins: list[str], count: int, devices: int, qty: int = 1
) -> list[ScanMessage]:
    """`count` goods labels read at `devices` doors; batch `R<n>` is read n: unique each."""
    out = []
    for n in range(count):
        raw = gs1_128_label(gtins[n % len(gtins)], f"R{n:05d}", date(2026, 1, 5), qty)
        decoded = decode_barcode(raw)
        door = n % devices + 1
        out.append(
            ScanMessage(
                new_event_id(),
                site,
                f"{site}-D{door:02d}-SIM",
                n // devices + 1,
                now_iso(),
                "serial",
                raw,
                decoded.valid,
                decoded.data,
                door=f"D{door:02d}",
                symbology=decoded.symbology,
            )
        )
    return out


class Stations:
    def __init__(
        self, port: int, site: str, *, resend: bool = True, resend_after: float = 2.0
    ) -> None:
        self.site = site
        self.resend = resend
        self.resend_after = resend_after
        self.pending: dict[str, tuple[str, bytes, float]] = {}
        self.answered: dict[str, str] = {}
        self.answers = 0
        self.sent = 0
        self._infos: list[paho.MQTTMessageInfo] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._subscribed = threading.Event()
        self.client = make_client(BrokerSettings(port=port), f"sim-{uuid.uuid4().hex[:8]}")
        self.client.max_inflight_messages_set(1000)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.on_message = self._on_message
        connect(self.client, BrokerSettings(port=port))
        if not self._subscribed.wait(15):
            raise TimeoutError("the simulated stations could not subscribe")
        self._resender = threading.Thread(target=self._resend_loop, daemon=True)
        self._resender.start()

    def _on_connect(self, client: paho.Client, *args: Any) -> None:
        client.subscribe(f"wh/v1/{self.site}/cmd/+", qos=1)
        with self._lock:  # after every reconnect, everything unanswered at once
            for key, (topic, payload, _) in list(self.pending.items()):
                self.pending[key] = (topic, payload, 0.0)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        answer = parse_answer(bytes(message.payload))
        with self._lock:
            self.answers += 1
            if self.pending.pop(answer.re, None) is not None:
                self.answered[answer.re] = answer.result

    def publish(self, scan: ScanMessage) -> None:
        topic, payload = scan_topic(scan.site, scan.device), scan.to_json()
        with self._lock:
            self.pending[scan.event_id] = (topic, payload, time.monotonic())
            self.sent += 1
        info = self.client.publish(topic, payload, qos=1)
        if not self.resend:
            self._infos.append(info)

    def acknowledged(self) -> int:
        """Reads published once (resend=False) that the broker has acknowledged."""
        return sum(1 for info in self._infos if info.is_published())

    def stream(self, reads: list[ScanMessage], rate: float, on_tick: Any = None) -> None:
        """Publish the reads at `rate` per second; `on_tick(n)` after each (for faults)."""
        begin = time.monotonic()
        for n, scan in enumerate(reads):
            delay = begin + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.publish(scan)
            if on_tick is not None:
                on_tick(n + 1)

    def _resend_loop(self) -> None:
        while not self._stop.wait(0.25):
            if not self.resend:
                continue
            now = time.monotonic()
            with self._lock:
                due = [
                    (k, t, p)
                    for k, (t, p, at) in self.pending.items()
                    if now - at >= self.resend_after
                ]
                for key, topic, payload in due:
                    self.pending[key] = (topic, payload, now)
            for _, topic, payload in due:
                self.client.publish(topic, payload, qos=1)

    def unanswered(self) -> int:
        with self._lock:
            return len(self.pending)

    def close(self) -> None:
        self._stop.set()
        self._resender.join(timeout=2)
        self.client.disconnect()
        self.client.loop_stop()
