"""The gateway process between a real broker and a real server. The test plays the station."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from demo.exampledata import gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.contract import ScanMessage, parse_answer, scan_topic

SITE, DEVICE = "LC01", "LC01-D02-HH1"


@pytest.fixture
def station(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/cmd/{DEVICE}")
    yield client
    client.close()


def read(depot: Depot, batch: str, qty: int, seq: int = 1) -> ScanMessage:
    raw = gs1_128_label(depot.example.items[2].gtin, batch, date(2026, 1, 5), qty)
    decoded = decode_barcode(raw)
    return ScanMessage(
        new_event_id(),
        SITE,
        DEVICE,
        seq,
        now_iso(),
        "serial",
        raw,
        decoded.valid,
        decoded.data,
        door="D02",
        symbology=decoded.symbology,
    )


def outbox(gateway: GatewayProcess) -> list[tuple[str, str]]:
    with sqlite3.connect(gateway.database) as db:
        return db.execute("SELECT event_id, state FROM outbox ORDER BY id").fetchall()


def test_a_read_is_answered_and_its_event_delivered(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, station: MqttTestClient
) -> None:
    scan = read(depot, "2026GW1", 12)
    station.publish(scan_topic(SITE, DEVICE), scan.to_json())
    reply = parse_answer(station.next().payload)
    assert reply.re == scan.event_id and reply.result == "ok" and reply.beep == "ok"
    assert "12" in reply.text_zh and "12" in reply.text_en
    wait_until(lambda: outbox(gateway) and outbox(gateway)[0][1] == "sent", 15, "delivery")
    with server.login() as client:
        rows = client.get("/api/v1/stock", params={"batch": "2026GW1"}).json()["rows"]
    assert [(r["location"], r["qty"], r["status"]) for r in rows] == [
        ("D02", 12, "pending_acceptance")
    ]


def test_a_read_sent_twice_is_answered_twice_and_counted_once(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, station: MqttTestClient
) -> None:
    scan = read(depot, "2026GW2", 7)
    for _ in range(2):
        station.publish(scan_topic(SITE, DEVICE), scan.to_json())
    answers = [parse_answer(station.next().payload) for _ in range(2)]
    assert [a.re for a in answers] == [scan.event_id, scan.event_id]
    wait_until(lambda: [s for _, s in outbox(gateway)] == ["sent"], 15, "one delivered event")
    with server.login() as client:
        rows = client.get("/api/v1/stock", params={"batch": "2026GW2"}).json()["rows"]
    assert sum(r["qty"] for r in rows) == 7


def test_a_refused_read_makes_no_event(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, station: MqttTestClient
) -> None:
    raw = b"LOC:A-01-01"
    decoded = decode_barcode(raw)
    scan = ScanMessage(
        new_event_id(), SITE, DEVICE, 1, now_iso(), "serial", raw, True, decoded.data, door="D02"
    )
    station.publish(scan_topic(SITE, DEVICE), scan.to_json())
    reply = parse_answer(station.next().payload)
    assert reply.result == "refused" and reply.beep == "error"
    assert outbox(gateway) == []


def test_a_malformed_message_is_quarantined_and_the_gateway_goes_on(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, station: MqttTestClient
) -> None:
    station.publish(scan_topic(SITE, DEVICE), b"\xff not json")
    station.publish(scan_topic(SITE, "OTHER-DEVICE"), read(depot, "X", 1).to_json())
    broken = json.loads(read(depot, "X", 1).to_json())
    broken["source"] = "telepathy"
    for _ in range(2):  # a station resending its broken read
        station.publish(scan_topic(SITE, DEVICE), json.dumps(broken).encode())
    refusals = [parse_answer(station.next().payload) for _ in range(2)]
    assert {(a.re, a.result) for a in refusals} == {(broken["event_id"], "refused")}
    assert "telepathy" in refusals[0].text_en
    scan = read(depot, "2026GW3", 3)
    station.publish(scan_topic(SITE, DEVICE), scan.to_json())
    assert parse_answer(station.next().payload).re == scan.event_id
    with sqlite3.connect(gateway.database) as db:
        errors = [r[0] for r in db.execute("SELECT error FROM quarantine ORDER BY id")]
    assert len(errors) == 3  # the resent copy is kept once
    assert "not UTF-8 JSON" in errors[0] and "differs from the topic" in errors[1]
    assert "unknown source" in errors[2]


def test_reads_published_while_the_gateway_is_down_are_taken_after_restart(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, station: MqttTestClient
) -> None:
    gateway.proc.kill()  # its session persists at the broker, with QoS 1 messages queued
    scans = [read(depot, "2026GW4", 1, seq) for seq in range(1, 51)]
    for scan in scans:
        station.publish(scan_topic(SITE, DEVICE), scan.to_json())
    gateway.start()
    answered = {parse_answer(station.next().payload).re for _ in scans}
    assert answered == {s.event_id for s in scans}
    wait_until(
        lambda: len(outbox(gateway)) == 50 and {s for _, s in outbox(gateway)} == {"sent"},
        20,
        "all 50 delivered",
    )
    with server.login() as client:
        rows = client.get("/api/v1/stock", params={"batch": "2026GW4"}).json()["rows"]
    assert sum(r["qty"] for r in rows) == 50


def test_the_gateway_announces_itself_with_a_retained_status(
    gateway: GatewayProcess, broker: Mosquitto
) -> None:
    watcher = MqttTestClient(broker.port)
    try:
        watcher.subscribe(f"wh/v1/{SITE}/gateway/status")
        status = json.loads(watcher.next().payload)
        assert status["state"] == "online" and status["site"] == SITE
        gateway.stop()
        assert json.loads(watcher.next().payload)["state"] == "offline"
    finally:
        watcher.close()


def test_device_liveness_from_the_stations_retained_status(
    gateway: GatewayProcess, broker: Mosquitto
) -> None:
    device = MqttTestClient(broker.port)
    topic = f"wh/v1/{SITE}/status/{DEVICE}"
    try:
        device.publish(topic, b'{"v":1,"state":"online","door":"D02","spool_depth":3}', retain=True)

        def known() -> list[tuple[str, str, str | None]]:
            with sqlite3.connect(gateway.database) as db:
                return db.execute("SELECT device, state, door FROM devices").fetchall()

        wait_until(lambda: known() == [(DEVICE, "online", "D02")], 10, "the device online")
        device.publish(topic, b'{"v":1,"state":"offline"}', retain=True)  # its last will
        wait_until(lambda: known() == [(DEVICE, "offline", "D02")], 10, "the device offline")
        # A gateway that starts later learns the state from the retained message.
        gateway.proc.kill()
        with sqlite3.connect(gateway.database) as db:
            db.execute("DELETE FROM devices")
        gateway.start()
        wait_until(lambda: known() == [(DEVICE, "offline", None)], 10, "the retained status")
    finally:
        device.close()


def test_a_nearly_full_disk_refuses_reads_with_a_clear_answer(
    depot: Depot,
    server: ServerProcess,
    broker: Mosquitto,
    station: MqttTestClient,
    tmp_path: Path,
) -> None:
    # Thresholds above what any test machine has free: the disk counts as nearly full.
    full = GatewayProcess(
        tmp_path / "full-gateway",
        broker.port,
        server.url,
        depot.gateway_token,
        settings="disk_alarm_mb = 100000000\ndisk_refuse_mb = 100000000\n",
    ).start()
    watcher = MqttTestClient(broker.port)
    try:
        watcher.subscribe(f"wh/v1/{SITE}/gateway/status")
        scan = read(depot, "2026GW9", 3)
        station.publish(scan_topic(SITE, DEVICE), scan.to_json())
        reply = parse_answer(station.next().payload)
        assert (reply.re, reply.result, reply.beep) == (scan.event_id, "refused", "error")
        assert "磁盘" in reply.text_zh and "not recorded" in reply.text_en
        with sqlite3.connect(full.database) as db:
            assert db.execute("SELECT count(*) FROM reads").fetchone()[0] == 0

        def alarmed() -> bool:
            status = json.loads(watcher.next().payload)
            return bool(status.get("disk_alarm"))

        wait_until(alarmed, 10, "the disk alarm on the gateway's status")
    finally:
        watcher.close()
        full.stop()
