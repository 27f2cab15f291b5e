"""Property tests: the station's reader parsers survive whatever a reader sends."""

from __future__ import annotations

import re
from itertools import pairwise

from hypothesis import example, given, settings
from hypothesis import strategies as st

from edge.decode.epc import decode_epc
from edge.decode.keymap import EV_KEY, EVENT, KeyDecoder, type_text
from edge.decode.rfid import DEFAULT_RFID_LINE, LineError, TagRead, TagWindow, parse_line

FUZZ = settings(max_examples=300, deadline=None, database=None)
LINE = re.compile(DEFAULT_RFID_LINE)
HEX = re.compile(r"[0-9A-F]+")
EPCS = ["E2801160600002054CC2096F", "3035A537C8377540000003E9", "3115A537C80000002A000000"]

# -- parse_line -----------------------------------------------------------------------------

rfid_like_lines = st.builds(
    lambda epc, antenna, rssi, space: space + ",".join([epc, *antenna, *rssi]) + space,
    st.text(alphabet="0123456789abcdefABCDEFG", min_size=0, max_size=70),
    st.lists(st.text(alphabet="0123456789", min_size=0, max_size=3), max_size=1),
    st.lists(st.from_regex(r"\A-?[0-9]{0,3}(\.[0-9]{0,2})?\Z"), max_size=2),
    st.sampled_from(["", " ", "\r\n", "\t", "\x00"]),
)


def _read_or_line_error(line: str) -> None:
    try:
        read = parse_line(line, LINE)
    except LineError:
        return
    assert isinstance(read, TagRead)
    assert HEX.fullmatch(read.epc_hex)
    assert 8 <= len(read.epc_hex) <= 64
    assert read.antenna is None or (isinstance(read.antenna, int) and read.antenna >= 0)
    assert read.rssi is None or isinstance(read.rssi, float)
    assert read.at == 0.0
    assert read.count == 1


@FUZZ
@given(st.text(max_size=120))
@example("")
@example("E2801160600002054CC2096F,٣")  # an Arabic-Indic digit matches \d
@example("E2801160600002054CC2096F,2,-")
def test_parse_line_on_arbitrary_text(line: str) -> None:
    _read_or_line_error(line)


@FUZZ
@given(rfid_like_lines)
def test_parse_line_on_reader_like_text(line: str) -> None:
    _read_or_line_error(line)


# -- KeyDecoder -----------------------------------------------------------------------------

MAX_LINE = 16


def _key(code: int, value: int, kind: int = EV_KEY) -> bytes:
    return EVENT.pack(0, 0, kind, code, value)


# Key gestures that matter (Enter, shift, ctrl, Ctrl+], letters, digits, repeats) mixed with
# arbitrary single events: other event types, unknown codes, odd values.
gestures = st.sampled_from(
    [
        _key(28, 1),  # Enter
        _key(96, 1),  # keypad Enter
        _key(42, 1),  # shift down
        _key(42, 0),
        _key(29, 1),  # ctrl down
        _key(97, 0),
        _key(27, 1),  # ']' (GS while ctrl is held)
        _key(27, 2),  # ']' repeating
        _key(30, 1) + _key(30, 0),  # 'a'
        _key(30, 2),
        _key(2, 1),  # '1'
        _key(71, 1),  # keypad '7'
        _key(28, 1, kind=4),  # an EV_MSC that is not Enter
    ]
)
any_event = st.builds(
    _key,
    st.integers(0, 0xFFFF),
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([EV_KEY, 0, 3, 4]) | st.integers(0, 0xFFFF),
)
noisy = st.lists(gestures | any_event, max_size=200)
long_typing = st.lists(gestures, min_size=10, max_size=200)  # lists are short otherwise
records = (noisy | long_typing).map(b"".join)
CTRL_BRACE_REPEATED = _key(29, 1) + _key(27, 2) * 3 + _key(28, 1)


def _lines_are_short(data: bytes, max_line: int) -> None:
    decoder = KeyDecoder(max_line=max_line)
    for line in decoder.events(data):
        assert isinstance(line, bytes)
        assert len(line) <= max_line


@FUZZ
@given(st.binary(max_size=24 * 60))
def test_key_decoder_on_arbitrary_bytes(data: bytes) -> None:
    whole = data[: len(data) - len(data) % EVENT.size]
    _lines_are_short(whole, MAX_LINE)
    _lines_are_short(data, MAX_LINE)  # a trailing partial record is left alone


@FUZZ
@given(records, st.integers(min_value=0, max_value=6) | st.integers(min_value=7, max_value=64))
@example(CTRL_BRACE_REPEATED, 2)
def test_key_decoder_on_arbitrary_key_events(data: bytes, max_line: int) -> None:
    _lines_are_short(data, max_line)


@FUZZ
@given(
    st.lists(
        st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\x1d")),
        max_size=5,
    ),
    st.lists(st.integers(min_value=0), max_size=8),
)
def test_typed_text_comes_back_however_the_records_are_split(
    texts: list[str], cuts: list[int]
) -> None:
    data = b"".join(type_text(text) for text in texts)
    count = len(data) // EVENT.size
    points = sorted({0, count, *(c % (count + 1) for c in cuts)})
    decoder = KeyDecoder()
    lines: list[bytes] = []
    for a, b in pairwise(points):
        lines += decoder.events(data[a * EVENT.size : b * EVENT.size])
    assert lines == [text.encode("ascii") for text in texts]


# -- decode_epc -----------------------------------------------------------------------------


def _check_epc(text: str) -> None:
    decoded = decode_epc(text)
    assert decoded.data.kind == "epc"
    assert decoded.symbology is None
    if decoded.valid:
        assert decoded.error is None
        assert decoded.data.epc_uri
        assert decoded.data.epc_uri.startswith("urn:epc:id:")
        assert decoded.data.gtin or decoded.data.sscc or decoded.data.location
    else:
        assert isinstance(decoded.error, str)
        assert decoded.error.startswith("epc_")


@FUZZ
@given(st.text(max_size=80))
def test_decode_epc_on_arbitrary_text(text: str) -> None:
    _check_epc(text)


@FUZZ
@given(
    st.sampled_from(["30", "31", "32", "33", "34", "36", "37", "38", "39", "E2", "E3", ""]),
    st.text(alphabet="0123456789ABCDEFabcdef", max_size=70),
)
@example("", "3035A537C8377540000003E9")
def test_decode_epc_on_hex_with_known_headers(header: str, rest: str) -> None:
    _check_epc(header + rest)


# -- TagWindow ------------------------------------------------------------------------------

tag_reads = st.lists(
    st.tuples(
        st.sampled_from(EPCS),
        st.none() | st.integers(min_value=0, max_value=4),
        st.none() | st.floats(min_value=-100, max_value=0),
        st.floats(min_value=0, max_value=2),  # time since the read before
        st.integers(min_value=1, max_value=50),
    ),
    max_size=60,
)


@FUZZ
@given(
    tag_reads,
    st.floats(min_value=0.01, max_value=2),
    st.floats(min_value=0.01, max_value=10),
    st.lists(st.floats(min_value=0, max_value=3), max_size=10),
)
def test_tag_window_counts_every_read_once(
    reads: list[tuple[str, int | None, float | None, float, int]],
    window: float,
    max_open: float,
    ticks: list[float],
) -> None:
    tags = TagWindow(window=window, max_open=max_open)
    now = 1000.0
    seen = []
    fed: dict[tuple[str, int | None], int] = {}
    best: dict[tuple[str, int | None], float] = {}
    for i, (epc, antenna, rssi, gap, count) in enumerate(reads):
        now += gap
        seen += tags.add(TagRead(epc, antenna, rssi, now, count))
        fed[(epc, antenna)] = fed.get((epc, antenna), 0) + count
        if rssi is not None:
            best[(epc, antenna)] = max(best.get((epc, antenna), rssi), rssi)
        if ticks and i % 3 == 0:  # a ticker closing windows as time passes
            now += ticks[i % len(ticks)]
            seen += tags.due(now)
    seen += tags.flush()
    assert tags.flush() == []
    assert sum(s.reads for s in seen) == sum(count for *_, count in reads)
    totals: dict[tuple[str, int | None], int] = {}
    for s in seen:
        assert s.first <= s.last
        assert s.reads >= 1
        totals[(s.epc_hex, s.antenna)] = totals.get((s.epc_hex, s.antenna), 0) + s.reads
        if s.rssi is not None:
            assert s.rssi <= best[(s.epc_hex, s.antenna)]
    assert totals == fed
    # The best RSSI of a tag is the best of one of its messages.
    for key, value in best.items():
        rssis = [s.rssi for s in seen if (s.epc_hex, s.antenna) == key and s.rssi is not None]
        assert max(rssis) == value
