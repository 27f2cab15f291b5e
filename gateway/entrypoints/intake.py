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

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, TypeVar

import paho.mqtt.client as paho

from gateway.domain.quarantine import Broken, Tally, Verdict
from gateway.domain.smoothing import Smoother
from gateway.domain.workflows import decide
from gateway.entrypoints.metrics import IntakeMetrics
from gateway.services import encoding, reads
from gateway.services.reads import Intake as TakenRead
from gateway.services.reads import failed_answer
from gateway.storage.disk import MB, DiskGuard
from gateway.storage.received_labels import ReceivingLabels
from gateway.storage.store import GatewayStore
from kernel.contract import (
    Answer,
    ContractError,
    ScanMessage,
    cmd_topic,
    gateway_status_topic,
    parse_scan,
    parse_status,
    parse_topic,
    scan_event_id,
    scan_subscription,
    status_payload,
)
from kernel.encoding import parse_encode_outcome
from kernel.mqtt import BrokerSettings, connect, make_client

log = logging.getLogger(__name__)

MAX_GROUP = 256  # reads committed together at most
SWEEP_EVERY = 0.25  # seconds: portal presences that ended are decided this often when idle
T = TypeVar("T")


def by_device(
    messages: list[paho.MQTTMessage], parse: Callable[[bytes], T], what: str
) -> list[tuple[str, T]]:
    """Each message's content with the device of its topic (never the body's); a broken one
    left out, with a line in the log."""
    found: list[tuple[str, T]] = []
    for message in messages:
        try:
            device = parse_topic(message.topic).device
            content = parse(bytes(message.payload))
        except ContractError as exc:
            log.warning("ignored %s on %s: %s", what, message.topic[:200], exc)
            continue
        if device:
            found.append((device, content))
    return found


class Intake:
    def __init__(
        self,
        site: str,
        broker: BrokerSettings,
        store: GatewayStore,
        disk: DiskGuard,
        smoother: Smoother,
        labels: ReceivingLabels | None = None,
    ) -> None:
        self.site = site
        self.labels = labels  # the doors' printers that label what is received
        self.store = store
        self.disk = disk
        self.smoother = smoother
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
        self.tally = Tally()  # broken messages: which to keep, which to answer, counts
        self.fatal = threading.Event()  # set if the writer thread stops on an error
        self.on_fatal: Callable[[], None] | None = None  # and then this is called
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
        client.subscribe(
            [
                (scan_subscription(self.site), 1),
                (f"wh/v1/{self.site}/status/+", 1),
                (f"wh/v1/{self.site}/encoded/+", 1),  # readers' encode outcomes
            ]
        )
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
        try:
            self._drain()
            self._write_counts()  # stopping: the counts not yet written
        except BaseException:
            # Never expected (every read's failure is its own); without this thread nothing
            # would be answered again, so the process must not live on without it.
            log.critical("the intake stopped; the gateway exits to be restarted", exc_info=True)
            self.fatal.set()
            if self.on_fatal is not None:
                self.on_fatal()
            raise

    def _drain(self) -> None:
        while True:
            try:
                first = self.inbox.get(timeout=SWEEP_EVERY)
            except queue.Empty:
                self._sweep()
                continue
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
            self._sweep()

    def _take(self, group: list[paho.MQTTMessage]) -> None:
        """Decide and commit a group of messages, then answer and acknowledge each. Every
        message is acknowledged once its answer is committed (or, for a broken message, once
        it is set aside), so that none is delivered again and none holds the broker's window."""
        statuses = [m for m in group if "/status/" in m.topic]
        if statuses:
            self._statuses(statuses)
            group = [m for m in group if "/status/" not in m.topic]
        encoded = [m for m in group if "/encoded/" in m.topic]
        if encoded:
            self._encoded(encoded)
            group = [m for m in group if "/encoded/" not in m.topic]
        if not group:
            return
        if self.disk.full:
            self._refuse_all(group)
            return
        now = time.monotonic()
        scans: list[tuple[ScanMessage, bytes]] = []
        parsed: list[ScanMessage | tuple[Broken, Verdict]] = []
        for message in group:
            item = self._parse(message)
            if isinstance(item, Broken):
                parsed.append((item, self.tally.add(item, now)))
            else:
                parsed.append(item)
                scans.append((item, bytes(message.payload)))
        self._log_broken([e[0] for e in parsed if isinstance(e, tuple) and e[1].keep])
        results: Iterator[TakenRead] = iter(())
        if scans or self.tally.due(now):  # else: broken messages only, written later
            kept, counts = self.tally.take(now)
            smoothing = self.smoother.state()
            try:
                results = iter(
                    reads.take_reads(self.store, scans, self.decide, kept, counts, self.labels)
                )
            except Exception:
                # The transaction itself failed (the disk, the database): nothing is
                # committed, so nothing is acknowledged; each is tried again on its own,
                # from the doors' smoothing as it was before the group.
                log.exception("could not record a group of %d messages", len(group))
                self.smoother.restore(smoothing)
                self.tally.give_back(kept, counts)
                if len(group) > 1:
                    for message in group:
                        self._take([message])
                else:
                    self._unrecorded(group[0], parsed[0])
                return
        for message, entry in zip(group, parsed, strict=True):
            if isinstance(entry, tuple):
                if entry[1].answer:
                    self._refuse_broken(entry[0])
                self.client.ack(message.mid, message.qos)
            else:
                self._answer(entry, next(results))
                self.client.ack(message.mid, message.qos)
                self.metrics.answered(time.monotonic() - message.timestamp)

    def _sweep(self) -> None:
        """The passes of portal presences that ended undecided (the tag not read for a
        window): each taken, answered and acted on as a message of its own, made from its
        presence's last read. If they cannot be recorded they are decided again later."""
        smoothing = self.smoother.state()
        ended = [e.scan for e in self.smoother.sweep(self.store.clock()) if e.scan is not None]
        if not ended:
            return
        try:
            made = [(m, m.to_json()) for m in ended]
            taken = reads.take_reads(self.store, made, self.decide, labels=self.labels)
        except Exception:
            log.exception("could not record %d passes of ended presences", len(ended))
            self.smoother.restore(smoothing)
            return
        for scan, result in zip(ended, taken, strict=True):
            self._answer(scan, result)

    def _write_counts(self) -> None:
        kept, counts = self.tally.take(time.monotonic())
        if counts:
            try:
                reads.take_reads(self.store, [], self.decide, kept, counts)
            except Exception:
                log.exception("could not write the counts of broken messages")

    def _unrecorded(
        self, message: paho.MQTTMessage, entry: ScanMessage | tuple[Broken, Verdict]
    ) -> None:
        """One message that could not be recorded even alone: refused, so that its station
        tells the operator and the broker's window is not held by it."""
        item = entry[0] if isinstance(entry, tuple) else entry
        if item.event_id is not None and item.device != "?":
            answer = failed_answer(item.event_id, RuntimeError("database"))
            self.client.publish(cmd_topic(self.site, item.device), answer.to_json(), qos=1)
        self.client.ack(message.mid, message.qos)

    def _statuses(self, messages: list[paho.MQTTMessage]) -> None:
        """Stations' retained status: online with their figures, or offline (last will)."""
        found = by_device(messages, parse_status, "a status")
        try:
            reads.take_statuses(self.store, found)
        except Exception:
            log.exception("could not record %d device statuses", len(found))
        for message in messages:  # a status is the latest word: the next one replaces it
            self.client.ack(message.mid, message.qos)

    def _encoded(self, messages: list[paho.MQTTMessage]) -> None:
        """Readers' encode outcomes: each taken as its topic's device's (not the body's),
        acknowledged once committed (a broken one at once, with a line in the log)."""
        found = by_device(messages, parse_encode_outcome, "an encode outcome")
        try:
            encoding.take_outcomes(self.store, found)
        except Exception:
            # not recorded: not acknowledged, so the broker delivers them again
            log.exception("could not record %d encode outcomes", len(found))
            return
        for message in messages:
            self.client.ack(message.mid, message.qos)

    def _refuse_all(self, group: list[paho.MQTTMessage]) -> None:
        """The disk is nearly full: nothing is recorded, and every operator is told so."""
        log.error(
            "disk nearly full (%d MB free): refusing %d reads", self.disk.free() // MB, len(group)
        )
        for message in group:
            item = self._parse(message)
            if item.event_id is not None:
                answer = Answer(
                    item.event_id,
                    "refused",
                    "网关磁盘将满，本次扫描未记录，请通知管理员",
                    "Gateway disk nearly full: this read was not recorded; tell the administrator",
                    "error",
                )
                self.client.publish(cmd_topic(self.site, item.device), answer.to_json(), qos=1)
            self.client.ack(message.mid, message.qos)

    def _parse(self, message: paho.MQTTMessage) -> ScanMessage | Broken:
        """The read a message carries, or what is wrong with it. Never raises."""
        payload = bytes(message.payload)
        try:
            parts = parse_topic(message.topic)
        except ContractError as exc:
            return Broken(message.topic[:200], "?", payload, str(exc), None)
        device = parts.device or "?"
        try:
            scan = parse_scan(payload)
            if parts.kind != "scan" or scan.site != parts.site or scan.device != parts.device:
                raise ContractError("site or device in the message differs from the topic")
        except ContractError as exc:
            event_id = scan_event_id(payload) if parts.kind == "scan" else None
            return Broken(message.topic, device, payload, str(exc)[:300], event_id)
        return scan

    def _log_broken(self, broken: list[Broken]) -> None:
        """The messages set aside, one line per group and device: a flood must not fill the
        log (the ones only counted are in the counts)."""
        by_device: dict[str, list[Broken]] = {}
        for b in broken:
            by_device.setdefault(b.device, []).append(b)
        for device, items in by_device.items():
            log.warning(
                "%d broken message(s) from %s, set aside: %s", len(items), device, items[-1].error
            )

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

    def _refuse_broken(self, broken: Broken) -> None:
        """Answer a broken message when it names its read, so the station stops resending it
        and tells its operator; without an event_id there is nobody to answer."""
        if broken.event_id is None or broken.device == "?":
            return
        answer = Answer(
            broken.event_id,
            "refused",
            f"消息格式错误：{broken.error}",
            f"Malformed message: {broken.error}",
            "error",
        )
        self.client.publish(cmd_topic(self.site, broken.device), answer.to_json(), qos=1)
