"""The reader simulator's AccessSpecs and tag memory, and the edge's AccessSpec for an encode,
byte for byte as sllurp encodes and decodes them."""

from __future__ import annotations

import random
import struct

import pytest
from sllurp.llrp import LLRPMessage

from edge.readers.llrp_encode import (
    EncodeTimes,
    LlrpEncoder,
    access_spec,
    epc_words,
    probable_epc,
    write_plan,
)
from harness.llrp_access import (
    C1G2_WRITE,
    INSUFFICIENT_POWER,
    MEMORY_OVERRUN,
    WRITE_OK,
    AccessSpecs,
    Tag,
    TargetTag,
    encode_access_spec,
    matches,
    parse_access_spec,
)
from harness.llrp_wire import HEADER, find_tlv, iter_tlvs, message, tlv, tv

EPC = "E2801160600002054E3D0000"
NEW = "3035A537C8377540000007D2"


def sllurp_bytes(name: str, body: dict) -> bytes:
    """The message body sllurp sends for this message dict."""
    msg = LLRPMessage(msgdict={name: {**body, "ID": 7}})
    return msg.msgbytes[HEADER.size :]


def added(current: str = EPC, new: str = NEW, password: int = 0) -> bytes:
    spec = access_spec(5, 9, current, new, password)
    return sllurp_bytes("ADD_ACCESSSPEC", {"AccessSpec": spec})


def test_the_edges_access_spec_is_read_as_sllurp_encodes_it() -> None:
    body = find_tlv(added(password=0xCAFE), 207)
    assert body is not None

    spec = parse_access_spec(body)

    assert (spec.access_spec_id, spec.antenna, spec.rospec_id, spec.enabled) == (5, 0, 0, False)
    assert spec.stop_count == 1  # runs once
    (target,) = spec.targets
    assert spec.report_trigger == 0  # the result with the round's tag report
    assert (target.bank, target.match, target.pointer, target.data_bits) == (1, True, 16, 112)
    assert target.data.hex().upper() == "3000" + EPC  # the PC's length: six words
    assert target.mask == b"\xf8\x00" + b"\xff" * 12
    (op,) = spec.ops
    assert (op.kind, op.opspec_id, op.password, op.bank, op.word_ptr) == (
        C1G2_WRITE,
        9,
        0xCAFE,
        1,
        2,
    )
    assert op.words == epc_words(NEW)


def test_an_access_spec_reads_back_as_the_reader_gives_it() -> None:
    spec = parse_access_spec(find_tlv(added(), 207) or b"")
    spec.enabled = True

    again = parse_access_spec(find_tlv(encode_access_spec(spec), 207) or b"")

    assert again.enabled is True
    assert (again.targets, again.ops, again.stop_count) == (spec.targets, spec.ops, 1)


def test_an_access_spec_added_enabled_is_refused() -> None:
    body = bytearray(added())
    body[4 + 7] = 0x80  # CurrentState, after the AccessSpec's TLV header
    status = AccessSpecs().add(bytes(body))
    assert status[4:6] != b"\x00\x00" and b"disabled" in status


def test_a_change_of_length_writes_the_pc_word_too() -> None:
    assert write_plan(EPC, NEW) == (2, epc_words(NEW))
    pointer, words = write_plan(EPC, NEW + "ABCD")
    assert pointer == 1 and words[0] == 7 << 11 and words[1:] == epc_words(NEW + "ABCD")
    _, words = write_plan(EPC, NEW + "ABCD", pc=6 << 11 | 0x0455)  # the tag's PC word
    assert words[0] == 7 << 11 | 0x0455  # its length changed, its other bits kept


@pytest.mark.parametrize("bad", ["", "ABC", "XYZW", "0" * 128, "12 4"])
def test_an_epc_is_whole_words_of_hex(bad: str) -> None:
    with pytest.raises(ValueError):
        epc_words(bad)


def test_a_target_matches_on_the_current_epc_under_its_mask() -> None:
    tag = Tag.with_epc(EPC)
    whole = TargetTag(1, True, 32, b"", 0, bytes.fromhex(EPC), 96)
    other = TargetTag(1, True, 32, b"", 0, bytes.fromhex(NEW), 96)
    prefix = TargetTag(1, True, 32, b"\xff\xf0", 12, bytes.fromhex("E280"), 12)
    inverted = TargetTag(1, False, 32, b"", 0, bytes.fromhex(NEW), 96)
    assert matches(whole, tag) and matches(prefix, tag) and matches(inverted, tag)
    assert not matches(other, tag)
    assert not matches(TargetTag(1, True, 600, b"", 0, b"\x01", 8), tag)  # past the bank


def test_a_longer_epc_beginning_with_the_current_one_is_not_selected() -> None:
    access = AccessSpecs()
    longer = Tag.with_epc(EPC + "ABCD")
    tag = Tag.with_epc(EPC)
    access.add(added())
    access.enable(struct.pack("!I", 5))

    assert access.run(longer, 1) == []
    assert access.run(tag, 1) != [] and tag.epc_hex == NEW
    assert longer.epc_hex == EPC + "ABCD"


def test_a_write_changes_the_epc_once_and_reports_its_result() -> None:
    access = AccessSpecs()
    tag = Tag.with_epc(EPC)
    access.tags.append(tag)
    assert access.add(added())[4:6] == b"\x00\x00"
    assert access.run(tag, 1) == []  # not enabled yet
    access.enable(struct.pack("!I", 5))

    params = access.run(tag, 1)

    assert params[0] == tv(16, "I", 5)
    assert params[1] == tlv(350, struct.pack("!BHH", WRITE_OK, 9, 6))
    assert tag.epc_hex == NEW
    assert access.specs == {}  # its operation count reached
    assert access.run(tag, 1) == []


def failing_run(tag: Tag, failure: tuple[int, int]) -> list[bytes]:
    """The edge's AccessSpec run on the tag with the simulator's next write failing so."""
    access = AccessSpecs()
    access.add(added())
    access.enable(struct.pack("!I", 0))
    access.failures = [failure]
    return access.run(tag, 1)


def test_a_failing_write_leaves_the_tag_as_it_was() -> None:
    tag = Tag.with_epc(EPC)

    params = failing_run(tag, (INSUFFICIENT_POWER, 0))

    assert params[1] == tlv(350, struct.pack("!BHH", INSUFFICIENT_POWER, 9, 0))
    assert tag.epc_hex == EPC


def test_a_write_can_fail_half_way_with_the_words_it_wrote() -> None:
    tag = Tag.with_epc(EPC)

    params = failing_run(tag, (INSUFFICIENT_POWER, 2))

    assert params[1] == tlv(350, struct.pack("!BHH", INSUFFICIENT_POWER, 9, 2))
    assert tag.epc_hex == NEW[:8] + EPC[8:]  # two words new, four as they were
    assert probable_epc(EPC, NEW, 2) == tag.epc_hex


def test_the_epc_after_a_partial_write_of_a_new_length() -> None:
    longer = NEW + "ABCD"
    assert probable_epc(EPC, longer, 0) == EPC
    assert probable_epc(EPC, longer, 1) is None  # seven words: the seventh not known
    assert probable_epc(longer, NEW, 1) == longer[:24]  # the PC says six now
    assert probable_epc(longer, NEW, 3) == NEW[:8] + longer[8:24]
    assert probable_epc(EPC, NEW, 6) == NEW


def test_a_write_past_the_epc_bank_overruns() -> None:
    access = AccessSpecs()
    tag = Tag.with_epc(EPC)
    spec = access_spec(3, 4, EPC, NEW, 0)
    spec["AccessCommand"]["OpSpecParameter"][0]["C1G2Write"]["WordPtr"] = 30
    access.add(sllurp_bytes("ADD_ACCESSSPEC", {"AccessSpec": spec}))
    access.enable(struct.pack("!I", 3))
    assert access.run(tag, 1)[1] == tlv(350, struct.pack("!BHH", MEMORY_OVERRUN, 4, 0))


def test_get_accessspecs_lists_them_with_their_state() -> None:
    access = AccessSpecs()
    access.add(added())
    access.enable(struct.pack("!I", 5))
    body = access.get(b"")
    specs = [parse for kind, parse in iter_tlvs(body) if kind == 207]
    assert len(specs) == 1 and specs[0][7] == 0x80  # enabled
    assert access.delete(struct.pack("!I", 5))[4:6] == b"\x00\x00"
    assert access.delete(struct.pack("!I", 5))[4:6] != b"\x00\x00"  # gone


def test_sllurp_reads_the_write_result_in_the_tag_report() -> None:
    access = AccessSpecs()
    tag = Tag.with_epc(EPC)
    access.add(added())
    access.enable(struct.pack("!I", 5))
    report = tlv(240, tv(13, "12s", bytes.fromhex(EPC)), tv(1, "H", 1), *access.run(tag, 1))

    decoded = LLRPMessage(msgbytes=message(61, 1, report)).msgdict["RO_ACCESS_REPORT"]

    (data,) = decoded["TagReportData"]
    assert data["EPC"].decode().upper() == EPC  # as the tag answered, before the write
    assert data["AccessSpecID"] == 5
    assert data["C1G2WriteOpSpecResult"] == {"Result": 0, "OpSpecID": 9, "NumWordsWritten": 6}


def test_broken_access_specs_are_refused_never_crash() -> None:
    good = added()
    rng = random.Random(18)
    access = AccessSpecs()
    for _ in range(2000):
        body = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        cut = bytes(body[: rng.randint(0, len(body))])
        status = access.add(cut)
        assert status[:2] == b"\x01\x1f"  # an LLRPStatus, accepted or not
        access.specs.clear()
    assert access.add(b"")[4:6] != b"\x00\x00"


def test_what_a_reader_or_its_connection_says_comes_back_as_clean_text() -> None:
    encoder = LlrpEncoder(EncodeTimes(response=0.5, find=0.1, settle=0.05))
    encoder.on_tags([{"EPC": EPC.encode()}])

    def refuse(message: dict[str, object]) -> list[tuple[str, int]]:
        name = next(iter(message))
        encoder.on_response(f"{name}_RESPONSE", 7, False, "no\x00such\r\nspec")
        return [(name, 7)]

    def gone(_message: dict[str, object]) -> None:
        raise OSError("socket\x1bclosed\n")

    refused = encoder.encode(refuse, EPC, NEW)
    lost = encoder.encode(gone, EPC, NEW)

    assert refused.reason == "reader_refused: no\ufffdsuch\ufffd\ufffdspec"
    assert lost.reason == "reader_gone: socket\ufffdclosed\ufffd"


def test_a_length_change_without_the_tags_pc_word_is_refused_unsent() -> None:
    encoder = LlrpEncoder(EncodeTimes(find=0.1, settle=0.05))
    encoder.on_tags([{"EPC": EPC.encode()}])  # a reader that leaves the PC word out
    sent: list[dict[str, object]] = []

    result = encoder.encode(sent.append, EPC, NEW + "ABCD")

    assert (result.written, result.reason, sent) == (False, "pc_unknown", [])


def test_a_late_answer_to_an_earlier_request_is_not_taken_for_this_ones() -> None:
    encoder = LlrpEncoder(EncodeTimes(response=0.2, write=0.2, find=0.1, settle=0.05))
    encoder.on_tags([{"EPC": EPC.encode()}])
    ids = iter(range(100, 200))

    def late_answers(message: dict[str, object]) -> list[tuple[str, int]]:
        name = next(iter(message))  # answered, but only the request sent before it
        msg_id = next(ids)
        encoder.on_response(f"{name}_RESPONSE", msg_id - 1, True, "")
        return [(name, msg_id)]

    result = encoder.encode(late_answers, EPC, NEW)

    assert (result.written, result.reason) == (False, "reader_silent: no ADD_ACCESSSPEC_RESPONSE")


def test_write_results_of_other_accesses_are_not_kept() -> None:
    encoder = LlrpEncoder()
    for n in range(1000):  # another client's AccessSpecs on the same reader
        result = {"Result": 0, "OpSpecID": n, "NumWordsWritten": 6}
        encoder.on_tags([{"EPC": EPC.encode(), "C1G2WriteOpSpecResult": result}])
    assert encoder._results == {}
