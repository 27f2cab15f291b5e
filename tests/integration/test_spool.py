"""The station spool and the gateway store on real SQLite files."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from edge.clock import new_event_id, now_iso
from edge.station import spool as spool_module
from edge.station.spool import Spool
from gateway.domain.floor import FloorView
from gateway.domain.workflows.common import Outcome
from gateway.services.reads import take_read
from gateway.storage.store import GatewayStore
from kernel.contract import Answer, ScanMessage
from kernel.floor_events import Envelope, Receiving


def build(seq: int) -> tuple[str, bytes]:
    event_id = new_event_id()
    return event_id, json.dumps({"event_id": event_id, "seq": seq}).encode()


def test_sequence_numbers_rise_across_reopening(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite")
    first = [spool.record(build).seq for _ in range(3)]
    spool.close()
    spool = Spool(tmp_path / "spool.sqlite")
    assert first == [1, 2, 3]
    assert spool.record(build).seq == 4
    assert spool.depth() == 4


def test_a_read_stays_until_its_answer(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite")
    read = spool.record(build)
    assert [r.event_id for r in spool.due(resend_after=60)] == [read.event_id]
    spool.mark_sent(read.event_id)
    assert spool.due(resend_after=60) == []  # sent, not yet due again
    assert [r.event_id for r in spool.due(resend_after=0)] == [read.event_id]
    spool.forget_sent()
    assert [r.attempts for r in spool.due(resend_after=60)] == [1]
    assert spool.acknowledge(read.event_id) is True
    assert spool.acknowledge(read.event_id) is False  # a second answer changes nothing
    assert spool.depth() == 0


def test_concurrent_readers_never_share_a_sequence_number(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool.sqlite")
    seqs: list[int] = []
    lock = threading.Lock()

    def scan_many() -> None:
        for _ in range(50):
            seq = spool.record(build).seq
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=scan_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 201))


def scan(seq: int = 1) -> ScanMessage:
    return ScanMessage(
        new_event_id(), "LC01", "LC01-D01-FIX1", seq, now_iso(), "serial", b"x", True, door="D01"
    )


def decide_with_event(book: FloorView, message: ScanMessage, now: float) -> Outcome:
    answer = Answer(message.event_id, "ok", "好", "ok", "ok")
    event = Receiving(
        envelope=Envelope("e-" + message.event_id), location="D01", gtin=None, batch="B1", qty=1
    )
    return Outcome(answer, [event])


def test_a_read_and_its_event_are_kept_once(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    message = scan()
    first = take_read(store, message, message.to_json(), decide_with_event)
    second = take_read(store, message, message.to_json(), decide_with_event)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.answer == first.answer
    assert store.read_count() == 1 and store.stats().pending == 1


def test_a_failing_decision_leaves_only_its_refusal_behind(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)

    def broken(book: FloorView, message: ScanMessage, now: float) -> Outcome:
        raise RuntimeError("disk on fire")

    message = scan()
    taken = take_read(store, message, message.to_json(), broken)
    assert taken.answer.result == "refused" and "RuntimeError" in taken.answer.text_en
    assert store.read_count() == 1 and store.stats().pending == 0  # no event, only the answer
    again = take_read(store, message, message.to_json(), decide_with_event)
    assert again.duplicate and again.answer == taken.answer  # a resend is told the same


def test_outbox_verdicts(tmp_path: Path) -> None:
    store = GatewayStore(tmp_path / "gateway.sqlite", time.time)
    messages = [scan(n) for n in range(1, 4)]
    for m in messages:
        take_read(store, m, m.to_json(), decide_with_event)
    due = store.due(10)
    assert [r.payload["event_id"] for r in due] == ["e-" + m.event_id for m in messages]
    store.defer([due[2].event_id], delay=60, error="server down")
    store.settle(
        {due[0].event_id: ("accepted", None), due[1].event_id: ("rejected", "unknown_gtin: ...")}
    )
    stats = store.stats()
    assert (stats.pending, stats.sent, stats.rejected) == (1, 1, 1)
    assert store.due(10) == []  # the deferred one waits for its next try


def test_encode_outcomes_are_kept_across_reopening_within_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool_module, "KEEP_ENCODED", 3)
    spool = Spool(tmp_path / "spool.sqlite")
    for n in range(5):
        spool.keep_encoded(f"r{n}", b'{"n": %d}' % n)
    spool.close()
    spool = Spool(tmp_path / "spool.sqlite")
    assert [spool.encoded(f"r{n}") for n in range(5)] == [
        None,
        None,
        b'{"n": 2}',
        b'{"n": 3}',
        b'{"n": 4}',
    ]
    monkeypatch.setattr(time, "time", lambda: 1e10)  # a year and more later: all too old
    spool.keep_encoded("r5", b"{}")
    assert spool.encoded("r4") is None and spool.encoded("r5") == b"{}"
    spool.close()
