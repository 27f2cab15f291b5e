"""A gateway asks a station to encode a tag: the request on the device's command topic, the
outcome on its encoded topic, the tag written in the reader's field, and reads going on."""

from __future__ import annotations

import json
import queue
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.depot import StationProcess, device_toml
from harness.llrp_access import INSUFFICIENT_POWER
from harness.llrp_sim import LlrpSimulator, field_reader
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from kernel.contract import cmd_topic, parse_scan
from kernel.encoding import EncodeOutcome, EncodeRequest, encoded_topic, parse_encode_outcome

pytestmark = pytest.mark.timeout(90)
SITE, DEVICE = "LC01", "LC01-D02-ENC1"
BLANK = "E2801160600002054E3D0000"
NEW = "3035A537C8377540000007D2"
OTHER_BLANK = "E2801160600002054E3D0001"


@pytest.fixture
def sim() -> Iterator[LlrpSimulator]:
    with field_reader(antennas=2) as simulator:
        yield simulator


@pytest.fixture
def gateway_side(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(encoded_topic(SITE, DEVICE))
    client.subscribe(f"wh/v1/{SITE}/scan/+")
    yield client
    client.close()


def encoding_device(sim: LlrpSimulator) -> str:
    return device_toml(
        DEVICE,
        "rfid_llrp",
        door="D02",
        host="127.0.0.1",
        port=sim.port,
        antennas=[1],
        window=0.2,
        encode_timeout=2.0,
        session=0,
    )


def start_station(workdir: Path, broker: Mosquitto, sim: LlrpSimulator) -> StationProcess:
    process = StationProcess(workdir, broker.port, [encoding_device(sim)]).start()
    process.proc.wait_for_log(f"{DEVICE} ready: inventory running")
    return process


@pytest.fixture
def station(tmp_path: Path, broker: Mosquitto, sim: LlrpSimulator) -> Iterator[StationProcess]:
    process = start_station(tmp_path / "station", broker, sim)
    yield process
    process.stop()


def soon() -> str:
    return (datetime.now(UTC) + timedelta(seconds=120)).isoformat()


def ask(client: MqttTestClient, request: EncodeRequest) -> EncodeOutcome:
    client.publish(cmd_topic(SITE, DEVICE), request.to_json())
    return outcome_for(client, request.id)


def outcome_for(client: MqttTestClient, rid: str) -> EncodeOutcome:
    while True:
        try:
            message = client.next(timeout=15)
        except queue.Empty:
            raise AssertionError(f"no outcome for encode {rid}") from None
        if message.topic == encoded_topic(SITE, DEVICE):
            result = parse_encode_outcome(message.payload)
            if result.re == rid:
                return result


def test_a_station_encodes_a_tag_on_request(
    sim: LlrpSimulator, station: StationProcess, gateway_side: MqttTestClient
) -> None:
    sim.put_tag(BLANK)
    request = EncodeRequest(str(uuid.uuid4()), NEW, soon(), current=BLANK)

    result = ask(gateway_side, request)

    assert (result.written, result.verified, result.reason) == (True, True, None)
    assert (result.device, result.epc, result.previous) == (DEVICE, NEW, BLANK)
    assert result.text_zh == "标签已写入并核实"
    assert sim.epcs() == [NEW]
    again = ask(gateway_side, request)  # the same request again: its outcome, no new write
    assert again == result
    sim.remove_tag(NEW)  # the tag leaves: its read arrives under the new EPC
    epcs = set()
    while NEW not in epcs:
        message = gateway_side.next(timeout=15)
        if "/scan/" in message.topic:
            epcs.add(parse_scan(message.payload).raw.decode())


def test_a_failed_encode_comes_back_with_its_reason(
    sim: LlrpSimulator, station: StationProcess, gateway_side: MqttTestClient
) -> None:
    sim.put_tag(BLANK)
    sim.fail_next_writes(1, INSUFFICIENT_POWER)

    result = ask(gateway_side, EncodeRequest(str(uuid.uuid4()), NEW, soon()))

    assert (result.written, result.verified, result.reason) == (False, False, "insufficient_power")
    assert result.text_zh.startswith("功率不足") and result.previous == BLANK
    assert sim.epcs() == [BLANK]


def test_a_bad_request_is_answered_and_the_station_goes_on(
    sim: LlrpSimulator, station: StationProcess, gateway_side: MqttTestClient
) -> None:
    rid = str(uuid.uuid4())
    bad = {"v": 1, "kind": "encode", "id": rid, "epc": "NOT-HEX", "expires": soon()}
    gateway_side.publish(cmd_topic(SITE, DEVICE), json.dumps(bad).encode())

    refused = outcome_for(gateway_side, rid)

    assert (refused.written, refused.reason, refused.epc) == (False, "bad_request", None)
    assert refused.text_zh == "写标签请求无效"
    sim.put_tag(BLANK)
    result = ask(gateway_side, EncodeRequest(str(uuid.uuid4()), NEW, soon(), current=BLANK))
    assert (result.written, result.verified) == (True, True)


def test_a_request_sent_again_after_a_restart_writes_no_second_tag(
    tmp_path: Path,
    broker: Mosquitto,
    sim: LlrpSimulator,
    station: StationProcess,
    gateway_side: MqttTestClient,
) -> None:
    sim.put_tag(BLANK)
    request = EncodeRequest(str(uuid.uuid4()), NEW, soon())  # the one tag in the field
    first = ask(gateway_side, request)
    assert (first.written, first.verified) == (True, True)
    station.stop()
    sim.remove_tag(NEW)  # the written tag is carried off, a blank one put down
    sim.put_tag(OTHER_BLANK)

    again_station = start_station(station.workdir, broker, sim)
    try:
        again = ask(gateway_side, request)  # the gateway never heard, and sends it again
    finally:
        again_station.stop()

    assert again == first
    assert sim.epcs() == [OTHER_BLANK]  # not written with the same serial
