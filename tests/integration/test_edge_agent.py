"""The station agent against a real broker, with a pseudo terminal as its serial scanner.
The test plays the gateway: it reads the scans and decides when to answer."""

from __future__ import annotations

import base64
import json
import queue
import time
import uuid
from collections.abc import Iterator
from datetime import date

import pytest

from demo.exampledata import generate, gs1_128_label
from harness.depot import EdgeProcess, PtyScanner
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.contract import Answer, ScanMessage, cmd_topic, parse_scan

SITE, DEVICE = "LC01", "LC01-D01-FIX1"
ITEM = generate().items[0]
LABEL = gs1_128_label(ITEM.gtin, "2025B03", date(2025, 6, 1), 24)


@pytest.fixture
def gateway_side(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/scan/+")
    yield client
    client.close()


def next_read(client: MqttTestClient, answered: set[str], timeout: float = 20) -> ScanMessage:
    """The next read that is not one already answered: a copy of an answered read can still
    arrive, sent again by the station just before the answer reached it."""
    deadline = time.monotonic() + timeout
    while True:
        scan = parse_scan(client.next(timeout=max(0.1, deadline - time.monotonic())).payload)
        if scan.event_id not in answered:
            return scan


def answer(client: MqttTestClient, event_id: str) -> None:
    reply = Answer(event_id, "ok", "已收货", "Received", "ok")
    client.publish(cmd_topic(SITE, DEVICE), reply.to_json())


def test_a_read_is_published_as_the_scan_message(
    edge: EdgeProcess, scanner: PtyScanner, gateway_side: MqttTestClient
) -> None:
    scanner.scan(LABEL)
    message = gateway_side.next()
    assert message.topic == f"wh/v1/{SITE}/scan/{DEVICE}"
    doc = json.loads(message.payload)
    assert doc["v"] == 1 and doc["site"] == SITE and doc["device"] == DEVICE
    assert doc["door"] == "D01" and doc["source"] == "serial"
    assert uuid.UUID(doc["event_id"]).version == 7
    assert base64.b64decode(doc["raw_b64"]) == LABEL  # the GS separator survived
    assert doc["symbology"] == "]C1" and doc["valid"] is True
    assert doc["data"]["gtin"] == ITEM.gtin and doc["data"]["batch"] == "2025B03"
    assert doc["data"]["prod_date"] == "2025-06-01" and doc["data"]["qty"] == 24


def test_an_unreadable_code_is_published_not_dropped(
    edge: EdgeProcess, scanner: PtyScanner, gateway_side: MqttTestClient
) -> None:
    broken = LABEL.replace(ITEM.gtin.encode(), (ITEM.gtin[:-1] + "9").encode())
    if broken == LABEL:
        broken = LABEL.replace(ITEM.gtin.encode(), (ITEM.gtin[:-1] + "8").encode())
    scanner.scan(broken)
    scan = parse_scan(gateway_side.next().payload)
    assert scan.valid is False and scan.error == "gs1_check_digit"
    assert scan.raw == broken


def test_unanswered_reads_are_sent_again_with_the_same_id_until_answered(
    edge: EdgeProcess, scanner: PtyScanner, gateway_side: MqttTestClient
) -> None:
    scanner.scan(LABEL)
    first = parse_scan(gateway_side.next().payload)
    again = parse_scan(gateway_side.next(timeout=10).payload)  # resend_after is 2 s
    assert again.event_id == first.event_id and again.seq == first.seq
    answer(gateway_side, first.event_id)
    wait_until(lambda: b"\x07" in scanner.received(), 20, "the ok beep")
    # Answered: no more resends, but one sent just before the answer arrived may cross it.
    copies = gateway_side.drain(5)  # more than two resend intervals
    assert [parse_scan(m.payload).event_id for m in copies] in ([], [first.event_id])


def test_seq_keeps_rising_and_pending_reads_survive_a_kill(
    edge: EdgeProcess, scanner: PtyScanner, gateway_side: MqttTestClient
) -> None:
    scanner.scan(LABEL)
    first = parse_scan(gateway_side.next().payload)
    answer(gateway_side, first.event_id)
    wait_until(lambda: b"\x07" in scanner.received(), 20, "the ok beep")
    scanner.scan(LABEL)
    unanswered = next_read(gateway_side, {first.event_id})
    assert unanswered.seq == first.seq + 1

    edge.proc.kill()  # SIGKILL: no chance to clean up
    gateway_side.drain(0.5)  # what it published before it died
    edge.start()
    resent = next_read(gateway_side, {first.event_id})
    assert resent.event_id == unanswered.event_id  # same read, same id
    answer(gateway_side, unanswered.event_id)
    wait_until(lambda: b"\x07" in scanner.received(), 20, "the ok beep")
    scanner.scan(LABEL)
    after = next_read(gateway_side, {first.event_id, unanswered.event_id})
    assert after.seq == unanswered.seq + 1


def test_reads_made_while_the_broker_is_down_arrive_once_it_is_back(
    edge: EdgeProcess, scanner: PtyScanner, broker: Mosquitto
) -> None:
    broker.stop()
    for _ in range(3):
        scanner.scan(LABEL)
    broker.start()
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/scan/+")
    try:
        seen: dict[str, int] = {}
        while len(seen) < 3:
            try:
                scan = parse_scan(client.next(timeout=15).payload)
            except queue.Empty:
                break
            seen[scan.event_id] = scan.seq
        assert len(seen) == 3, edge.proc.log()[-2000:]
        assert sorted(seen.values()) == list(range(min(seen.values()), min(seen.values()) + 3))
    finally:
        client.close()


def test_status_is_retained_and_the_last_will_says_offline(
    edge: EdgeProcess, broker: Mosquitto
) -> None:
    watcher = MqttTestClient(broker.port)
    try:
        watcher.subscribe(f"wh/v1/{SITE}/status/{DEVICE}")
        online = json.loads(watcher.next().payload)
        assert online["state"] == "online" and online["device"] == DEVICE
        edge.proc.kill()  # the broker publishes the will when the keep-alive lapses
        state = "online"
        while state != "offline":  # within 1.5 keep-alives (5 s here); next() fails at 15 s
            state = json.loads(watcher.next(timeout=15).payload)["state"]
    finally:
        watcher.close()
