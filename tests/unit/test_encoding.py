"""Encode requests and outcomes (kernel/encoding.py) and a station device's encode desk."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.readers.llrp_encode import EncodeResult
from edge.station.encoding import QUEUE, EncodeDesk
from edge.station.spool import Spool
from harness.procs import wait_until
from kernel.contract import ContractError, parse_answer
from kernel.encoding import (
    REASONS,
    EncodeRequest,
    encoded_topic,
    is_encode_request,
    outcome,
    parse_encode_outcome,
    parse_encode_request,
)

RID = "0b6f7c3e-51a4-4c1e-9a63-0d8c2f4b7e11"
NEW = "3035A537C8377540000007D2"
OLD = "E2801160600002054E3D0000"


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).astimezone().isoformat()


def request(**doc: object) -> bytes:
    """An encode request expiring five minutes from when it is made (not from when the
    tests were collected: a long run would find it expired)."""
    base: dict[str, object] = {"v": 1, "kind": "encode", "id": RID, "epc": NEW}
    return json.dumps({"expires": in_seconds(300), **base, **doc}).encode()


def test_an_encode_request_is_read_with_its_defaults() -> None:
    soon = in_seconds(300)
    got = parse_encode_request(request(epc=NEW.lower(), expires=soon))
    assert got == EncodeRequest(RID, NEW, soon, None, 0)
    assert parse_encode_request(got.to_json()) == got
    assert parse_encode_request(request(current=OLD, password=7)).current == OLD


@pytest.mark.parametrize(
    "doc",
    [
        {"id": "r1"},
        {"epc": "ABC"},
        {"epc": "0" * 128},
        {"epc": 12},
        {"current": "XYZW"},
        {"password": -1},
        {"password": 2**32},
        {"password": True},
        {"v": 2},
        {"expires": None},
        {"expires": "2026-12-02T10:00:00"},  # no offset: whose ten o'clock?
        {"expires": "soon"},
    ],
)
def test_an_encode_request_out_of_bounds_is_refused(doc: dict[str, object]) -> None:
    with pytest.raises(ContractError):
        parse_encode_request(request(**doc))


def test_encode_requests_and_answers_share_the_command_topic() -> None:
    assert is_encode_request(request())
    assert not is_encode_request(b'{"v":1,"re":"x","result":"ok"}')
    assert not is_encode_request(b"\xff" * 5000)
    with pytest.raises(ContractError):  # a station of before ignores it as no answer
        parse_answer(request())
    assert encoded_topic("LC01", "D1") == "wh/v1/LC01/encoded/D1"


def test_an_outcome_speaks_chinese_first_and_reads_back() -> None:
    req = parse_encode_request(request(current=OLD))
    done = outcome(req, "D1", "2026-12-02T10:00:00+08:00", True, True, None, OLD)
    failed = outcome(req, "D1", "2026-12-02T10:00:00+08:00", False, False, "no_tag", OLD)
    odd = outcome(req, "D1", "2026-12-02T10:00:00+08:00", False, False, "reader_refused: x", OLD)
    assert done.text_zh == "标签已写入并核实"
    assert (failed.text_zh, failed.text_en) == REASONS["no_tag"]
    assert odd.text_zh == REASONS["reader_refused"][0]
    assert parse_encode_outcome(failed.to_json()) == failed


def test_an_outcome_can_say_written_is_not_known() -> None:
    req = parse_encode_request(request(current=OLD))
    said = outcome(req, "D1", "2026-12-02T10:00:00+08:00", None, False, "write_unconfirmed", OLD)
    assert b'"written":null' in said.to_json()
    assert parse_encode_outcome(said.to_json()).written is None
    assert said.text_zh == REASONS["write_unconfirmed"][0]
    with pytest.raises(ContractError):
        parse_encode_outcome(said.to_json().replace(b'"written":null', b'"written":"yes"'))


def test_a_reason_with_a_control_character_still_reads_back() -> None:
    req = parse_encode_request(request(current=OLD))
    said = outcome(req, "D1", "2026-12-02T10:00:00+08:00", False, False, "x: a\x07b\n", OLD)
    assert parse_encode_outcome(said.to_json()) == said
    assert said.reason == "x: a\ufffdb\ufffd"


def test_a_partial_write_names_the_words_and_the_epc_the_tag_now_holds() -> None:
    req = parse_encode_request(request(current=OLD))
    mixed = NEW[:8] + OLD[8:]
    said = outcome(
        req,
        "D1",
        "2026-12-02T10:00:00+08:00",
        False,
        False,
        "partial_write: no_response",
        OLD,
        2,
        mixed,
    )
    assert said.text_zh == REASONS["partial_write"][0]
    back = parse_encode_outcome(said.to_json())
    assert back == said and (back.words_written, back.tag_epc) == (2, mixed)


class Blocking:
    """A reader whose encode waits until the test lets it go."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str, int]] = []
        self.go = threading.Event()

    def encode(self, current: str | None, new: str, password: int = 0) -> EncodeResult:
        self.calls.append((current, new, password))
        self.go.wait(5)
        return EncodeResult(True, True, None, new, current or OLD)


@dataclass
class Published:
    payloads: list[bytes]
    changed: threading.Condition

    def __call__(self, payload: bytes) -> None:
        with self.changed:
            self.payloads.append(payload)
            self.changed.notify_all()

    def wait(self, count: int) -> list[dict[str, object]]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.payloads) >= count, 5)
            return [json.loads(p) for p in self.payloads]


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    kept = Spool(tmp_path / "D1.sqlite")
    yield kept
    kept.close()


def desk(reader: object, spool: Spool) -> tuple[EncodeDesk, Published]:
    published = Published([], threading.Condition())
    one = EncodeDesk("D1", reader, published, spool)
    one.start()
    return one, published


def test_a_reader_that_cannot_encode_says_so(spool: Spool) -> None:
    one, published = desk(object(), spool)
    one.take(request())
    (answer,) = published.wait(1)
    assert (answer["re"], answer["written"], answer["reason"]) == (RID, False, "cannot_encode")
    one.stop()


def test_a_request_repeated_gets_its_outcome_again_without_a_second_write(spool: Spool) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    one.take(request())
    one.take(request())  # delivered twice while running: started once
    reader.go.set()
    published.wait(1)
    one.take(request())  # asked again later: the same outcome
    first, again = published.wait(2)
    assert first == again and first["verified"] is True
    assert reader.calls == [(None, NEW, 0)]
    one.stop()


def test_a_full_desk_answers_busy(spool: Spool) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    ids = [str(uuid.uuid4()) for _ in range(QUEUE + 2)]
    for rid in ids:
        one.take(request(id=rid))
    answers = published.wait(1)
    assert answers[0]["reason"] == "busy" and answers[0]["re"] in ids[-2:]
    reader.go.set()
    assert len(published.wait(QUEUE + 2)) == QUEUE + 2
    one.stop()


def test_a_refused_request_is_answered_by_its_id(spool: Spool) -> None:
    one, published = desk(Blocking(), spool)
    one.take(request(epc="nope"))
    one.take(b'{"kind": "encode", "v": 1}')  # no id: nothing to answer to
    (answer,) = published.wait(1)
    assert (answer["re"], answer["reason"], answer["epc"]) == (RID, "bad_request", None)
    one.stop()


def test_a_request_repeated_after_a_restart_gets_its_kept_outcome(tmp_path: Path) -> None:
    reader = Blocking()
    reader.go.set()
    first_spool = Spool(tmp_path / "D1.sqlite")
    one, published = desk(reader, first_spool)
    one.take(request())
    (first,) = published.wait(1)
    one.stop()
    first_spool.close()

    again_spool = Spool(tmp_path / "D1.sqlite")  # the station restarted
    two, again = desk(reader, again_spool)
    two.take(request())
    (second,) = again.wait(1)
    two.stop()
    again_spool.close()

    assert second == first and reader.calls == [(None, NEW, 0)]


def test_a_request_whose_station_stopped_during_the_write_is_answered_unconfirmed(
    spool: Spool,
) -> None:
    reader = Blocking()  # never let go: the station stops in the middle
    one, _ = desk(reader, spool)
    one.take(request())
    wait_until(lambda: bool(reader.calls), 5, "the encode started")

    after, published = desk(Blocking(), spool)  # the restarted station, same spool
    after.take(request())
    (answer,) = published.wait(1)
    reader.go.set()
    one.stop()
    after.stop()

    assert (answer["written"], answer["verified"]) == (None, False)
    assert str(answer["reason"]).startswith("write_unconfirmed")


@pytest.mark.parametrize(
    ("seconds", "reason"),
    [(-1, "expired"), (3600, "bad_request: expires more than 600 s ahead")],
)
def test_a_request_past_its_expiry_or_too_far_ahead_is_not_written(
    spool: Spool, seconds: int, reason: str
) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    one.take(request(expires=in_seconds(seconds)))
    (answer,) = published.wait(1)
    one.stop()
    assert (answer["written"], answer["reason"]) == (False, reason) and reader.calls == []


def test_a_request_that_expires_while_it_waits_is_not_written(spool: Spool) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    one.take(request(id=str(uuid.uuid4())))  # holds the reader
    wait_until(lambda: bool(reader.calls), 5, "the first encode started")
    expires = in_seconds(0.3)
    one.take(request(expires=expires))
    moment = datetime.fromisoformat(expires)  # past its expiry while the first one writes
    wait_until(lambda: datetime.now(UTC) > moment, 5, "the request's expiry")
    reader.go.set()
    answers = published.wait(2)
    one.stop()
    assert [a["reason"] for a in answers if a["re"] == RID] == ["expired"]
    assert len(reader.calls) == 1


def test_a_stop_with_a_full_queue_lets_the_running_encode_finish_and_runs_no_other(
    spool: Spool,
) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    ids = [str(uuid.uuid4()) for _ in range(QUEUE + 1)]
    for rid in ids:
        one.take(request(id=rid))
    wait_until(lambda: bool(reader.calls), 5, "the first encode started")
    stopper = threading.Thread(target=one.stop)
    stopper.start()
    waiting = published.wait(QUEUE)  # the ones waiting are answered busy at once
    reader.go.set()
    stopper.join(10)

    answers = published.wait(QUEUE + 1)
    assert not stopper.is_alive() and len(reader.calls) == 1
    assert {a["re"] for a in waiting} == set(ids[1:]) and {a["reason"] for a in waiting} == {"busy"}
    assert [a["verified"] for a in answers if a["re"] == ids[0]] == [True]


def test_a_malformed_message_with_a_running_requests_id_gets_no_outcome_of_its_own(
    spool: Spool,
) -> None:
    reader = Blocking()
    one, published = desk(reader, spool)
    one.take(request())
    wait_until(lambda: bool(reader.calls), 5, "the encode started")
    one.take(request(epc="nope"))  # the same id, garbled
    reader.go.set()
    published.wait(1)
    one.take(request(epc="nope"))  # and again once it is done
    one.stop()
    assert [(a["re"], a["reason"]) for a in published.wait(1)] == [(RID, None)]
