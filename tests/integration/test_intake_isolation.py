"""The gateway's store on a real SQLite file: a read that fails is refused alone, and the
quarantine stays bounded however much a device sends."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from gateway.domain import quarantine
from gateway.domain.quarantine import Broken, FloodGate, Tally
from gateway.domain.workflows.common import Outcome
from gateway.services.reads import take_read, take_reads
from gateway.storage.book import Book
from gateway.storage.store import GatewayStore
from kernel.contract import Answer, ScanData, ScanMessage


def scan(batch: str) -> ScanMessage:
    return ScanMessage(
        str(uuid.uuid4()), "LC01", "LC01-D01-FIX1", 1, "2026-11-24T09:00:00+08:00", "serial",
        b"x", True, ScanData(kind="gs1", gtin="06901234567892", batch=batch, qty=1),
        door="D01",
    )  # fmt: skip


def deciding(failing: str) -> Any:
    """A decision that writes to the book, and fails (after writing) for one batch."""

    def decide(book: Book, read: ScanMessage, now: float) -> Outcome:
        book.db.execute(
            "INSERT INTO devices (device, state, status, last_seen) VALUES (?, 'online', '{}', ?) "
            "ON CONFLICT (device) DO UPDATE SET last_seen = excluded.last_seen",
            (read.data.batch, now),
        )
        if read.data.batch == failing:
            raise KeyError("a fault in a rule")
        return Outcome(Answer(read.event_id, "ok", "好", "ok", "ok"), [])

    return decide


@pytest.fixture
def store(tmp_path: Path) -> GatewayStore:
    return GatewayStore(tmp_path / "gateway.sqlite", time.time)


def test_a_read_that_fails_is_refused_alone_and_its_neighbours_go_on(
    store: GatewayStore, tmp_path: Path
) -> None:
    reads = [scan(f"B{i}") for i in range(5)]
    results = take_reads(store, [(r, r.to_json()) for r in reads], deciding("B2"))
    assert [r.answer.result for r in results] == ["ok", "ok", "refused", "ok", "ok"]
    assert "KeyError" in results[2].answer.text_en
    with sqlite3.connect(tmp_path / "gateway.sqlite") as db:
        devices = {r[0] for r in db.execute("SELECT device FROM devices")}
        kept = dict(db.execute("SELECT event_id, answer FROM reads"))
    assert devices == {"B0", "B1", "B3", "B4"}  # what the failing read wrote is undone
    assert len(kept) == 5  # the refusal is kept like any answer
    again = take_read(store, reads[2], reads[2].to_json(), deciding("none"))
    assert again.duplicate and again.answer.result == "refused"  # a resend gets it again
    store.close()


def test_the_quarantine_keeps_each_message_once_and_only_the_newest(
    store: GatewayStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quarantine, "MAX_KEPT", 50)
    broken = [
        Broken("wh/v1/LC01/scan/D9", "D9", f"junk {i}".encode() * 1000, "bad", None)
        for i in range(120)
    ]
    for start in range(0, 120, 30):
        take_reads(store, [], deciding("none"), broken[start : start + 30], {"D9": (30, 30)})
    take_reads(store, [], deciding("none"), [broken[-1]] * 3, {"D9": (3, 3)})  # kept once
    take_reads(store, [], deciding("none"), [], {"D9": (1, 0)})  # over its rate: counted
    with sqlite3.connect(tmp_path / "gateway.sqlite") as db:
        kept = [bytes(r[0]) for r in db.execute("SELECT payload FROM quarantine ORDER BY id")]
        sizes = {r[0] for r in db.execute("SELECT size FROM quarantine")}
    assert len(kept) == 50 and kept[-1].startswith(b"junk 119")
    assert all(len(p) <= quarantine.MAX_PAYLOAD for p in kept)
    assert sizes == {len(b.payload) for b in broken[-50:]}  # the size as sent is kept
    counts = store.broken_counts(0)["D9"]
    assert (counts.broken, counts.kept) == (124, 123)
    assert counts.flooding
    store.close()


def test_the_flood_gate_lets_a_burst_through_then_the_rate() -> None:
    gate = FloodGate(rate=5, burst=10)
    assert sum(gate.admit("D1", 100.0) for _ in range(50)) == 10
    assert gate.admit("D2", 100.0)  # another device has its own bucket
    assert sum(gate.admit("D1", 101.0) for _ in range(50)) == 5  # a second later: the rate
    assert sum(gate.admit("D1", 200.0) for _ in range(50)) == 10  # idle: the burst again


def test_the_tally_keeps_and_answers_a_flood_at_the_device_rate_and_counts_it_all() -> None:
    tally = Tally()
    named = Broken("t", "D1", b"x", "bad", "0193a2b4-0000-7000-8000-000000000001")
    nameless = Broken("t", "D2", b"x", "bad", None)
    verdicts = [tally.add(named, 10.0) for _ in range(2_000)]
    assert sum(v.keep for v in verdicts) == quarantine.KEEP_BURST
    assert sum(v.answer for v in verdicts) == quarantine.ANSWER_BURST
    assert not any(tally.add(nameless, 10.0).answer for _ in range(3))  # nobody to answer
    assert tally.due(10.0)  # nothing written yet
    kept, counts = tally.take(10.0)
    assert counts == {"D1": (2_000, 50), "D2": (3, 3)}
    assert len(kept) == 53 and kept[0] is named and kept[-1] is nameless
    assert not tally.due(10.5)  # written just now
    tally.give_back(kept[:1], {"D1": (7, 1)})  # a failed write is not lost
    assert tally.due(11.0) and tally.take(11.0) == ([named], {"D1": (7, 1)})
