"""Unit tests for splitting a scanner's serial byte stream into reads (edge.decode.framing)."""

from __future__ import annotations

import pytest

from edge.decode.framing import MAX_FRAME, Frame, Framer

GS = b"\x1d"
READ = b"]C10106901234567892102024A1" + GS + b"112403013020"


def _feed_all(framer: Framer, chunks: list[bytes]) -> list[Frame]:
    frames: list[Frame] = []
    for chunk in chunks:
        frames.extend(framer.feed(chunk))
    return frames


def test_one_read_in_one_chunk() -> None:
    assert Framer().feed(READ + b"\r") == [Frame(READ)]


def test_nothing_before_the_suffix_arrives() -> None:
    framer = Framer()
    assert framer.feed(READ) == []
    assert framer.feed(b"\r") == [Frame(READ)]


def test_read_split_across_chunks() -> None:
    framer = Framer()
    chunks = [READ[:5], READ[5:20], READ[20:], b"\r"]
    assert _feed_all(framer, chunks) == [Frame(READ)]


def test_read_split_byte_by_byte() -> None:
    framer = Framer()
    stream = READ + b"\r" + b"LOC:A-03-02\r"
    chunks = [stream[i : i + 1] for i in range(len(stream))]
    assert _feed_all(framer, chunks) == [Frame(READ), Frame(b"LOC:A-03-02")]


def test_several_reads_in_one_chunk() -> None:
    frames = Framer().feed(b"LOC:A-03-02\r" + READ + b"\r" + b"12345\r")
    assert frames == [Frame(b"LOC:A-03-02"), Frame(READ), Frame(b"12345")]


def test_read_and_the_start_of_the_next_in_one_chunk() -> None:
    framer = Framer()
    assert framer.feed(b"LOC:A-03-02\r" + READ[:7]) == [Frame(b"LOC:A-03-02")]
    assert framer.feed(READ[7:] + b"\r") == [Frame(READ)]


def test_cr_lf_from_a_scanner_set_to_cr_is_noise() -> None:
    framer = Framer()
    chunks = [b"LOC:A-03-02\r", b"\n" + READ + b"\r\n", b"\r\n", b"X1\r\n"]
    assert _feed_all(framer, chunks) == [Frame(b"LOC:A-03-02"), Frame(READ), Frame(b"X1")]


def test_empty_reads_are_dropped() -> None:
    assert Framer().feed(b"\r\r\n\r") == []


def test_cr_lf_suffix() -> None:
    framer = Framer(suffix=b"\r\n")
    chunks = [READ + b"\r", b"\nLOC:B-01", b"-01\r\n"]
    assert _feed_all(framer, chunks) == [Frame(READ), Frame(b"LOC:B-01-01")]


def test_prefix_is_stripped() -> None:
    framer = Framer(prefix=b"\x02")
    frames = framer.feed(b"\x02" + READ + b"\r\x02LOC:A-03-02\r")
    assert frames == [Frame(READ), Frame(b"LOC:A-03-02")]


def test_prefix_is_stripped_when_split_from_its_read() -> None:
    framer = Framer(prefix=b"@@", suffix=b"\n")
    assert _feed_all(framer, [b"@", b"@LOC:A", b"-03-02\n"]) == [Frame(b"LOC:A-03-02")]


def test_read_without_the_prefix_is_kept_whole() -> None:
    assert Framer(prefix=b"\x02").feed(b"LOC:A\r") == [Frame(b"LOC:A")]


def test_prefix_only_is_no_read() -> None:
    assert Framer(prefix=b"\x02").feed(b"\x02\r") == []


def test_gs_separator_is_kept() -> None:
    frames = Framer().feed(READ + b"\r")
    assert frames[0].data.count(GS) == 1
    assert frames[0].data == READ


def test_all_other_bytes_are_kept() -> None:
    body = bytes(b for b in range(256) if b not in (0x0A, 0x0D))
    assert Framer().feed(body + b"\r") == [Frame(body)]


def test_default_limit() -> None:
    assert Framer().max_frame == MAX_FRAME


def test_overflow_without_suffix_then_recovery() -> None:
    framer = Framer(max_frame=16)
    frames = framer.feed(b"A" * 20)
    assert frames == [Frame(b"A" * 16, "too_long")]
    # What follows up to the next suffix still belongs to the overlong read.
    assert framer.feed(b"AAAA\rLOC:A-03-02\r") == [Frame(b"LOC:A-03-02")]


def test_a_scanner_with_the_wrong_suffix_keeps_reporting_errors() -> None:
    # A scanner set to end reads with LF while the station expects CR never ends a read:
    # every buffer-full is reported, nothing is swallowed silently.
    framer = Framer(max_frame=16)
    frames = _feed_all(framer, [b"0106901234567892\n"] * 6)
    assert len(frames) >= 4 and all(f.error == "too_long" for f in frames)


def test_overlong_read_in_one_chunk_then_recovery() -> None:
    framer = Framer(max_frame=16)
    frames = framer.feed(b"B" * 30 + b"\r" + b"LOC:A-03-02\r")
    assert frames == [Frame(b"B" * 16, "too_long"), Frame(b"LOC:A-03-02")]


def test_read_of_exactly_the_limit_is_fine() -> None:
    framer = Framer(max_frame=16)
    assert framer.feed(b"C" * 16) == []
    assert framer.feed(b"\r") == [Frame(b"C" * 16)]


def test_tail_of_an_overlong_read_is_not_a_read() -> None:
    # A long read arriving over several chunks: it overflows before its suffix comes. Its tail
    # must not be passed on as a read of its own; the next read must come through intact.
    framer = Framer(max_frame=16)
    frames = _feed_all(framer, [b"D" * 10, b"D" * 10, b"TAIL\r", b"LOC:A-03-02\r"])
    assert frames == [Frame(b"D" * 16, "too_long"), Frame(b"LOC:A-03-02")]


def test_overflow_reports_once_per_overlong_read() -> None:
    framer = Framer(max_frame=8)
    frames = framer.feed(b"E" * 9)
    assert [f.error for f in frames] == ["too_long"]
    assert all(len(f.data) <= 8 for f in frames)


def test_empty_suffix_is_refused() -> None:
    with pytest.raises(ValueError, match="suffix"):
        Framer(suffix=b"")
