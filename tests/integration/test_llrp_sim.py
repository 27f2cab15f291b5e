"""The LLRP reader simulator against sllurp's own client, over real TCP on loopback."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue
from sllurp.llrp import LLRPMessage, LLRPReaderClient, LLRPReaderConfig, LLRPReaderState

from edge.readers.llrp_encode import access_spec
from edge.readers.rfid_llrp import TAG_CONTENT_SELECTOR
from harness.llrp_access import parse_access_spec
from harness.llrp_sim import LlrpSimulator
from harness.llrp_wire import iter_tlvs

pytestmark = pytest.mark.timeout(30)


def sgtin96(serial: int) -> str:
    return SGTIN(f"urn:epc:id:sgtin:6901234.056789.{serial}").hex(
        filter_value=SGTINFilterValue.POS_ITEM,
        binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
    )


EPCS = [sgtin96(serial) for serial in (1001, 1002, 1003)]


def reader_config(**overrides: Any) -> LLRPReaderConfig:
    """The configuration the edge station's LLRP reader uses, with overrides."""
    config: dict[str, Any] = {
        "antennas": [1, 2],
        "tx_power": 0,
        "report_every_n_tags": 1,
        "start_inventory": True,
        "reset_on_connect": True,
        "tag_content_selector": dict(TAG_CONTENT_SELECTOR),
    }
    config.update(overrides)
    return LLRPReaderConfig(config)


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


class Reports:
    """The tag reports one client has received, for a test thread to wait on."""

    def __init__(self) -> None:
        self.tags: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def __call__(self, _reader: LLRPReaderClient, tags: list[dict[str, Any]]) -> None:
        with self._changed:
            self.tags.extend(tags)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.tags) >= count, timeout)
            assert arrived, f"{len(self.tags)} of {count} tag reports arrived"
            return list(self.tags)


Connect = Callable[..., tuple[LLRPReaderClient, Reports]]


def inventorying(sim: LlrpSimulator, client: LLRPReaderClient) -> None:
    """Both ends agree that inventory runs.

    sllurp's state machine is not thread-safe: a disconnect() issued before it has processed
    ENABLE_ROSPEC_RESPONSE can interleave with it and hang until its timeout.
    """
    sim.wait_inventory(timeout=15)
    wait_until(lambda: client.llrp.state == LLRPReaderState.STATE_INVENTORYING)


def sllurp_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sllurp-reader")]


@pytest.fixture
def sim() -> Iterator[LlrpSimulator]:
    simulator = LlrpSimulator(antennas=4).start()
    yield simulator
    simulator.stop()
    assert not [t for t in threading.enumerate() if t.name == "llrp-sim"]


@pytest.fixture
def connect(sim: LlrpSimulator) -> Iterator[Connect]:
    clients: list[LLRPReaderClient] = []

    def _connect(**overrides: Any) -> tuple[LLRPReaderClient, Reports]:
        reports = Reports()
        client = LLRPReaderClient("127.0.0.1", sim.port, reader_config(**overrides))
        client.add_tag_report_callback(reports)
        client.connect()
        clients.append(client)
        return client, reports

    yield _connect
    for client in clients:
        if client.is_alive():
            client.disconnect(timeout=3)
        client.hard_disconnect()
        client.join(3)
    assert not sllurp_threads()


def test_sllurp_reads_the_capabilities_and_starts_inventory(
    sim: LlrpSimulator, connect: Connect
) -> None:
    client, _ = connect()
    inventorying(sim, client)

    assert sim.clients == 1
    assert client.llrp.max_ant == 4
    # tx_power 0 asks for the top of the reader's power table, for every antenna used.
    assert client.llrp.tx_power_table[-1] == 33.0
    assert {a: client.llrp.tx_power_table[i] for a, i in client.config.tx_power.items()} == {
        1: 33.0,
        2: 33.0,
    }
    band = client.llrp.capabilities["RegulatoryCapabilities"]["UHFBandCapabilities"]
    hops = band["FrequencyInformation"]["FrequencyHopTable"][0]["Frequency"]
    assert (len(hops), hops[0], hops[-1]) == (50, 902_750, 927_250)
    assert band["UHFC1G2RFModeTable"]["UHFC1G2RFModeTableEntry"]


def test_tag_reports_arrive_intact(sim: LlrpSimulator, connect: Connect) -> None:
    client, reports = connect()
    inventorying(sim, client)
    sent = [(EPCS[0], 1, -48, 3), (EPCS[1], 2, -61, 1), (EPCS[2], 2, -70, 12)]
    before_us = time.time_ns() // 1000

    sim.report(sent)

    tags = reports.wait_for(3)
    got = [
        (t["EPC"].decode().upper(), t["AntennaID"], t["PeakRSSI"], t["TagSeenCount"]) for t in tags
    ]
    assert got == sent
    assert all(t["EPC-96"] == t["EPC"] for t in tags)
    now_us = time.time_ns() // 1000
    for tag in tags:
        assert before_us <= tag["FirstSeenTimestampUTC"] <= tag["LastSeenTimestampUTC"] <= now_us

    time.sleep(0.01)
    sim.report([(EPCS[0], 1, -45, 4)])
    again = reports.wait_for(4)[-1]
    assert again["FirstSeenTimestampUTC"] == tags[0]["FirstSeenTimestampUTC"]
    assert again["LastSeenTimestampUTC"] > tags[0]["LastSeenTimestampUTC"]
    assert (again["PeakRSSI"], again["TagSeenCount"]) == (-45, 4)


def test_the_rospec_tag_content_selector_is_honoured(sim: LlrpSimulator, connect: Connect) -> None:
    selector = TAG_CONTENT_SELECTOR | {"EnableROSpecID": True, "EnablePeakRSSI": False}
    client, reports = connect(tag_content_selector=selector)
    inventorying(sim, client)

    sim.report([(EPCS[0], 2, -50, 1)])

    (tag,) = reports.wait_for(1)
    assert tag["ROSpecID"] == 1
    assert "PeakRSSI" not in tag
    assert (tag["AntennaID"], tag["TagSeenCount"]) == (2, 1)


def test_reports_need_a_client_running_inventory(sim: LlrpSimulator) -> None:
    with pytest.raises(TimeoutError):
        sim.wait_inventory(timeout=0.1)
    with pytest.raises(RuntimeError):
        sim.report([(EPCS[0], 1, -50, 1)])


def test_a_new_client_gets_reports_after_the_connection_drops(
    sim: LlrpSimulator, connect: Connect
) -> None:
    first, first_reports = connect()
    lost = threading.Event()
    first.add_disconnected_callback(lambda _reader: lost.set())
    inventorying(sim, first)
    sim.report([(EPCS[0], 1, -50, 1)])
    first_reports.wait_for(1)

    sim.drop_client()

    assert lost.wait(15), "sllurp did not notice the dropped connection"
    first.join(10)
    assert not first.is_alive()
    with pytest.raises(RuntimeError):
        sim.report([(EPCS[0], 1, -50, 1)])

    second, second_reports = connect()
    inventorying(sim, second)
    sim.report([(EPCS[1], 2, -55, 2)])
    (tag,) = second_reports.wait_for(1)
    assert (tag["EPC"].decode().upper(), tag["AntennaID"], tag["PeakRSSI"]) == (EPCS[1], 2, -55)
    assert sim.clients == 2
    assert len(first_reports.tags) == 1


def test_disconnect_stops_inventory_and_completes(sim: LlrpSimulator, connect: Connect) -> None:
    client, _ = connect()
    gone = threading.Event()
    client.add_disconnected_callback(lambda _reader: gone.set())
    inventorying(sim, client)
    started = time.monotonic()

    client.disconnect(timeout=10)

    assert time.monotonic() - started < 5  # done, not given up at the timeout
    assert gone.is_set()
    assert not client.is_alive()
    assert client.llrp.state == LLRPReaderState.STATE_DISCONNECTED
    with pytest.raises(RuntimeError):  # DELETE_ROSPEC went through before the socket closed
        sim.report([(EPCS[0], 1, -50, 1)])


def test_keepalives_are_sent_and_acknowledged(sim: LlrpSimulator, connect: Connect) -> None:
    client, _ = connect(keepalive_interval=100)
    inventorying(sim, client)
    wait_until(lambda: sim.keepalive_acks >= 3)


def read_raw(sock: socket.socket) -> bytes:
    header = b""
    while len(header) < 10:
        header += sock.recv(10 - len(header))
    (length,) = struct.unpack("!I", header[2:6])
    body = b""
    while len(body) < length - 10:
        body += sock.recv(length - 10 - len(body))
    return header + body


def read_message(sock: socket.socket) -> dict[str, Any]:
    msg = LLRPMessage(msgbytes=read_raw(sock))
    return {msg.getName(): msg.msgdict[msg.getName()]}


def test_wire_level_answers_echo_ids_and_refuse_unknown_messages(sim: LlrpSimulator) -> None:
    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as sock:
        hello = read_message(sock)["READER_EVENT_NOTIFICATION"]
        assert hello["ReaderEventNotificationData"]["ConnectionAttemptEvent"]["Status"] == "Success"

        request = {"GET_READER_CAPABILITIES": {"ID": 4242, "RequestedData": 3}}  # regulatory
        sock.sendall(LLRPMessage(msgdict=request).msgbytes)
        caps = read_message(sock)["GET_READER_CAPABILITIES_RESPONSE"]
        assert (caps["ID"], caps["LLRPStatus"]["StatusCode"]) == (4242, "Success")
        assert "RegulatoryCapabilities" in caps
        assert "GeneralDeviceCapabilities" not in caps

        get_rospecs = struct.pack("!HII", (1 << 10) | 26, 10, 77)  # not supported here
        sock.sendall(get_rospecs)
        error = read_message(sock)["ERROR_MESSAGE"]
        assert (error["ID"], error["LLRPStatus"]["StatusCode"]) == (77, "UnsupportedMessage")

        sock.sendall(LLRPMessage(msgdict={"CLOSE_CONNECTION": {"ID": 9}}).msgbytes)
        closed = read_message(sock)["CLOSE_CONNECTION_RESPONSE"]
        assert (closed["ID"], closed["LLRPStatus"]["StatusCode"]) == (9, "Success")
        assert sock.recv(1) == b""


def test_antenna_power_in_dbm_from_the_station_config_reaches_the_reader(
    sim: LlrpSimulator,
) -> None:
    """A site description sets power per antenna in dBm (`power_dbm`); the station asks sllurp
    for it, and sllurp picks the reader's nearest power level for each antenna."""
    from edge.readers.rfid_llrp import LlrpReader, LlrpSettings

    settings = LlrpSettings("127.0.0.1", sim.port, antennas=(1, 2), tx_power_dbm={1: 30.0, 2: 27.0})
    config = LlrpReader(settings)._config()
    client = LLRPReaderClient("127.0.0.1", sim.port, config)
    client.connect()
    try:
        inventorying(sim, client)
        assert sim.transmit_power_dbm() == {1: 30.0, 2: 27.0}
    finally:
        client.disconnect(timeout=3)
        client.hard_disconnect()
        client.join(3)


def test_wire_level_access_specs_and_broken_input(sim: LlrpSimulator) -> None:
    """ADD, ENABLE, GET and DELETE_ACCESSSPEC as they travel; a message cut short is refused
    with a status, and one claiming an absurd length ends the session without a hang."""
    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as sock:
        read_message(sock)  # the greeting
        spec = access_spec(3, 1, EPCS[0], EPCS[1], 0)
        sock.sendall(
            LLRPMessage(msgdict={"ADD_ACCESSSPEC": {"ID": 1, "AccessSpec": spec}}).msgbytes
        )
        added = read_message(sock)["ADD_ACCESSSPEC_RESPONSE"]
        assert added["LLRPStatus"]["StatusCode"] == "Success"
        sock.sendall(
            LLRPMessage(msgdict={"ENABLE_ACCESSSPEC": {"ID": 2, "AccessSpecID": 3}}).msgbytes
        )
        assert read_message(sock)["ENABLE_ACCESSSPEC_RESPONSE"]["ID"] == 2
        assert sim.access_specs() == {3: True}

        sock.sendall(struct.pack("!HII", (1 << 10) | 44, 10, 5))  # GET_ACCESSSPECS
        got = read_raw(sock)  # sllurp cannot decode this answer: read by the simulator's parser
        assert struct.unpack("!H", got[:2])[0] & 0x3FF == 54
        (listed,) = [parse_access_spec(b) for t, b in iter_tlvs(got[10:]) if t == 207]
        assert (listed.access_spec_id, listed.enabled, listed.ops[0].words[0]) == (
            3,
            True,
            int(EPCS[1][:4], 16),
        )

        short = struct.pack("!HII", (1 << 10) | 42, 12, 6) + b"\x00\x00"  # AccessSpecID cut
        sock.sendall(short)
        refused = read_message(sock)["ENABLE_ACCESSSPEC_RESPONSE"]
        assert (refused["ID"], refused["LLRPStatus"]["StatusCode"]) == (6, "A_Invalid")

        sock.sendall(
            LLRPMessage(msgdict={"DELETE_ACCESSSPEC": {"ID": 7, "AccessSpecID": 0}}).msgbytes
        )
        assert read_message(sock)["DELETE_ACCESSSPEC_RESPONSE"]["LLRPStatus"]["StatusCode"] == (
            "Success"
        )
        assert sim.access_specs() == {}

        sock.sendall(struct.pack("!HII", (1 << 10) | 40, 0xFFFFFFF0, 8))  # 4 GB promised
        assert sock.recv(1) == b""  # the reader hangs up
