"""`depot config validate`: every mistake of a site description at once, each with its path
and line and a reason a depot engineer understands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from siteconfig.validate import problems, schema
from siteconfig.yamlfile import load_yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "firmware-config" / "sites" / "LC01.yaml"

BROKEN = """\
version: 1
site:
  id: LC 01
  name_zh: 测试库
server:
  url: ftp://central
broker:
  host: 10.0.0.2
  tls_port: 1883
  local_port: 1883
gateway:
  host: 10.0.0.2
  disk_alarm_mb: 100
  disk_refuse_mb: 500
  colour: blue
doors:
  - id: D01
  - id: D01
zones:
  - id: A
stations:
  - id: ST1
    devices:
      - id: LC01-D01-FIX1
        kind: serial_scanner
        door: D09
        connection: {port: /dev/ttyACM0}
      - id: LC01-D01-FIX2
        kind: serial_scanner
        door: D01
        connection: {port: /dev/ttyACM0}
        symbologies: [gs1-128]
      - id: LC01-D01-FIX1
        kind: cordless_handheld
        zone: Q
        connection: {port: /dev/ttyACM1, baudrate: 12345}
      - id: LC01-D02-RFID1
        kind: rfid_reader
        profile: impinj-r700
        door: D01
        connection: {host: 10.0.0.41}
        rssi_floor: -150
        antennas: [{port: 1}, {port: 6}, {port: 1, power_dbm: 35}]
      - id: LC01-D01-RFID2
        kind: rfid_reader
        profile: impinj-r700
        door: D01
        connection: {host: 10.0.0.41}
        rssi_floor: -60
      - id: LC01-CAM
        kind: camera
        profile: zebra-ds2208
        connection: {source: "0"}
        suffix: "\\r"
      - id: LC01-X
        kind: serial_scanner
        profile: no-such-model
        rssi_floor: -60
      - id: LC01-BEEP
        kind: serial_scanner
        connection: {port: /dev/ttyUSB9}
        beep: {ok: "zz"}
"""

# (path, words of the reason): one for each kind of mistake in BROKEN
EXPECTED = [
    ("site.id", "topic level"),
    ("server.url", "http:// or https://"),
    ("broker.local_port", "also the TLS port"),
    ("gateway.disk_refuse_mb", "below disk_alarm_mb"),
    ("gateway.colour", "unknown key"),
    ("doors[1].id", "appears twice"),
    ("stations[0].devices[0].door", "door 'D09' is not among the site's doors"),
    ("stations[0].devices[1].connection.port", "serial port /dev/ttyACM0 is already used"),
    ("stations[0].devices[1].symbologies", "needs aim_ids: true"),
    ("stations[0].devices[2].id", "appears twice"),
    ("stations[0].devices[2].zone", "zone 'Q' is not among the site's zones"),
    ("stations[0].devices[2].connection.baudrate", "12345 is not one of"),
    ("stations[0].devices[3].rssi_floor", "out of range"),
    ("stations[0].devices[3].antennas[1].port", "antenna ports 1-4 only"),
    ("stations[0].devices[3].antennas[2].port", "listed twice"),
    ("stations[0].devices[3].antennas[2].power_dbm", "above"),
    ("stations[0].devices[4].connection.host", "reader 10.0.0.41:5084 is already"),
    ("stations[0].devices[4].rssi_floor", "door D01 smooths RFID once"),
    ("stations[0].devices[5].profile", "is a serial_scanner, not a camera"),
    ("stations[0].devices[5].suffix", "scanners that send text only"),
    ("stations[0].devices[6].profile", "no profile 'no-such-model'"),
    ("stations[0].devices[6].rssi_floor", "RFID readers only"),
    ("stations[0].devices[6].connection", "is required"),
    ("stations[0].devices[7].beep.ok", "bytes in hex"),
]


def test_every_kind_of_mistake_is_reported_at_once_with_its_path_and_line() -> None:
    found = problems(load_yaml(BROKEN))
    reported = {(p.where(), p.message) for p in found}
    for path, words in EXPECTED:
        assert any(where == path and words in message for where, message in reported), (
            f"{path}: {words!r} not in {sorted(reported)}"
        )
    lines = BROKEN.splitlines()
    for problem in found:
        assert problem.line is not None, problem
        key = problem.path[-1]
        if isinstance(key, str) and problem.line:
            assert key in lines[problem.line - 1] or "-" in lines[problem.line - 1], problem


def test_a_connection_written_as_text_is_a_problem_not_a_crash() -> None:
    text = EXAMPLE.read_text().replace(
        "connection: {port: /dev/ttyACM1}", "connection: /dev/ttyACM1"
    )
    found = problems(load_yaml(text))
    assert any(p.where().endswith("devices[1].connection") and "mapping" in p.message
               for p in found), [str(p) for p in found]  # fmt: skip


def test_the_example_depot_has_no_problems() -> None:
    assert problems(load_yaml(EXAMPLE.read_text())) == []


def test_yaml_mistakes_name_their_line() -> None:
    (problem,) = problems(load_yaml("version: 1\nsite:\n  id: [LC01\n"))
    assert problem.line == 4 and "not valid YAML" in problem.message
    twice = problems(load_yaml(EXAMPLE.read_text().replace("version: 1", "version: 1\nversion: 1")))
    assert any(p.message.startswith("given twice") and p.line == 9 for p in twice)


def test_the_published_schema_is_the_one_used() -> None:
    """The published copy is `depot config schema`'s output, kinds of device and all."""
    published = (ROOT / "firmware-config" / "site.schema.json").read_text(encoding="utf-8")
    assert json.loads(published) == schema()
    run = subprocess.run(
        [sys.executable, "-m", "kernel.cli", "config", "schema"],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == published, "run: depot config schema > firmware-config/site.schema.json"


def test_the_command_prints_every_problem_and_fails(tmp_path: Path) -> None:
    site = tmp_path / "broken.yaml"
    site.write_text(BROKEN)
    run = subprocess.run(
        [sys.executable, "-m", "kernel.cli", "config", "validate", str(site)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert f"{len(problems(load_yaml(BROKEN)))} problem(s)" in run.stderr
    assert "line 26: stations[0].devices[0].door: door 'D09'" in run.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "kernel.cli", "config", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "no problems" in ok.stdout
