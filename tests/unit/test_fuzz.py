"""Property tests: the station's and gateway's parsers survive whatever arrives."""

from __future__ import annotations

import json
from datetime import UTC, date, timedelta, timezone
from itertools import pairwise
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from demo.exampledata import gs1_check_digit
from edge.decode import decode_barcode
from edge.decode.framing import Frame, Framer
from kernel.bounds import MAX_QTY
from kernel.contract import (
    SOURCES,
    Answer,
    ContractError,
    RfidInfo,
    ScanData,
    ScanMessage,
    parse_answer,
    parse_scan,
)

FUZZ = settings(max_examples=300, deadline=None, database=None)
GS = "\x1d"
GTIN = "06901234567892"
CST = timezone(timedelta(hours=8))

# -- decode_barcode -------------------------------------------------------------------------

AIS = ["00", "01", "02", "10", "11", "17", "21", "30", "37", "414", "99", "8200", "3103"]
gs1_like_text = st.builds(
    lambda aim, parts: aim + "".join(parts),
    st.sampled_from(["", "]C1", "]d2", "]Q3", "]e0", "]A0", "]E0"]),
    st.lists(
        st.builds(
            lambda ai, value, sep: ai + value + sep,
            st.sampled_from(AIS),
            st.text(alphabet="0123456789ABCab-/", max_size=22),
            st.sampled_from(["", GS]),
        ),
        max_size=5,
    ),
)


def _check_decoded(raw: bytes) -> None:
    decoded = decode_barcode(raw)
    if decoded.valid:
        assert decoded.error is None
        data = decoded.data
        assert data.kind in ("gs1", "location")
        if data.kind == "location":
            assert data.location
        else:
            assert data.gtin or data.sscc
            for key in (data.gtin, data.sscc):
                if key is not None:
                    assert key.isdigit()
                    assert key[-1] == gs1_check_digit(key[:-1])
            if data.qty is not None:
                assert isinstance(data.qty, int)
    else:
        assert isinstance(decoded.error, str)
        assert decoded.error


@FUZZ
@given(st.binary(max_size=200))
def test_decode_arbitrary_bytes(raw: bytes) -> None:
    _check_decoded(raw)


@FUZZ
@given(gs1_like_text)
@example("]C130")  # a read cut off right after the AI of a count
@example(f"01{GTIN}30")
def test_decode_gs1_like_text(text: str) -> None:
    _check_decoded(text.encode("ascii"))


@FUZZ
@given(
    body=st.from_regex(r"\A069[0-9]{10}\Z"),
    batch=st.from_regex(r"\A[A-Z0-9-]{1,20}\Z"),
    prod=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    qty=st.integers(min_value=1, max_value=MAX_QTY),
    aim=st.sampled_from(["]C1", ""]),
)
def test_decode_any_valid_label(body: str, batch: str, prod: date, qty: int, aim: str) -> None:
    gtin = body + gs1_check_digit(body)
    raw = f"{aim}01{gtin}10{batch}{GS}11{prod:%y%m%d}30{qty}".encode("ascii")
    decoded = decode_barcode(raw)
    assert decoded.valid is True
    assert decoded.data == ScanData(
        kind="gs1", gtin=gtin, batch=batch, prod_date=prod.isoformat(), qty=qty
    )


@FUZZ
@given(qty=st.integers(min_value=MAX_QTY + 1, max_value=99_999_999) | st.just(0))
def test_a_count_no_read_may_carry_is_an_invalid_read(qty: int) -> None:
    raw = f"01{GTIN}10B1{GS}30{qty}".encode("ascii")
    decoded = decode_barcode(raw)
    assert (decoded.valid, decoded.error) == (False, "gs1_bad_count")


# -- Framer ---------------------------------------------------------------------------------

suffixes = st.sampled_from([b"\r", b"\r\n", b"\n", b"\x03", b"\x1d"])
prefixes = st.sampled_from([b"", b"\x02", b"]"])


def _feed(framer: Framer, chunks: list[bytes]) -> list[Frame]:
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(framer.feed(chunk))
    return frames


def _split(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(stream), *(c % (len(stream) + 1) for c in cuts)})
    return [stream[a:b] for a, b in pairwise(points)]


@FUZZ
@given(
    chunks=st.lists(st.binary(max_size=40), max_size=20),
    suffix=suffixes,
    prefix=prefixes,
    max_frame=st.integers(min_value=1, max_value=48),
)
def test_framer_on_arbitrary_chunks(
    chunks: list[bytes], suffix: bytes, prefix: bytes, max_frame: int
) -> None:
    framer = Framer(suffix=suffix, prefix=prefix, max_frame=max_frame)
    for frame in _feed(framer, chunks):
        assert frame.data
        assert len(frame.data) <= max_frame
        assert frame.error in (None, "too_long")


@FUZZ
@given(
    reads=st.lists(st.binary(min_size=1, max_size=30), max_size=8),
    cuts=st.lists(st.integers(min_value=0), max_size=10),
    suffix=suffixes,
    prefix=prefixes,
)
def test_framer_returns_the_reads_however_they_are_chunked(
    reads: list[bytes], cuts: list[int], suffix: bytes, prefix: bytes
) -> None:
    # Reads that contain no suffix or line-ending bytes and fit the limit come back exactly.
    noise = set(suffix) | {0x0A, 0x0D}
    reads = [r for r in (bytes(b for b in read if b not in noise) for read in reads) if r]
    stream = b"".join(prefix + read + suffix for read in reads)
    framer = Framer(suffix=suffix, prefix=prefix, max_frame=32)
    frames = _feed(framer, _split(stream, cuts))
    assert frames == [Frame(read) for read in reads]


@FUZZ
@given(
    stream=st.binary(max_size=200),
    cuts=st.lists(st.integers(min_value=0), max_size=12),
    suffix=suffixes,
    prefix=prefixes,
)
def test_framer_chunking_does_not_change_reads_without_overflow(
    stream: bytes, cuts: list[int], suffix: bytes, prefix: bytes
) -> None:
    whole = Framer(suffix=suffix, prefix=prefix, max_frame=64).feed(stream)
    chunked = _feed(Framer(suffix=suffix, prefix=prefix, max_frame=64), _split(stream, cuts))
    if all(f.error is None for f in whole + chunked):
        assert chunked == whole
        # Every read is a piece of the stream that ends right before a suffix, in stream order.
        position = 0
        for frame in chunked:
            found = stream.find(frame.data + suffix, position)
            assert found >= 0
            position = found + len(frame.data) + len(suffix)


# -- parse_scan and parse_answer ------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

SCAN_KEYS = [
    "v",
    "event_id",
    "site",
    "device",
    "door",
    "seq",
    "ts",
    "source",
    "symbology",
    "raw_b64",
    "valid",
    "error",
    "data",
    "rfid",
]
VALID_SCAN = ScanMessage(
    event_id="01936b2e-7c41-7def-8a3b-2f0c4d5e6f70",
    site="LC01",
    device="D1",
    seq=1,
    ts="2026-11-23T09:14:03+08:00",
    source="serial",
    raw=b"01\x1d",
    valid=True,
    data=ScanData(kind="gs1", gtin=GTIN, qty=1),
    rfid=RfidInfo(antenna=1),
)


def _scan_or_contract_error(payload: bytes) -> None:
    try:
        message = parse_scan(payload)
    except ContractError:
        return
    assert isinstance(message, ScanMessage)
    assert message.source in SOURCES
    assert isinstance(message.raw, bytes)
    assert isinstance(message.seq, int) and not isinstance(message.seq, bool)


def _answer_or_contract_error(payload: bytes) -> None:
    try:
        answer = parse_answer(payload)
    except ContractError:
        return
    assert isinstance(answer, Answer)
    assert answer.result in ("ok", "refused", "duplicate")
    assert answer.beep in ("ok", "warn", "error")


@FUZZ
@given(st.binary(max_size=300))
def test_parse_scan_on_arbitrary_bytes(payload: bytes) -> None:
    _scan_or_contract_error(payload)


@FUZZ
@given(json_values)
def test_parse_scan_on_arbitrary_json(value: Any) -> None:
    _scan_or_contract_error(json.dumps(value).encode())


@FUZZ
@given(st.dictionaries(st.sampled_from(SCAN_KEYS), json_values, max_size=4))
def test_parse_scan_on_a_valid_message_with_fields_replaced(changes: dict[str, Any]) -> None:
    doc = json.loads(VALID_SCAN.to_json())
    doc.update(changes)
    _scan_or_contract_error(json.dumps(doc).encode())


names = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,20}\Z")
clean = st.characters(exclude_categories=("Cc", "Cs"))
optional_text = st.none() | st.text(clean, max_size=12)
optional_name = st.none() | names


@FUZZ
@given(
    st.builds(
        ScanMessage,
        event_id=st.uuids().map(str),
        site=names,
        device=names,
        seq=st.integers(min_value=0, max_value=2**53),
        ts=st.datetimes(timezones=st.sampled_from([UTC, CST])).map(lambda t: t.isoformat()),
        source=st.sampled_from(SOURCES),
        raw=st.binary(max_size=100),
        valid=st.booleans(),
        data=st.builds(
            ScanData,
            kind=st.sampled_from(["gs1", "epc", "location", "unknown"]),
            gtin=optional_text,
            batch=optional_text,
            qty=st.none() | st.integers(min_value=1, max_value=MAX_QTY),
        ),
        door=optional_name,
        symbology=st.none() | st.text(clean, max_size=8),
        error=optional_text,
        rfid=st.none()
        | st.builds(
            RfidInfo,
            antenna=st.none() | st.integers(0, 8),
            rssi=st.none() | st.floats(-120, 0),
            reads=st.integers(1, 1000),
        ),
    )
)
def test_scan_message_round_trip(message: ScanMessage) -> None:
    assert parse_scan(message.to_json()) == message


@FUZZ
@given(st.binary(max_size=300))
def test_parse_answer_on_arbitrary_bytes(payload: bytes) -> None:
    _answer_or_contract_error(payload)


@FUZZ
@given(json_values)
def test_parse_answer_on_arbitrary_json(value: Any) -> None:
    _answer_or_contract_error(json.dumps(value).encode())


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["v", "re", "result", "text_zh", "text_en", "beep", "task"]),
        json_values,
        max_size=4,
    )
)
def test_parse_answer_on_a_valid_answer_with_fields_replaced(changes: dict[str, Any]) -> None:
    doc = json.loads(Answer("e-1", "ok", "好", "ok", "ok").to_json())
    doc.update(changes)
    _answer_or_contract_error(json.dumps(doc).encode())
