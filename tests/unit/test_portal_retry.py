"""A portal's group of reads whose transaction fails is taken again read by read: the door's
smoothing is put back as it was before the group, so the pass the group decided is decided
again, once (gateway.entrypoints.intake, with a real store and the door's real smoothing)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from integration.test_workflows import sync_answer
from unit.test_direction import OUT_THROUGH_D02, PALLET, ZONED

from gateway.domain.smoothing import Rules, Smoother
from gateway.entrypoints import intake
from gateway.services import reads
from gateway.storage import server_copy
from gateway.storage.book import Book
from gateway.storage.disk import DiskGuard
from gateway.storage.store import READ, GatewayStore
from kernel.contract import (
    RfidInfo,
    ScanData,
    ScanMessage,
    parse_answer,
    parse_scan,
    scan_topic,
)
from kernel.mqtt import BrokerSettings

PORTAL = "LC01-D02-RFID1"


class Wire:
    """Stands for the broker: what the gateway publishes and acknowledges."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.acked: list[int] = []

    def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False) -> Any:
        self.sent.append(payload)

    def ack(self, mid: int, qos: int) -> None:
        self.acked.append(mid)


def messages() -> list[paho.MQTTMessage]:
    start = datetime(2026, 11, 24, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    out = []
    for n, (antenna, rssi, offset) in enumerate(OUT_THROUGH_D02, start=1):
        stamp = (start + timedelta(seconds=offset)).isoformat(timespec="milliseconds")
        scan = ScanMessage(
            f"0190f000-0000-7000-8000-{n:012d}", "LC01", PORTAL, n, stamp, "rfid", b"x", True,
            ScanData(kind="epc", epc_uri=PALLET), "D02",
            rfid=RfidInfo(antenna, rssi, 1, stamp, stamp, stamp),
        )  # fmt: skip
        message = paho.MQTTMessage(mid=n, topic=scan_topic("LC01", PORTAL).encode())
        message.payload, message.qos, message.timestamp = scan.to_json(), 1, time.monotonic()
        out.append(message)
    return out


def test_a_failed_group_taken_again_read_by_read_decides_its_pass_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
    smoother = Smoother(Rules(), {"D02": ZONED})
    gateway = intake.Intake("LC01", BrokerSettings(), store, DiskGuard(tmp_path, 0, 0), smoother)
    wire = Wire()
    gateway.client = wire  # type: ignore[assignment]
    real, failed = reads.take_reads, []

    def disk_fails_once(store: GatewayStore, scans: Any, decide: Any, *rest: Any) -> Any:
        if failed:
            return real(store, scans, decide, *rest)
        failed.append(len(scans))
        with store.transaction() as db:  # decided, then the disk fails: nothing committed
            book = Book(db, savepoint=READ)
            for scan, _ in scans:
                decide(book, scan, store.clock())
            raise OSError("disk I/O error")

    monkeypatch.setattr(reads, "take_reads", disk_fails_once)
    group = messages()
    gateway._take(group)
    answers = [parse_answer(p) for p in wire.sent]
    assert failed == [len(group)] and sorted(wire.acked) == [m.mid for m in group]
    assert len(answers) == len(group)
    assert [a.task["direction"] for a in answers if a.task and "direction" in a.task] == ["out"]
    store.close()


def test_a_portal_read_without_antenna_or_rssi_says_direction_cannot_be_told(
    tmp_path: Path,
) -> None:
    """A zoned door's reader set up without antenna numbers or RSSI in its reports: its reads
    can never be placed, and each answer says so on the device's page (quietly: no beep)."""
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    with store.transaction() as db:
        server_copy.apply_sync(db, sync_answer(), started=0.0)
    gateway = intake.Intake("LC01", BrokerSettings(), store, DiskGuard(tmp_path, 0, 0),
                            Smoother(Rules(), {"D02": ZONED}))  # fmt: skip
    wire = Wire()
    gateway.client = wire  # type: ignore[assignment]
    group = messages()[:3]
    for message, rfid in zip(group, (RfidInfo(None, -50.0), RfidInfo(3, None), None), strict=True):
        scan = parse_scan(message.payload)
        message.payload = replace(scan, rfid=rfid).to_json()
    placed = messages()[3]
    gateway._take([*group, placed])
    answers = [parse_answer(p) for p in wire.sent]
    assert [(a.result, a.beep) for a in answers] == [("ok", "ok")] * 4  # quiet, as a tag read
    assert [("antenna or RSSI" in a.text_en) for a in answers] == [True, True, True, False]
    assert answers[-1].text_en == "Tag read"
    store.close()
