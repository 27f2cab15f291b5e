"""What a broken or hostile device sends cannot stop the depot: a corpus of poison messages
through a real broker into the real gateway process, good reads before, between and after,
and the central ledger at the end."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from demo.exampledata import gs1_128_label
from edge.clock import new_event_id, now_iso
from edge.decode import decode_barcode
from gateway.domain.quarantine import ANSWER_BURST, KEEP_BURST
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.bounds import MAX_QTY
from kernel.contract import ScanMessage, parse_answer, scan_topic, status_topic

SITE = "LC01"
GOOD, BAD = "LC01-D01-FIX1", "LC01-D02-FIX1"  # a good door, and a door with a broken device


@pytest.fixture
def doors(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/cmd/+")
    yield client
    client.close()


def good_read(depot: Depot, batch: str, qty: int, seq: int) -> ScanMessage:
    raw = gs1_128_label(depot.example.items[2].gtin, batch, date(2026, 1, 5), qty)
    decoded = decode_barcode(raw)
    assert decoded.valid
    return ScanMessage(
        new_event_id(), SITE, GOOD, seq, now_iso(), "serial", raw, True, decoded.data, door="D01"
    )


def _template(depot: Depot) -> dict[str, object]:
    doc: dict[str, object] = json.loads(good_read(depot, "POISON", 5, 1).to_json())
    doc["device"], doc["door"] = BAD, "D02"
    return doc


def poison_corpus(depot: Depot) -> list[tuple[str, bytes, bool]]:
    """(topic, payload, names its read): every kind of broken message seen or imaginable,
    several of each, each with its own event_id where it has one."""
    scan_at = scan_topic(SITE, BAD)

    def variant(**changes: object) -> tuple[str, bytes, bool]:
        doc = {**_template(depot), "event_id": new_event_id(), **changes}
        names = "event_id" not in changes  # a read named by a broken id cannot be answered
        return scan_at, json.dumps(doc).encode("ascii"), names  # \ud800 escaped, as on wire

    def data_variant(**changes: object) -> tuple[str, bytes, bool]:
        data = {**_template(depot)["data"], **changes}  # type: ignore[dict-item]
        return variant(data=data)

    corpus: list[tuple[str, bytes, bool]] = []
    for i in range(6):
        corpus += [
            (scan_at, b"[" * (50_000 + i), False),  # nesting that once killed the intake
            (scan_at, b'{"v": 1, "event_id": ' + b"[" * 30_000, False),
            (scan_at, b"\xff\xfe not UTF-8" + bytes([i]), False),
            (scan_at, b"", False),
            (scan_at, b"9" * (5_000 + i), False),
            (scan_at, b"x" * (100_000 + i), False),  # far larger than any scan message
            (scan_at, json.dumps([i]).encode(), False),
            variant(event_id="\ud800" * (i + 1)),
            variant(event_id=f"not-a-uuid-{i}"),
            variant(event_id=str(uuid.uuid4()).upper()),
            variant(ts="2026-11-23T09:14:03\ud800"),
            variant(ts=f"yesterday {i}"),
            variant(seq=2**63 + i),
            variant(seq=-1 - i),
            variant(seq=str(i)),
            variant(valid="true"),
            variant(source="telepathy"),
            variant(site="LC99"),  # not the topic's site
            variant(device=GOOD),  # claims to be another device
            variant(door="D/02"),
            variant(raw_b64="@@not base64@@"),
            variant(rfid={"antenna": 1, "rssi": float("nan"), "reads": 1}),
            variant(rfid={"antenna": -1, "reads": 1}),
            variant(data=[1, 2, i]),
            data_variant(qty=2**63 + i),
            data_variant(qty=0),
            data_variant(qty=-5 - i),
            data_variant(qty=MAX_QTY + 1 + i),
            data_variant(qty="20"),
            data_variant(batch=f"B\x1d{i}"),
            data_variant(batch="\udfff" + str(i)),
            data_variant(colour="red"),
            data_variant(prod_date="2024-02-30"),
        ]
    return corpus


def test_poison_messages_leave_every_good_read_answered_and_booked_once(
    depot: Depot,
    server: ServerProcess,
    gateway: GatewayProcess,
    doors: MqttTestClient,
) -> None:
    corpus = poison_corpus(depot)
    assert len(corpus) > 100
    good: list[ScanMessage] = []
    for n, (topic, payload, _) in enumerate(corpus):
        doors.publish(topic, payload)
        if n % 10 == 0:  # good reads from the other door, between the poison
            good.append(good_read(depot, "2026PZ1", 2, len(good) + 1))
            doors.publish(scan_topic(SITE, GOOD), good[-1].to_json())
    # broken statuses too: the status of a device is read by the same intake
    for payload in (b"[" * 50_000, b'{"state": "\\ud800"}', b'{"state": {"a": [1]}}'):
        doors.publish(status_topic(SITE, BAD), payload)

    named = sum(1 for _, _, names in corpus if names)
    answers: dict[str, str] = {}
    refused_broken = 0
    want_good = {s.event_id for s in good}

    def collect(expect_good: set[str], expect_broken: int) -> bool:
        nonlocal refused_broken
        while True:
            try:
                message = doors.next(timeout=0.2)
            except Exception:
                break
            answer = parse_answer(message.payload)
            if message.topic.endswith(GOOD):
                answers[answer.re] = answer.result
            else:
                assert answer.result == "refused", answer
                refused_broken += 1
        return expect_good <= set(answers) and refused_broken >= expect_broken

    wait_until(lambda: collect(want_good, named), 60, "every read answered")
    assert {answers[e] for e in want_good} == {"ok"}

    # after the corpus, and after a restart: every good read answered, the broker's window free
    gateway.stop()
    gateway.start()
    after = [good_read(depot, "2026PZ2", 3, len(good) + 1 + i) for i in range(120)]
    for scan in after:
        doors.publish(scan_topic(SITE, GOOD), scan.to_json())
    wait_until(lambda: collect({s.event_id for s in after}, named), 60, "reads after the corpus")
    assert {answers[s.event_id] for s in after} == {"ok"}

    with server.login() as client:

        def booked(batch: str) -> int:
            rows = client.get("/api/v1/stock", params={"batch": batch}).json()["rows"]
            return sum(r["qty"] for r in rows)

        wait_until(lambda: booked("2026PZ2") == 3 * len(after), 60, "reads reach the ledger")
        assert booked("2026PZ1") == 2 * len(good)  # exactly once each
        assert booked("POISON") == 0

    with sqlite3.connect(gateway.database) as db:
        kept = db.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        counted = db.execute(
            "SELECT sum(broken) FROM quarantine_minutes WHERE device = ?", (BAD,)
        ).fetchone()[0]
    assert counted == len(corpus)  # every broken message counted against its device
    assert 0 < kept <= len(corpus)


def test_a_flood_of_broken_messages_is_counted_and_only_some_kept_and_answered(
    depot: Depot, server: ServerProcess, gateway: GatewayProcess, doors: MqttTestClient
) -> None:
    template = _template(depot)
    flood = 2_000
    for i in range(flood):
        doc = {**template, "event_id": new_event_id(), "seq": -i - 1}
        doors.client.publish(scan_topic(SITE, BAD), json.dumps(doc).encode(), qos=1)
    scan = good_read(depot, "2026PZ3", 1, 1)
    doors.publish(scan_topic(SITE, GOOD), scan.to_json())
    refused = 0

    def good_answered() -> bool:  # it comes after every refusal published before it
        nonlocal refused
        while True:
            try:
                message = doors.next(timeout=0.2)
            except Exception:
                return False
            if message.topic.endswith(GOOD):
                return parse_answer(message.payload).re == scan.event_id
            refused += 1

    wait_until(good_answered, 60, "the good read answered after the flood")
    assert ANSWER_BURST <= refused < flood  # the device's rate, not its flood, is answered
    with sqlite3.connect(gateway.database) as db:

        def counted() -> int:
            return db.execute(
                "SELECT coalesce(sum(broken), 0) FROM quarantine_minutes WHERE device = ?",
                (BAD,),
            ).fetchone()[0]

        wait_until(lambda: counted() == flood, 10, "every broken message counted")
        kept = db.execute("SELECT count(*) FROM quarantine WHERE device = ?", (BAD,)).fetchone()[0]
        broken = db.execute(
            "SELECT sum(broken), sum(kept) FROM quarantine_minutes WHERE device = ?", (BAD,)
        ).fetchone()
    assert broken[0] == flood and broken[1] == kept
    assert KEEP_BURST <= kept < flood / 4  # the device's rate, not its flood, is kept

    # the gateway reports it; the supervisors' doors page shows the device flooding
    with server.login() as client:

        def shown() -> bool:  # the gateway reports every second: the counts catch up
            page = client.get("/doors").text
            return f'data-device="{BAD}"' in page and f'data-broken="{flood}"' in page

        wait_until(shown, 30, "the doors page to show every broken message of the device")
        page = client.get("/doors").text
    assert 'class="broken bad"' in page and "刷屏" in page  # and that it floods


def test_the_gateway_exits_when_its_intake_stops(
    tmp_path: Path, depot: Depot, server: ServerProcess, broker: Mosquitto
) -> None:
    """Were the intake ever to stop on an error nothing expected, the process must exit with
    an error (its service manager restarts it) rather than live on answering nothing. The
    fault is planted from outside the code: a sitecustomize that makes the intake's writer
    raise a BaseException when a read names a marked batch."""
    plant = tmp_path / "plant"
    plant.mkdir()
    (plant / "sitecustomize.py").write_text(
        "import gateway.services.reads as s\n"
        "_take = s.take_reads\n"
        "def take_reads(store, reads, *a, **k):\n"
        "    if any(r[0].data.batch == 'BOOM' for r in reads):\n"
        "        raise SystemExit('planted')\n"
        "    return _take(store, reads, *a, **k)\n"
        "s.take_reads = take_reads\n"
    )
    path = os.pathsep.join([str(plant), *sys.path])
    gateway = GatewayProcess(
        tmp_path / "gateway", broker.port, server.url, depot.gateway_token, env={"PYTHONPATH": path}
    ).start()
    try:
        client = MqttTestClient(broker.port)
        client.publish(scan_topic(SITE, GOOD), good_read(depot, "BOOM", 1, 1).to_json())
        popen = gateway.proc.popen
        assert popen is not None
        wait_until(lambda: popen.poll() is not None, 30, "the gateway to exit")
        assert popen.returncode not in (0, -signal.SIGKILL)
        assert "the intake stopped" in gateway.proc.log()
        client.close()
    finally:
        gateway.stop()
