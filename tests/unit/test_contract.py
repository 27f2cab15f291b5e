"""Unit tests for the MQTT contract (kernel.contract, design section 5)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from kernel.bounds import MAX_QTY
from kernel.contract import (
    MAX_MESSAGE_BYTES,
    Answer,
    ContractError,
    RfidInfo,
    ScanData,
    ScanMessage,
    TopicParts,
    check_name,
    cmd_topic,
    gateway_status_topic,
    parse_answer,
    parse_scan,
    parse_status,
    parse_topic,
    scan_event_id,
    scan_subscription,
    scan_topic,
    status_topic,
)

GS = b"\x1d"
RAW = b"]C10106901234567892102024A1" + GS + b"112403013020"


def _scan(**overrides: Any) -> ScanMessage:
    fields: dict[str, Any] = {
        "event_id": "01936b2e-7c41-7def-8a3b-2f0c4d5e6f70",
        "site": "LC01",
        "device": "LC01-D03-FIX1",
        "door": "D03",
        "seq": 1842,
        "ts": "2026-11-23T09:14:03.120+08:00",
        "source": "serial",
        "symbology": "]C1",
        "raw": RAW,
        "valid": True,
        "error": None,
        "data": ScanData(
            kind="gs1",
            gtin="06901234567892",
            batch="2024A1",
            prod_date="2024-03-01",
            qty=20,
        ),
    }
    fields.update(overrides)
    return ScanMessage(**fields)


def _doc(**overrides: Any) -> dict[str, Any]:
    """A valid scan message as a JSON document, with some fields replaced."""
    doc: dict[str, Any] = json.loads(_scan().to_json())
    doc.update(overrides)
    return doc


def _payload(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


# -- topics ---------------------------------------------------------------------------------


def test_topics_follow_the_design() -> None:
    assert scan_topic("LC01", "LC01-D03-FIX1") == "wh/v1/LC01/scan/LC01-D03-FIX1"
    assert status_topic("LC01", "LC01-D03-FIX1") == "wh/v1/LC01/status/LC01-D03-FIX1"
    assert cmd_topic("LC01", "LC01-D03-FIX1") == "wh/v1/LC01/cmd/LC01-D03-FIX1"
    assert gateway_status_topic("LC01") == "wh/v1/LC01/gateway/status"
    assert scan_subscription("LC01") == "wh/v1/LC01/scan/+"


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("wh/v1/LC01/scan/LC01-D03-FIX1", TopicParts("LC01", "scan", "LC01-D03-FIX1")),
        ("wh/v1/LC01/status/HH.7", TopicParts("LC01", "status", "HH.7")),
        ("wh/v1/LC01/cmd/dev_2", TopicParts("LC01", "cmd", "dev_2")),
        ("wh/v1/LC01/gateway/status", TopicParts("LC01", "gateway_status", None)),
    ],
)
def test_parse_topic_reads_every_contract_topic(topic: str, expected: TopicParts) -> None:
    assert parse_topic(topic) == expected


def test_parse_topic_inverts_the_topic_builders() -> None:
    site, device = "GZ-02", "GZ-02-D11-HH3"
    assert parse_topic(scan_topic(site, device)) == TopicParts(site, "scan", device)
    assert parse_topic(status_topic(site, device)) == TopicParts(site, "status", device)
    assert parse_topic(cmd_topic(site, device)) == TopicParts(site, "cmd", device)
    assert parse_topic(gateway_status_topic(site)) == TopicParts(site, "gateway_status", None)


@pytest.mark.parametrize(
    "topic",
    [
        "wh/v2/LC01/scan/D1",
        "xx/v1/LC01/scan/D1",
        "wh/v1/LC01/scan",
        "wh/v1/LC01/scan/D1/extra",
        "wh/v1/LC01/other/D1",
        "wh/v1/LC01/gateway/online",
        "wh/v1/+/scan/D1",
        "wh/v1/LC01/scan/+",
        "wh/v1/LC01/scan/#",
        "wh/v1//scan/D1",
        "wh/v1/LC01/scan/",
        "",
    ],
)
def test_parse_topic_refuses_other_topics(topic: str) -> None:
    with pytest.raises(ContractError):
        parse_topic(topic)


@pytest.mark.parametrize(
    "name",
    ["LC01", "LC01-D03-FIX1", "a", "0", "dev_1.2", "A" * 64],
)
def test_check_name_accepts_plain_names(name: str) -> None:
    assert check_name("device", name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "+",
        "#",
        "LC+01",
        "LC#",
        "LC/01",
        "/LC01",
        "A" * 65,
        "-LC01",
        ".hidden",
        "LC 01",
        "库一",
        "LC01\n",
        "LC01\x00",
    ],
)
def test_check_name_refuses_what_is_not_one_topic_level(name: str) -> None:
    with pytest.raises(ContractError):
        check_name("site", name)


@pytest.mark.parametrize("value", [None, 7, b"LC01"])
def test_check_name_refuses_non_strings(value: Any) -> None:
    with pytest.raises(ContractError):
        check_name("site", value)


BAD_NAMES = ["", "+", "#", "a/b", "A" * 65]


@pytest.mark.parametrize("site", BAD_NAMES)
@pytest.mark.parametrize(
    "build",
    [
        lambda site: scan_topic(site, "D1"),
        lambda site: status_topic(site, "D1"),
        lambda site: cmd_topic(site, "D1"),
        gateway_status_topic,
        scan_subscription,
    ],
    ids=["scan", "status", "cmd", "gateway_status", "subscription"],
)
def test_topic_builders_refuse_bad_sites(build: Callable[[str], str], site: str) -> None:
    with pytest.raises(ContractError):
        build(site)


@pytest.mark.parametrize("device", BAD_NAMES)
@pytest.mark.parametrize("build", [scan_topic, status_topic, cmd_topic])
def test_topic_builders_refuse_bad_devices(build: Callable[[str, str], str], device: str) -> None:
    with pytest.raises(ContractError):
        build("LC01", device)


# -- scan messages --------------------------------------------------------------------------


def test_scan_message_json_has_the_documented_shape() -> None:
    doc = json.loads(_scan().to_json())
    assert doc["v"] == 1
    assert doc["site"] == "LC01"
    assert doc["door"] == "D03"
    assert doc["seq"] == 1842
    assert doc["source"] == "serial"
    assert doc["symbology"] == "]C1"
    assert base64.b64decode(doc["raw_b64"]) == RAW
    assert doc["valid"] is True
    assert doc["error"] is None
    assert doc["data"] == {
        "kind": "gs1",
        "gtin": "06901234567892",
        "batch": "2024A1",
        "prod_date": "2024-03-01",
        "expiry": None,
        "serial": None,
        "sscc": None,
        "qty": 20,
        "epc_uri": None,
        "location": None,
        "badge": None,
        "command": None,
    }
    assert doc["rfid"] is None


def test_scan_message_round_trip_keeps_everything() -> None:
    message = _scan()
    parsed = parse_scan(message.to_json())
    assert parsed == message
    assert parsed.raw == RAW
    assert GS in parsed.raw


def test_round_trip_keeps_every_byte_value() -> None:
    raw = bytes(range(256))
    parsed = parse_scan(_scan(raw=raw, valid=False, error="not_text").to_json())
    assert parsed.raw == raw
    assert parsed.error == "not_text"
    assert parsed.valid is False


def test_round_trip_of_an_rfid_read() -> None:
    message = _scan(
        source="rfid",
        symbology=None,
        raw=bytes.fromhex("3034257bf7194e4000001a85"),
        data=ScanData(kind="epc", epc_uri="urn:epc:id:sgtin:6901234.056789.6789"),
        rfid=RfidInfo(
            antenna=2,
            rssi=-54.5,
            reads=7,
            first_seen="2026-11-23T09:14:02.900+08:00",
            last_seen="2026-11-23T09:14:03.120+08:00",
            peak_seen="2026-11-23T09:14:03.010+08:00",
        ),
    )
    assert parse_scan(message.to_json()) == message


def test_an_rfid_read_with_its_rssi_profile_round_trips() -> None:
    info = RfidInfo(
        2, -44.5, 9, "2026-11-23T09:14:02.900+08:00", "2026-11-23T09:14:03.300+08:00",
        "2026-11-23T09:14:03.100+08:00", ((50, -70.0), (200, -46.0), (400, -61.5)),
    )  # fmt: skip
    epc = ScanData(kind="epc", epc_uri="urn:epc:id:sgtin:6901234.056789.6789")
    message = _scan(source="rfid", symbology=None, rfid=info, data=epc)
    assert json.loads(message.to_json())["rfid"]["levels"] == [
        [50, -70.0],
        [200, -46.0],
        [400, -61.5],
    ]
    assert parse_scan(message.to_json()) == message
    start = datetime.fromisoformat("2026-11-23T09:14:02.900+08:00").timestamp()
    assert [(round(at - start, 3), dbm) for at, dbm in info.profile()] == [
        (0.05, -70.0),
        (0.2, -46.0),
        (0.4, -61.5),
    ]


def test_an_rfid_read_without_its_peak_is_sent_as_before_and_still_taken() -> None:
    message = _scan(
        source="rfid",
        symbology=None,
        data=ScanData(kind="epc", epc_uri="urn:epc:id:sgtin:6901234.056789.6789"),
        rfid=RfidInfo(antenna=2, rssi=-54.5, reads=7),
    )
    assert "peak_seen" not in json.loads(message.to_json())["rfid"]
    assert parse_scan(message.to_json()) == message


def test_scan_json_is_utf8_with_chinese_kept_readable() -> None:
    message = _scan(valid=False, error="无法识别", data=ScanData())
    payload = message.to_json()
    assert "无法识别".encode() in payload
    assert parse_scan(payload).error == "无法识别"


def test_parse_scan_accepts_a_message_without_optional_fields() -> None:
    doc = _doc()
    for key in ("door", "symbology", "error", "data", "rfid"):
        del doc[key]
    parsed = parse_scan(_payload(doc))
    assert parsed.door is None
    assert parsed.data == ScanData()
    assert parsed.rfid is None


@pytest.mark.parametrize(
    "payload",
    [b"\xff\xfe{}", b'{"v": 1, "site": "\xe5"}', b"", b"not json", b"{", b"[1, 2"],
)
def test_parse_scan_refuses_what_is_not_utf8_json(payload: bytes) -> None:
    with pytest.raises(ContractError):
        parse_scan(payload)


@pytest.mark.parametrize("payload", [b"[]", b"1", b'"scan"', b"null", b"true"])
def test_parse_scan_refuses_json_that_is_not_an_object(payload: bytes) -> None:
    with pytest.raises(ContractError):
        parse_scan(payload)


@pytest.mark.parametrize("version", [0, 2, "1", None, True])
def test_parse_scan_refuses_other_versions(version: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(v=version)))


def test_parse_scan_refuses_a_missing_version() -> None:
    doc = _doc()
    del doc["v"]
    with pytest.raises(ContractError):
        parse_scan(_payload(doc))


@pytest.mark.parametrize("raw_b64", ["not base64!", "QQ", "QU JD", "5pel日", 17, None])
def test_parse_scan_refuses_bad_base64(raw_b64: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(raw_b64=raw_b64)))


@pytest.mark.parametrize("source", ["bluetooth", "SERIAL", "", None, 1])
def test_parse_scan_refuses_unknown_sources(source: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(source=source)))


@pytest.mark.parametrize("seq", [True, False, 1.5, "1842", None])
def test_parse_scan_refuses_a_seq_that_is_not_an_integer(seq: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(seq=seq)))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("event_id", None),
        ("event_id", 5),
        ("site", None),
        ("site", "LC/01"),
        ("device", "+"),
        ("ts", 1732324443),
        ("valid", "true"),
        ("valid", 1),
    ],
)
def test_parse_scan_refuses_wrong_required_fields(key: str, value: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(**{key: value})))


@pytest.mark.parametrize("key", ["event_id", "site", "device", "seq", "ts", "source", "valid"])
def test_parse_scan_refuses_missing_required_fields(key: str) -> None:
    doc = _doc()
    del doc[key]
    with pytest.raises(ContractError):
        parse_scan(_payload(doc))


def test_parse_scan_refuses_an_unknown_field_in_data() -> None:
    doc = _doc()
    doc["data"]["colour"] = "red"
    with pytest.raises(ContractError, match="colour"):
        parse_scan(_payload(doc))


def test_parse_scan_refuses_an_unknown_field_in_rfid() -> None:
    doc = _doc(rfid={"antenna": 1, "phase": 0.3})
    with pytest.raises(ContractError):
        parse_scan(_payload(doc))


@pytest.mark.parametrize("data", ["gs1", 5, [1, 2]])
def test_parse_scan_refuses_data_that_is_not_an_object(data: Any) -> None:
    with pytest.raises(ContractError):
        parse_scan(_payload(_doc(data=data)))


def test_parse_scan_refuses_a_quantity_that_is_not_a_number() -> None:
    # A quantity given as text would reach the gateway's receiving rule as a str.
    doc = _doc()
    doc["data"]["qty"] = "20"
    with pytest.raises(ContractError):
        parse_scan(_payload(doc))


def test_parse_scan_refuses_deeply_nested_json_with_a_contract_error() -> None:
    # Anything on the scan topic that is not a message must be quarantined, not crash intake.
    with pytest.raises(ContractError):
        parse_scan(b"[" * 100_000)


def test_parse_scan_refuses_an_enormous_number_with_a_contract_error() -> None:
    with pytest.raises(ContractError):
        parse_scan(b'{"v": 1, "seq": ' + b"9" * 5000 + b"}")


# -- answers --------------------------------------------------------------------------------


def test_answer_round_trip() -> None:
    answer = Answer(
        re="01936b2e-7c41-7def-8a3b-2f0c4d5e6f70",
        result="ok",
        text_zh="请取 2019-03 批次，库位 A-03-02",
        text_en="Take batch 2019-03 at A-03-02",
        beep="ok",
        task={"kind": "pick", "id": "P-42"},
    )
    payload = answer.to_json()
    assert "请取".encode() in payload
    assert json.loads(payload)["v"] == 1
    assert parse_answer(payload) == answer


@pytest.mark.parametrize("result", ["ok", "refused", "duplicate"])
@pytest.mark.parametrize("beep", ["ok", "warn", "error"])
def test_answer_accepts_every_documented_result_and_beep(result: str, beep: str) -> None:
    answer = Answer("r1", result, "文字", "text", beep)
    assert parse_answer(answer.to_json()) == answer


@pytest.mark.parametrize(
    ("result", "beep"),
    [("accepted", "ok"), ("OK", "ok"), ("", "ok"), ("ok", "loud"), ("ok", ""), ("ok", "OK")],
)
def test_answer_refuses_unknown_results_and_beeps(result: str, beep: str) -> None:
    with pytest.raises(ContractError):
        Answer("r1", result, "文字", "text", beep)


def test_parse_answer_fills_in_optional_fields() -> None:
    answer = parse_answer(b'{"v": 1, "re": "r1", "result": "duplicate"}')
    assert answer == Answer("r1", "duplicate", "", "", "ok", None)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff",
        b"",
        b"{",
        b"[]",
        b'"ok"',
        b'{"re": "r1", "result": "ok"}',
        b'{"v": 2, "re": "r1", "result": "ok"}',
        b'{"v": "1", "re": "r1", "result": "ok"}',
        b'{"v": 1, "result": "ok"}',
        b'{"v": 1, "re": "r1"}',
        b'{"v": 1, "re": "r1", "result": "maybe"}',
        b'{"v": 1, "re": "r1", "result": "ok", "beep": "siren"}',
    ],
)
def test_parse_answer_refuses_what_is_not_an_answer(payload: bytes) -> None:
    with pytest.raises(ContractError):
        parse_answer(payload)


def test_parse_answer_refuses_deeply_nested_json_with_a_contract_error() -> None:
    # The station's command handler only catches ContractError.
    with pytest.raises(ContractError):
        parse_answer(b'{"v": 1, "re": "r1", "result": "ok", "task": ' + b"[" * 100_000)


# -- bounds (kernel.bounds): what a broken or hostile device may send is refused, with why ------


def _escaped(doc: dict[str, Any]) -> bytes:
    """As JSON escapes it on the wire: a lone surrogate arrives as \\ud800."""
    return json.dumps(doc).encode("ascii")


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("event_id", "\ud800", "event_id"),
        ("event_id", "not-a-uuid", "event_id"),
        ("event_id", "01936B2E-7C41-7DEF-8A3B-2F0C4D5E6F70", "event_id"),  # not canonical
        ("ts", "2026-11-23T09:14:03\ud800", "ts"),
        ("ts", "yesterday", "ts"),
        ("ts", "2026-11-23T09:14:03" + "0" * 100, "ts"),
        ("seq", 2**63, "seq"),
        ("seq", -1, "seq"),
        ("door", "D/03", "door"),
        ("symbology", "]C1" * 10, "symbology"),
        ("error", "x" * 65, "error"),
        ("raw_b64", "A" * 20_000, "larger than"),
    ],
)
def test_parse_scan_refuses_fields_out_of_bounds(key: str, value: Any, why: str) -> None:
    with pytest.raises(ContractError, match=why):
        parse_scan(_escaped(_doc(**{key: value})))


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("qty", 0),
        ("qty", -5),
        ("qty", MAX_QTY + 1),
        ("qty", 2**63),
        ("batch", "2024\x1dA1"),
        ("batch", "2024\ud800"),
        ("batch", "B" * 21),
        ("gtin", "0" * 15),
        ("prod_date", "2024-02-30"),
        ("kind", "pallet"),
    ],
)
def test_parse_scan_refuses_data_out_of_bounds(key: str, value: Any) -> None:
    doc = _doc()
    doc["data"][key] = value
    with pytest.raises(ContractError, match=f"data.{key}"):
        parse_scan(_escaped(doc))


def test_the_largest_quantity_a_read_may_carry_is_taken() -> None:
    doc = _doc()
    doc["data"]["qty"] = MAX_QTY
    assert parse_scan(_escaped(doc)).data.qty == MAX_QTY


@pytest.mark.parametrize(
    "rfid",
    [
        {"antenna": -1},
        {"antenna": 70_000},
        {"rssi": float("nan")},
        {"rssi": 1e308},
        {"reads": 0},
        {"first_seen": "soon"},
        {"peak_seen": "x" * 41},
        {"peak_seen": 12},
        {"peak_seen": "2026-11-23T09:14:03.010"},  # no offset: no moment
        {"first_seen": "2026-11-23T09:14:03.100+08:00", "peak_seen": "2026-11-23T09:14:03+08:00"},
        {"peak_seen": "2026-11-23T09:14:03.300+08:00", "last_seen": "2026-11-23T09:14:03+08:00"},
        {"peak_seen": "2026-11-23T10:14:03.010+08:00"},  # an hour after the message
        {"levels": [[0, -50.0]]},  # a profile without its first read's moment
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": []},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[0, -50]] * 5},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[0, -50, 1]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": {"0": -50}},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[-1, -50]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[0.5, -50]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[0, -300]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[0, float("inf")]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[100, -50], [50, -40]]},
        {"first_seen": "2026-11-23T09:14:03+08:00", "levels": [[600_001, -50]]},
        {  # after the last read
            "first_seen": "2026-11-23T09:14:03+08:00",
            "last_seen": "2026-11-23T09:14:03.200+08:00",
            "levels": [[0, -50], [201, -40]],
        },
    ],
)
def test_parse_scan_refuses_rfid_out_of_bounds(rfid: dict[str, Any]) -> None:
    payload = json.dumps(_doc(rfid=rfid)).encode()  # NaN as JSON's non-standard literal
    with pytest.raises(ContractError, match="rfid"):
        parse_scan(payload)


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 100_000,
        b"{" * 10_000,
        b'{"v": 1, "event_id": ' + b"[" * 70 + b"]" * 70 + b"}",
        b"x" * (MAX_MESSAGE_BYTES + 1),
    ],
)
def test_absurd_messages_are_refused_before_they_are_parsed(payload: bytes) -> None:
    with pytest.raises(ContractError):
        parse_scan(payload)
    assert scan_event_id(payload) is None


def test_a_broken_message_that_names_its_read_can_be_answered() -> None:
    broken = _doc(seq=2**64)
    assert scan_event_id(_escaped(broken)) == broken["event_id"]
    assert scan_event_id(_escaped(_doc(event_id="\ud800"))) is None
    assert scan_event_id(b"\xff\xfe") is None


def test_a_status_keeps_its_plain_fields() -> None:
    status = {"state": "online", "door": "D03", "readers": ["A", "B"], "spool": 3, "up": 1.5}
    assert parse_status(json.dumps(status).encode()) == status
    assert parse_status(b"") == {}


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 50_000,
        b'{"state": "asleep"}',
        b'{"state": "online", "door": "D/1"}',
        b'{"note": "\\ud800"}',
        b'{"nested": {"a": 1}}',
        b'{"n": ' + str(2**70).encode() + b"}",
        json.dumps({f"k{i}": i for i in range(40)}).encode(),
        json.dumps({"big": "x" * 5000}).encode(),
    ],
)
def test_a_status_outside_the_bounds_is_refused(payload: bytes) -> None:
    with pytest.raises(ContractError):
        parse_status(payload)
