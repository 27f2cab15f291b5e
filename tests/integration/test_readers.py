"""Every kind of reader a station has, on its real path, publishing to a real broker.
The test plays the gateway: it collects the scan messages and answers them."""

from __future__ import annotations

import json
import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from demo.exampledata import generate
from edge.decode.keymap import type_text
from harness.depot import PtyScanner, StationProcess, device_toml
from harness.labels import frame_with, render, standard_labels, write_video
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.contract import Answer, ScanMessage, cmd_topic, parse_scan

SITE = "LC01"
GTIN = generate().items[0].gtin


@pytest.fixture
def gateway_side(broker: Mosquitto) -> Iterator[MqttTestClient]:
    client = MqttTestClient(broker.port)
    client.subscribe(f"wh/v1/{SITE}/scan/+")
    yield client
    client.close()


def played(station: StationProcess, video: Path) -> None:
    """The camera has read the whole video file and taken every code in it."""
    station.proc.wait_for_log(f"LC01-D01-CAM1 not ready: video {video} finished")


def collect(client: MqttTestClient, count: int, timeout: float = 20) -> list[ScanMessage]:
    """The first `count` reads to arrive, in order. A read the test has not answered yet is
    sent again after `resend_after` (2 s) with the same event_id: counted once, so a slow
    run cannot fill the count with resends."""
    scans: dict[str, ScanMessage] = {}
    deadline = time.monotonic() + timeout
    while len(scans) < count and time.monotonic() < deadline:
        try:
            message = client.next(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        scan = parse_scan(message.payload)
        scans.setdefault(scan.event_id, scan)
    return list(scans.values())


def answer_all(client: MqttTestClient, scans: list[ScanMessage]) -> None:
    for scan in scans:
        client.publish(
            cmd_topic(scan.site, scan.device),
            Answer(scan.event_id, "ok", "好", "ok", "ok").to_json(),
        )


def test_a_camera_reads_each_label_in_a_video_once(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    labels = standard_labels(GTIN)
    blank = frame_with([])
    frames = []
    for label in labels:  # each label in view for 10 frames, then a gap
        frames += [frame_with([render(label, 3)])] * 10 + [blank] * 5
    video = write_video(tmp_path / "door.avi", frames)
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-CAM1", "camera", source=str(video), dedupe_seconds=5.0),
        ],
    ).start()
    try:
        played(station, video)
        scans = collect(gateway_side, len(labels))
        answer_all(gateway_side, scans)
        later = {parse_scan(m.payload).event_id for m in gateway_side.drain(2)}
        assert later <= {s.event_id for s in scans}  # resends only: no label read twice
    finally:
        station.stop()
    by_data = {s.raw.removeprefix((s.symbology or "").encode()): s for s in scans}
    for label in labels:
        scan = by_data[label.data]
        assert scan.source == "camera" and scan.symbology == label.symbology, label.name
        assert scan.valid, (label.name, scan.error)
    assert by_data[labels[0].data].data.batch == "LOT24A"
    assert by_data[labels[0].data].data.qty == 20
    assert by_data[labels[1].data].data.gtin == GTIN
    assert by_data[labels[2].data].data.location == "A-03-02"
    assert by_data[labels[3].data].data.serial == "SN0042"
    assert by_data[labels[3].data].data.expiry == "2028-12-31"


def test_a_camera_reads_several_codes_in_one_frame(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    labels = standard_labels(GTIN)[:3]
    frame = frame_with([render(label, 3) for label in labels])
    video = write_video(tmp_path / "many.avi", [frame] * 6)
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-CAM1", "camera", source=str(video)),
        ],
    ).start()
    try:
        scans = collect(gateway_side, 3)
    finally:
        station.stop()
    assert sorted(s.symbology or "" for s in scans) == sorted(lb.symbology for lb in labels)


def test_an_rfid_reader_on_a_serial_line(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient, scanner: PtyScanner
) -> None:
    from epcpy.epc_schemes.sgtin import SGTIN, SGTINFilterValue

    epc = SGTIN(f"urn:epc:id:sgtin:{GTIN[1:8]}.0{GTIN[8:13]}.77").hex(
        filter_value=SGTINFilterValue.POS_ITEM,
        binary_coding_scheme=SGTIN.BinaryCodingScheme.SGTIN_96,
    )
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-RFID1", "rfid_serial", port=scanner.port, window=0.3),
        ],
    ).start()
    try:
        for rssi in (-61, -55.5, -58):  # a portal reads one tag several times
            scanner.scan(f"{epc},2,{rssi}".encode(), b"\r\n")
        scanner.scan(b"this is not a tag", b"\r\n")
        scans = collect(gateway_side, 2)
    finally:
        station.stop()
    good = next(s for s in scans if s.valid)
    bad = next(s for s in scans if not s.valid)
    assert good.source == "rfid" and good.data.kind == "epc"
    assert good.data.gtin == GTIN and good.data.serial == "77"
    assert good.rfid is not None
    assert (good.rfid.antenna, good.rfid.rssi, good.rfid.reads) == (2, -55.5, 3)
    assert bad.error == "rfid_bad_line" and bad.raw == b"this is not a tag"


def test_a_keyboard_wedge_scanner_through_evdev(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    events = tmp_path / "scanner-event-kbd"
    os.mkfifo(events)
    # The scanner is plugged in before the station starts: held open for writing (O_RDWR
    # does not wait for a reader), the FIFO opens for the station at once, like a device.
    keyboard = os.open(events, os.O_RDWR)
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-HH-KB1", "keyboard", input=str(events)),
        ],
    )
    try:
        station.start()
        assert f"LC01-HH-KB1 ready: reading key events from {events}" in station.proc.log()
        os.write(keyboard, type_text(f"01{GTIN}10KB1\x1d3012"))  # a scanner that sends Ctrl+]
        os.write(keyboard, type_text("LOC:B-01-01"))
        scans = collect(gateway_side, 2)
    finally:
        station.stop()
        os.close(keyboard)
    assert [s.source for s in scans] == ["keyboard", "keyboard"]
    assert (scans[0].data.gtin, scans[0].data.batch, scans[0].data.qty) == (GTIN, "KB1", 12)
    assert scans[1].data.location == "B-01-01"


def test_a_keyboard_wedge_scanner_on_a_terminal(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient, scanner: PtyScanner
) -> None:
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-HH-KB2", "keyboard", input=scanner.port),
        ],
    ).start()
    try:
        scanner.scan(b"EMP:W0217", b"\r")
        scans = collect(gateway_side, 1)
    finally:
        station.stop()
    assert scans[0].data.kind == "badge" and scans[0].data.badge == "W0217"


def test_several_scanners_on_one_station_each_with_its_own_identity(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    first, second = PtyScanner(), PtyScanner()
    beeps = {"ok": "07", "error": "1b"}
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-FIX1", "serial", port=first.port, beep=beeps),
            device_toml("LC01-D02-FIX1", "serial", door="D02", port=second.port, beep=beeps),
        ],
    ).start()
    try:
        first.scan(b"LOC:A-01-01")
        second.scan(b"LOC:A-01-02")
        second.scan(b"]C10106901234567893")  # bad check digit: beeps the error at once
        scans = collect(gateway_side, 3)
        wait_until(lambda: b"\x1b" in second.received(), 15, "the error beep on scanner 2")
        answer_all(gateway_side, [s for s in scans if s.valid])
        wait_until(lambda: b"\x07" in first.received(), 15, "the ok beep on scanner 1")
    finally:
        station.stop()
        first.close()
        second.close()
    devices = {s.data.location: (s.device, s.door) for s in scans if s.valid}
    assert devices == {"A-01-01": ("LC01-D01-FIX1", "D01"), "A-01-02": ("LC01-D02-FIX1", "D02")}
    bad = next(s for s in scans if not s.valid)
    assert bad.device == "LC01-D02-FIX1" and bad.error == "gs1_check_digit"
    assert [s.seq for s in scans if s.device == "LC01-D02-FIX1"] == [1, 2]


def reader_status(watcher: MqttTestClient, ready: bool, timeout: float = 20) -> str:
    """Wait for the device's status saying its reader is (or is not) ready; what it reads,
    or why it cannot."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        status = json.loads(watcher.next(timeout=left).payload)
        if status["state"] == "online" and status["ready"] is ready:
            return str(status["reader"])
    raise TimeoutError(f"no status with ready={ready}")


def test_a_scanner_unplugged_and_plugged_back_in(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    link = tmp_path / "ttyACM0"
    first = PtyScanner()
    link.symlink_to(first.port)
    watcher = MqttTestClient(broker.port)
    watcher.subscribe(f"wh/v1/{SITE}/status/LC01-D01-FIX1")
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-FIX1", "serial", port=str(link)),
        ],
    ).start()
    try:
        assert reader_status(watcher, ready=True) == f"reading {link}"
        first.scan(b"LOC:A-01-01")
        assert collect(gateway_side, 1)[0].data.location == "A-01-01"
        first.close()  # unplugged: the port goes away
        link.unlink()
        station.proc.wait_for_log("LC01-D01-FIX1 not ready: scanner on")
        assert "unavailable" in reader_status(watcher, ready=False)
        again = PtyScanner()  # plugged back in, maybe under another device node
        link.symlink_to(again.port)
        station.proc.wait_for_log("LC01-D01-FIX1 ready:", count=2)  # ready again
        assert reader_status(watcher, ready=True) == f"reading {link}"
        again.scan(b"LOC:A-01-02")
        assert collect(gateway_side, 1)[0].data.location == "A-01-02"
        again.close()
    finally:
        station.stop()
        watcher.close()


def test_frames_of_noise_yield_no_reads(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8) for _ in range(8)]
    video = write_video(tmp_path / "noise.avi", frames)
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml("LC01-D01-CAM1", "camera", source=str(video)),
        ],
    ).start()
    try:
        played(station, video)
        assert gateway_side.drain(1.5) == []
    finally:
        station.stop()


def test_a_fixed_rfid_reader_over_llrp(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    from epcpy.epc_schemes.sscc import SSCC, SSCCFilterValue

    from harness.llrp_sim import LlrpSimulator

    sscc = SSCC("urn:epc:id:sscc:6921734.0000000123")
    pallet = sscc.hex(
        filter_value=SSCCFilterValue.ALL_OTHERS,
        binary_coding_scheme=SSCC.BinaryCodingScheme.SSCC_96,
    )
    reader = LlrpSimulator(antennas=4).start()
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml(
                "LC01-D01-RFID2",
                "rfid_llrp",
                host="127.0.0.1",
                port=reader.port,
                antennas=[1, 2],
                window=0.3,
            ),
        ],
    ).start()
    try:
        reader.wait_inventory()
        reader.report([(pallet, 1, -61, 3), (pallet, 2, -70, 1)])
        reader.report([(pallet, 1, -52, 4)])
        scans = collect(gateway_side, 2)
        reader.drop_client()  # the reader loses power and comes back
        station.proc.wait_for_log("LC01-D01-RFID2 not ready: LLRP reader")
        station.proc.wait_for_log("LC01-D01-RFID2 ready: inventory running", count=2)
        assert reader.clients >= 2
        reader.wait_inventory()
        reader.report([(pallet, 1, -58, 2)])
        scans += collect(gateway_side, 1)
    finally:
        station.stop()
        reader.stop()
    per_antenna = {(s.rfid.antenna, s.rfid.reads, s.rfid.rssi) for s in scans if s.rfid}
    assert (1, 7, -52.0) in per_antenna and (2, 1, -70.0) in per_antenna
    assert (1, 2, -58.0) in per_antenna  # after the reconnect
    assert all(s.source == "rfid" and s.data.sscc == sscc.gs1_key() for s in scans)


def test_a_camera_reads_only_inside_its_region_of_interest(
    tmp_path: Path, broker: Mosquitto, gateway_side: MqttTestClient
) -> None:
    qr, ean = standard_labels(GTIN)[2], standard_labels(GTIN)[1]
    frame = frame_with([render(qr, 4), render(ean, 3)])  # QR at the left, EAN-13 beside it
    video = write_video(tmp_path / "roi.avi", [frame] * 6)
    station = StationProcess(
        tmp_path / "station",
        broker.port,
        [
            device_toml(
                "LC01-D01-CAM1",
                "camera",
                source=str(video),
                roi=[0, 0, 420, 720],
                scale=0.5,
                min_module_px=4.0,
            ),
        ],
    ).start()
    try:
        played(station, video)
        scans = collect(gateway_side, 2, timeout=5)
    finally:
        station.stop()
    assert [s.data.location for s in scans] == ["A-03-02"]  # the EAN-13 lies outside the region
