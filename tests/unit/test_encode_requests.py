"""Tags encoded through a door's LLRP reader, in the gateway's book: a printed label's request
is sent to its reader (again under the same id while no outcome comes), an outcome settles it
only from that reader, a verified one registers the tag, a failed one waits for the operator
and is asked again under a new id."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from unit.test_received_labels import wanted

from gateway.domain.labels import epc_uri
from gateway.services.encoding import EncodeSender, expires_at, expiry_text, take_outcomes
from gateway.storage import encode_requests, print_queue, received_labels
from gateway.storage.book import Book
from gateway.storage.received_labels import READER, DoorPrinter, ReceivingLabels
from gateway.storage.store import GatewayStore
from kernel.encoding import EncodeOutcome, outcome, parse_encode_request

READER_ID = "LC01-D02-ENC1"
PLAN = ReceivingLabels("6901234", 3, {"D01": DoorPrinter("P-D01", READER, READER_ID)}, "LC01")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[GatewayStore]:
    book = GatewayStore(tmp_path / "gateway.db", clock)
    yield book
    book.close()


def printed(store: GatewayStore) -> print_queue.Job:
    """A unit received at D01 and its label printed (the printer has no encoder)."""
    with store.transaction() as db:
        received_labels.queue(db, PLAN, wanted(), 1.0)
        (job,) = print_queue.jobs(db)
        print_queue.printed(db, job.id, 2.0)
        received_labels.printed(db, Book(db), job, 2.0)
        received_labels.printed(db, Book(db), job, 3.0)  # printed again: asked once
    return job


def answer(
    request_id: str,
    epc: str,
    written: bool = True,
    reason: str | None = None,
    previous: str = "E2801160600002054E3D0000",
) -> EncodeOutcome:
    request = parse_encode_request(
        f'{{"v":1,"kind":"encode","id":"{request_id}","epc":"{epc}",'
        f'"expires":"2026-12-02T09:01:00+08:00"}}'.encode()
    )
    return outcome(request, READER_ID, "2026-12-02T09:00:00+08:00", written, written, reason,
                   previous)  # fmt: skip


def failed_once(
    store: GatewayStore, reason: str
) -> tuple[print_queue.Job, list[bytes], EncodeSender]:
    """A printed label's first encode request sent and failed with `reason`."""
    job = printed(store)
    sent: list[bytes] = []
    sender = EncodeSender(store, "LC01", lambda t, p: sent.append(p) is None)
    sender.run_once()
    failure = answer(parse_encode_request(sent[0]).id, str(job.label.epc_hex), False, reason)
    assert take_outcomes(store, [(READER_ID, failure)]) == 0
    return job, sent, sender


def test_a_printed_labels_tag_is_asked_of_its_reader_until_it_answers(
    store: GatewayStore, clock: Clock
) -> None:
    job = printed(store)
    sent: list[tuple[str, bytes]] = []
    sender = EncodeSender(store, "LC01", lambda t, p: sent.append((t, p)) is None, resend_after=30)
    assert sender.run_once() == 1 and sender.run_once() == 0
    topic, payload = sent[0]
    request = parse_encode_request(payload)
    assert topic == f"wh/v1/LC01/cmd/{READER_ID}"
    assert (request.epc, request.current) == (job.label.epc_hex, None)
    assert request.id == encode_requests.request_id(job.label.sscc, 1)
    assert request.expires == expiry_text(expires_at(clock.now))
    clock.now += 31  # no outcome: the same request again (the station does not write twice)
    again = parse_encode_request(sent[1][1]) if sender.run_once() == 1 else None
    assert again is not None and (again.id, again.epc) == (request.id, request.epc)
    assert again.expires == request.expires  # the same life: a later blank tag is not its

    epc = str(job.label.epc_hex)
    assert take_outcomes(store, [("LC01-D01-ENC9", answer(request.id, epc))]) == 0  # not its reader
    assert take_outcomes(store, [(READER_ID, answer(request.id, epc))]) == 1
    assert take_outcomes(store, [(READER_ID, answer(request.id, epc))]) == 0  # a repeat
    with store.transaction() as db:
        tagged = Book(db).tagged(epc_uri(epc))
        assert tagged is not None and (tagged.item, tagged.state) == ("CQ-0001", "received")
    clock.now += 60
    assert sender.run_once() == 0  # settled: never sent again


def test_a_failed_encode_waits_for_the_operator_and_goes_again_under_a_new_id(
    store: GatewayStore,
) -> None:
    job, sent, sender = failed_once(store, "insufficient_power")
    first = parse_encode_request(sent[0])
    epc = str(job.label.epc_hex)
    with store.transaction() as db:
        (failed,) = encode_requests.failed(db)
        assert (failed["device"], failed["sscc"], failed["reason"]) == (
            READER_ID, job.label.sscc, "insufficient_power",
        )  # fmt: skip
        assert str(failed["zh"]).startswith("功率不足") and Book(db).tagged(epc_uri(epc)) is None
    assert sender.run_once() == 0  # waits for the operator
    with store.transaction() as db:
        assert encode_requests.retry(db, job.id) and not encode_requests.retry(db, job.id)
    sender.run_once()
    second = parse_encode_request(sent[1])
    assert second.id == encode_requests.request_id(job.label.sscc, 2) != first.id
    assert take_outcomes(store, [(READER_ID, answer(first.id, epc))]) == 0  # the old attempt's
    assert take_outcomes(store, [(READER_ID, answer(second.id, epc))]) == 1
    with store.transaction() as db:
        assert encode_requests.failed(db) == []


def test_a_sender_off_the_broker_sends_nothing_and_marks_nothing(store: GatewayStore) -> None:
    printed(store)
    assert EncodeSender(store, "LC01", lambda t, p: False).run_once() == 0
    with store.transaction() as db:
        assert len(encode_requests.due(db, time.time(), 30)) == 1


@pytest.mark.parametrize("reason", ["same_epc", "epc_in_field"])
def test_a_retry_finding_the_tag_already_written_is_verified(
    store: GatewayStore, reason: str
) -> None:
    job, sent, sender = failed_once(store, "write_unconfirmed")  # the write's answer lost
    epc = str(job.label.epc_hex)
    with store.transaction() as db:
        assert encode_requests.retry(db, job.id)
    sender.run_once()
    second = parse_encode_request(sent[1])
    there = answer(second.id, epc, written=False, reason=reason, previous=epc)
    assert take_outcomes(store, [(READER_ID, there)]) == 1  # the tag carries it: registered
    with store.transaction() as db:
        assert encode_requests.failed(db) == [] and Book(db).tagged(epc_uri(epc)) is not None
    other = answer(second.id, "30D5A537C8B2D05E03000099", written=False, reason=reason)
    assert take_outcomes(store, [(READER_ID, other)]) == 0  # settled already


def test_a_request_past_its_expiry_with_no_outcome_fails_for_the_operator(
    store: GatewayStore, clock: Clock
) -> None:
    job = printed(store)
    sent: list[bytes] = []
    sender = EncodeSender(store, "LC01", lambda t, p: sent.append(p) is None, resend_after=30)
    sender.run_once()
    for _ in range(3):  # resent while no outcome comes, each time with its first expiry
        clock.now += 31
        sender.run_once()
    assert {parse_encode_request(p).expires for p in sent} == {expiry_text(1000.0 + 120)}
    clock.now += 31  # 124 s after the first send: past its expiry
    assert sender.run_once() == 0
    with store.transaction() as db:
        (failed,) = encode_requests.failed(db)
    assert (failed["job_id"], failed["reason"]) == (job.id, "expired") and failed["zh"]
    clock.now += 60
    assert sender.run_once() == 0  # never sent again unasked
    epc = str(job.label.epc_hex)  # an encode started just before the expiry still counts
    assert take_outcomes(store, [(READER_ID, answer(parse_encode_request(sent[0]).id, epc))]) == 1
