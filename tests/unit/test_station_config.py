"""Unit tests for reading a scanning station's configuration (edge.config.parse_config)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from edge.config import ConfigError, DeviceConfig, StationConfig, parse_config
from edge.decode import DEFAULT_BADGE_PATTERN, DEFAULT_LOCATION_PATTERN
from edge.decode.rfid import DEFAULT_RFID_LINE
from edge.readers.camera import CameraSettings
from edge.readers.keyboard import KeyboardSettings
from edge.readers.rfid_llrp import LlrpSettings
from edge.readers.rfid_serial import RfidSerialSettings
from edge.readers.serial import SerialSettings
from kernel.mqtt import BrokerSettings

BASE = Path("/etc/depot/station")

STATION: dict[str, Any] = {
    "site": "LC01",
    "spool_dir": "spool",
    "broker": {"host": "10.0.0.2", "port": 8883, "tls_ca": "ca.pem", "keepalive": 30},
    "device": [
        {
            "id": "LC01-D01-FIX1",
            "kind": "serial",
            "door": "D01",
            "password_file": "secrets/LC01-D01-FIX1.mqtt",
            "port": "/dev/ttyACM0",
            "beep": {"ok": "1b 07", "error": "1B0715"},
        },
        {"id": "LC01-D01-CAM1", "kind": "camera", "door": "D01", "source": "0"},
        {"id": "LC01-D02-RF1", "kind": "rfid_serial", "door": "D02", "port": "/dev/ttyUSB0"},
        {"id": "LC01-D03-LLRP", "kind": "rfid_llrp", "door": "D03", "host": "10.0.0.31"},
        {"id": "LC01-KB1", "kind": "keyboard", "input": "/dev/input/event3"},
    ],
}


def _station(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(STATION)
    doc.update(changes)
    return doc


def _with_device(index: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(STATION)
    doc["device"][index].update(changes)
    return doc


def _without(index: int, key: str) -> dict[str, Any]:
    doc = copy.deepcopy(STATION)
    del doc["device"][index][key]
    return doc


def _error(doc: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(doc, BASE)
    return str(info.value)


# -- a full station -------------------------------------------------------------------------


def test_full_station() -> None:
    config = parse_config(copy.deepcopy(STATION), BASE)
    assert isinstance(config, StationConfig)
    assert config.site == "LC01"
    assert config.spool_dir == BASE / "spool"
    assert config.broker == BrokerSettings(
        host="10.0.0.2", port=8883, username=None, tls_ca=BASE / "ca.pem", keepalive=30
    )
    assert [d.id for d in config.devices] == [
        "LC01-D01-FIX1",
        "LC01-D01-CAM1",
        "LC01-D02-RF1",
        "LC01-D03-LLRP",
        "LC01-KB1",
    ]
    assert [d.kind for d in config.devices] == [
        "serial",
        "camera",
        "rfid_serial",
        "rfid_llrp",
        "keyboard",
    ]
    assert all(isinstance(d, DeviceConfig) for d in config.devices)
    # station-wide defaults
    assert config.resend_after == 5.0
    assert config.heartbeat == 30.0
    assert config.location_pattern == DEFAULT_LOCATION_PATTERN
    assert config.badge_pattern == DEFAULT_BADGE_PATTERN


def test_serial_device() -> None:
    serial = parse_config(copy.deepcopy(STATION), BASE).devices[0]
    assert serial.door == "D01"
    assert serial.username == "LC01-D01-FIX1"
    assert serial.password_file == BASE / "secrets/LC01-D01-FIX1.mqtt"
    assert serial.beep == {"ok": b"\x1b\x07", "error": b"\x1b\x07\x15"}
    assert serial.reader == SerialSettings(port="/dev/ttyACM0")
    assert isinstance(serial.reader, SerialSettings)
    assert serial.reader.baudrate == 9600
    assert serial.reader.suffix == b"\r"
    assert serial.reader.prefix == b""


def test_camera_device_defaults() -> None:
    camera = parse_config(copy.deepcopy(STATION), BASE).devices[1]
    assert camera.reader == CameraSettings(source="0")
    assert isinstance(camera.reader, CameraSettings)
    assert camera.reader.roi is None
    assert camera.reader.scale == 1.0
    assert camera.reader.min_module_px == 4.0
    assert camera.reader.dedupe_seconds == 2.0
    assert camera.reader.max_fps == 0.0
    assert camera.reader.loop is False
    assert camera.beep == {}
    assert camera.password_file is None


def test_rfid_serial_device_defaults() -> None:
    rfid = parse_config(copy.deepcopy(STATION), BASE).devices[2]
    assert rfid.reader == RfidSerialSettings(port="/dev/ttyUSB0")
    assert isinstance(rfid.reader, RfidSerialSettings)
    assert rfid.reader.baudrate == 115200
    assert rfid.reader.line_pattern == DEFAULT_RFID_LINE
    assert rfid.reader.window == 0.5


def test_llrp_device_defaults() -> None:
    llrp = parse_config(copy.deepcopy(STATION), BASE).devices[3]
    assert llrp.reader == LlrpSettings(host="10.0.0.31")
    assert isinstance(llrp.reader, LlrpSettings)
    assert llrp.reader.port == 5084
    assert llrp.reader.antennas == (1,)
    assert llrp.reader.tx_power == 0
    assert llrp.reader.report_every_n_tags == 1
    assert llrp.reader.window == 0.5


def test_keyboard_device_defaults() -> None:
    keyboard = parse_config(copy.deepcopy(STATION), BASE).devices[4]
    assert keyboard.reader == KeyboardSettings(input="/dev/input/event3", layout="us")
    assert keyboard.door is None


def test_settings_given_explicitly() -> None:
    doc = copy.deepcopy(STATION)
    doc["resend_after"] = 2
    doc["heartbeat"] = 10
    doc["location_pattern"] = r"^L-(?P<code>\d+)$"
    doc["device"][0].update(baudrate=115200, suffix="\r\n", prefix="\x02")
    doc["device"][1].update(
        roi=[10, 20, 640, 360], scale=0.5, min_module_px=3, dedupe_seconds=1, max_fps=15, loop=1
    )
    doc["device"][2].update(baudrate=57600, line_pattern=r"^(?P<epc>[0-9A-F]+)$", window=1)
    doc["device"][3].update(port=5085, antennas=[1, 2, 4], tx_power=10, report_every_n_tags=5)
    doc["device"][4].update(layout="de")
    config = parse_config(doc, BASE)
    assert config.resend_after == 2.0
    assert isinstance(config.resend_after, float)
    assert config.heartbeat == 10.0
    assert config.location_pattern == r"^L-(?P<code>\d+)$"
    serial, camera, rfid, llrp, keyboard = (d.reader for d in config.devices)
    assert serial == SerialSettings("/dev/ttyACM0", 115200, b"\r\n", b"\x02")
    assert camera == CameraSettings("0", (10, 20, 640, 360), 0.5, 3.0, 1.0, 15.0, True)
    assert isinstance(camera, CameraSettings)
    assert isinstance(camera.roi, tuple)
    assert isinstance(camera.min_module_px, float)
    assert rfid == RfidSerialSettings("/dev/ttyUSB0", 57600, r"^(?P<epc>[0-9A-F]+)$", 1.0)
    assert llrp == LlrpSettings("10.0.0.31", 5085, (1, 2, 4), 10, 5, 0.5)
    assert keyboard == KeyboardSettings("/dev/input/event3", "de")


def test_kind_defaults_to_serial() -> None:
    config = parse_config({"site": "LC01", "device": [{"id": "X1", "port": "/dev/ttyS0"}]}, BASE)
    assert config.devices[0].kind == "serial"
    assert config.devices[0].reader == SerialSettings(port="/dev/ttyS0")


def test_minimal_station_defaults() -> None:
    config = parse_config({"site": "LC01", "device": [{"id": "X1", "port": "/dev/ttyS0"}]}, BASE)
    assert config.spool_dir == BASE / "spool"
    assert config.broker == BrokerSettings()
    assert config.broker.host == "127.0.0.1"
    assert config.broker.port == 1883


# -- paths ----------------------------------------------------------------------------------


def test_relative_paths_are_relative_to_base() -> None:
    doc = _station(spool_dir="var/spool", broker={"password_file": "broker.mqtt"})
    config = parse_config(doc, BASE)
    assert config.spool_dir == BASE / "var/spool"
    assert config.broker.password_file == BASE / "broker.mqtt"
    assert config.devices[0].password_file == BASE / "secrets/LC01-D01-FIX1.mqtt"


def test_absolute_paths_stay() -> None:
    doc = _with_device(0, password_file="/run/secrets/fix1.mqtt")
    doc["spool_dir"] = "/var/lib/depot/edge"
    config = parse_config(doc, BASE)
    assert config.spool_dir == Path("/var/lib/depot/edge")
    assert config.devices[0].password_file == Path("/run/secrets/fix1.mqtt")


def test_base_changes_the_paths() -> None:
    other = Path("/srv/other")
    config = parse_config(copy.deepcopy(STATION), other)
    assert config.spool_dir == other / "spool"
    assert config.devices[0].password_file == other / "secrets/LC01-D01-FIX1.mqtt"


# -- broker_for -----------------------------------------------------------------------------


def test_broker_for_a_device_uses_its_own_user_and_password() -> None:
    config = parse_config(copy.deepcopy(STATION), BASE)
    fix1 = config.devices[0]
    settings = config.broker_for(fix1)
    assert settings == BrokerSettings(
        host="10.0.0.2",
        port=8883,
        username="LC01-D01-FIX1",
        password_file=BASE / "secrets/LC01-D01-FIX1.mqtt",
        tls_ca=BASE / "ca.pem",
        keepalive=30,
    )


def test_broker_for_a_device_with_its_own_username() -> None:
    doc = _with_device(1, username="cam-user", password_file="cam.mqtt")
    config = parse_config(doc, BASE)
    settings = config.broker_for(config.devices[1])
    assert settings.username == "cam-user"
    assert settings.password_file == BASE / "cam.mqtt"
    assert (settings.host, settings.port) == ("10.0.0.2", 8883)


def test_broker_for_never_uses_the_station_user() -> None:
    doc = _station(broker={"host": "h", "port": 1884, "username": "station", "password_file": "s"})
    config = parse_config(doc, BASE)
    for device in config.devices:
        settings = config.broker_for(device)
        assert settings.username == device.id
        assert settings.password_file == device.password_file
        assert (settings.host, settings.port) == ("h", 1884)


# -- errors ---------------------------------------------------------------------------------


def test_no_devices() -> None:
    assert "device" in _error(_station(device=[]))
    doc = _station()
    del doc["device"]
    assert "device" in _error(doc)


def test_missing_site() -> None:
    doc = _station()
    del doc["site"]
    assert "site" in _error(doc)


@pytest.mark.parametrize("site", ["", "LC/01", "LC+", "LC#1", "乐昌", "a" * 65, "LC 01"])
def test_bad_site_name(site: str) -> None:
    assert "site" in _error(_station(site=site))


def test_unknown_kind() -> None:
    message = _error(_with_device(2, kind="nfc"))
    assert "device[2].kind" in message
    assert "nfc" in message


def test_missing_id() -> None:
    assert "device[3].id" in _error(_without(3, "id"))


@pytest.mark.parametrize("device_id", ["", "LC01/D01", "D#1", "D 1", "a" * 65])
def test_bad_device_id(device_id: str) -> None:
    assert "device[1].id" in _error(_with_device(1, id=device_id))


def test_duplicate_device_id() -> None:
    message = _error(_with_device(4, id="LC01-D01-CAM1"))
    assert "LC01-D01-CAM1" in message
    assert "twice" in message


def test_serial_device_without_port() -> None:
    assert "device[0].port" in _error(_without(0, "port"))


def test_rfid_serial_device_without_port() -> None:
    assert "device[2].port" in _error(_without(2, "port"))


def test_camera_without_source() -> None:
    assert "device[1].source" in _error(_without(1, "source"))


def test_llrp_without_host() -> None:
    assert "device[3].host" in _error(_without(3, "host"))


def test_keyboard_without_input() -> None:
    assert "device[4].input" in _error(_without(4, "input"))


def test_empty_suffix() -> None:
    assert "device[0].suffix" in _error(_with_device(0, suffix=""))


def test_suffix_with_a_character_wider_than_a_byte() -> None:
    assert "device[0].suffix" in _error(_with_device(0, suffix="。"))


@pytest.mark.parametrize("beep", ["zz", "1b 0", "0x1b07", "1b,07"])
def test_bad_beep_hex(beep: str) -> None:
    assert "device[0].beep.ok" in _error(_with_device(0, beep={"ok": beep}))


def test_unknown_beep_pattern() -> None:
    message = _error(_with_device(0, beep={"ok": "07", "success": "07"}))
    assert "device[0].beep" in message
    assert "success" in message


@pytest.mark.parametrize("roi", [[], [1, 2, 3], [1, 2, 3, 4, 5], [0, 0, -1, 100]])
def test_camera_roi_of_the_wrong_shape(roi: list[int]) -> None:
    assert "device[1].roi" in _error(_with_device(1, roi=roi))


@pytest.mark.parametrize("scale", [0, 0.0, -0.5, 1.01, 2])
def test_camera_scale_out_of_range(scale: float) -> None:
    assert "device[1].scale" in _error(_with_device(1, scale=scale))


@pytest.mark.parametrize("scale", [0.01, 0.5, 1])
def test_camera_scale_in_range(scale: float) -> None:
    camera = parse_config(_with_device(1, scale=scale), BASE).devices[1].reader
    assert isinstance(camera, CameraSettings)
    assert camera.scale == float(scale)


@pytest.mark.parametrize("pattern", ["(?P<epc>[0-9A-F]+", "[", "(?P<epc>a)(?P<epc>b)", "*"])
def test_invalid_line_pattern(pattern: str) -> None:
    assert "device[2].line_pattern" in _error(_with_device(2, line_pattern=pattern))


@pytest.mark.parametrize("pattern", ["^LOC:(?P<code>[A-Z", "(", "+x"])
def test_invalid_location_pattern(pattern: str) -> None:
    assert "location_pattern" in _error(_station(location_pattern=pattern))


def test_invalid_badge_pattern() -> None:
    assert "badge_pattern" in _error(_station(badge_pattern="(?P<code>"))


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)
