"""Kinds of reader: a kind declared in one module is read from the station's TOML and run by
the station, with no other module knowing it. The kind here is declared in this test module
and registered at run time; the station reads its keys, runs it against a real broker, and
beeps it when the gateway answers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from edge.config import ConfigError, load_config
from edge.readers import Emit, RawRead, Report, ready
from edge.readers.kinds import ReaderKind, Table, kinds, register, unregister
from edge.station.agent import Station
from harness.mosquitto import Mosquitto
from harness.mqtt import MqttTestClient
from harness.procs import wait_until
from kernel.contract import Answer, cmd_topic, parse_scan

ROOT = Path(__file__).resolve().parents[2]
SITE, DEVICE = "LC01", "LC01-D09-SCRIPT"


@dataclass(frozen=True, slots=True)
class ScriptSettings:
    codes: tuple[str, ...]  # what the reader reads, one after the other, once it starts
    source: str = "serial"


def script_settings(table: Table) -> ScriptSettings:
    codes = table.required("codes")
    if not isinstance(codes, list) or not codes:
        raise table.error("codes", "must list at least one code")
    return ScriptSettings(tuple(str(c) for c in codes), str(table.get("source", "serial")))


class ScriptReader:
    """Reads its codes once started; keeps what the station sends it."""

    def __init__(self, settings: ScriptSettings) -> None:
        self.settings = settings
        self.received = bytearray()
        self._lock = threading.Lock()

    def start(self, emit: Emit, report: Report) -> None:
        report(ready(f"reading {len(self.settings.codes)} scripted codes"))
        for code in self.settings.codes:
            emit(RawRead(code.encode("ascii"), self.settings.source))

    def stop(self) -> None:
        pass

    def feedback(self, data: bytes) -> None:
        with self._lock:
            self.received.extend(data)


SCRIPT = ReaderKind("test_script", settings=script_settings, reader=ScriptReader)


@pytest.fixture
def script_kind() -> Iterator[ReaderKind]:
    register(SCRIPT)
    yield SCRIPT
    unregister(SCRIPT.name)


def station_toml(tmp_path: Path, port: int, device: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f'site = "{SITE}"\nspool_dir = "spool"\nresend_after = 2.0\nheartbeat = 1.0\n'
        f'[broker]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[[device]]\nid = "{DEVICE}"\ndoor = "D09"\n' + textwrap.dedent(device),
        encoding="utf-8",
    )
    return path


def test_the_built_in_kinds_are_found_in_their_modules() -> None:
    assert {"serial", "camera", "rfid_serial", "rfid_llrp", "keyboard"} <= set(kinds())


def test_a_registered_kind_reads_its_own_keys(script_kind: ReaderKind, tmp_path: Path) -> None:
    path = station_toml(tmp_path, 1883, 'kind = "test_script"\ncodes = ["LOC:A-03-02"]\n')
    device = load_config(path).devices[0]
    assert device.kind == "test_script"
    assert device.reader == ScriptSettings(("LOC:A-03-02",))

    missing = station_toml(tmp_path, 1883, 'kind = "test_script"\n')
    with pytest.raises(ConfigError, match=r"device\[0\]\.codes is required"):
        load_config(missing)
    empty = station_toml(tmp_path, 1883, 'kind = "test_script"\ncodes = []\n')
    with pytest.raises(ConfigError, match=r"device\[0\]\.codes must list at least one code"):
        load_config(empty)


def test_an_unknown_kind_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = station_toml(tmp_path, 1883, 'kind = "test_script"\ncodes = ["X"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)  # not registered here
    message = str(info.value)
    assert "device[0].kind 'test_script' is not one of" in message
    assert all(name in message for name in ("serial", "camera", "rfid_llrp", "keyboard"))


def test_a_name_is_one_kind(script_kind: ReaderKind) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register(ReaderKind("test_script", settings=script_settings, reader=ScriptReader))
    with pytest.raises(ValueError, match="already registered"):
        register(ReaderKind("serial", settings=script_settings, reader=ScriptReader))


def test_the_station_runs_a_registered_kind(
    script_kind: ReaderKind, broker: Mosquitto, tmp_path: Path
) -> None:
    gateway_side = MqttTestClient(broker.port)
    gateway_side.subscribe(f"wh/v1/{SITE}/scan/+")
    watcher = MqttTestClient(broker.port)
    watcher.subscribe(f"wh/v1/{SITE}/status/{DEVICE}")
    device = 'kind = "test_script"\ncodes = ["LOC:A-03-02"]\nbeep = { ok = "07 07" }\n'
    station = Station.from_config(load_config(station_toml(tmp_path, broker.port, device)))
    reader = station.agents[0].reader
    assert isinstance(reader, ScriptReader)
    station.start()
    try:
        scan = parse_scan(gateway_side.next().payload)
        assert (scan.device, scan.door, scan.source) == (DEVICE, "D09", "serial")
        assert scan.valid and scan.data.kind == "location" and scan.data.location == "A-03-02"
        status = json.loads(watcher.next().payload)
        while not status.get("ready"):
            status = json.loads(watcher.next().payload)
        assert status["kind"] == "test_script"
        assert status["reader"] == "reading 1 scripted codes"

        reply = Answer(scan.event_id, "ok", "已到位", "At location", "ok")
        gateway_side.publish(cmd_topic(SITE, DEVICE), reply.to_json())
        wait_until(lambda: bytes(reader.received) == b"\x07\x07", 20, "the ok beep")
    finally:
        station.stop()
        gateway_side.close()
        watcher.close()


def test_a_kind_whose_extra_is_missing_says_which_to_install(tmp_path: Path) -> None:
    """A station with [edge] alone reads a camera's and an LLRP reader's settings, and
    refuses to start them with the extra that brings their libraries."""
    path = station_toml(tmp_path, 1883, 'kind = "camera"\nsource = "0"\n')
    with path.open("a", encoding="utf-8") as out:
        out.write('[[device]]\nid = "LC01-D09-LLRP"\nkind = "rfid_llrp"\nhost = "10.0.0.31"\n')
    probe = textwrap.dedent(
        f"""
        import sys
        for name in ("cv2", "numpy", "zxingcpp", "pyzbar", "sllurp"):
            sys.modules[name] = None  # not installed
        from pathlib import Path
        from edge.config import load_config
        from edge.readers.kinds import MissingExtra, open_reader
        config = load_config(Path({str(path)!r}))
        for device in config.devices:
            try:
                open_reader(device.id, device.kind, device.reader)
            except MissingExtra as exc:
                print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.splitlines() == [
        f"{DEVICE}: cameras need pip install 'depot-floor[camera]' (cv2 is missing)",
        "LC01-D09-LLRP: LLRP readers need pip install 'depot-floor[llrp]' (sllurp is missing)",
    ]
