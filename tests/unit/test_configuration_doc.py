"""docs/configuration.md's walk-through, done: the block it shows added to the example depot
gives what the page says it gives."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from edge.config import load_config
from edge.readers.rfid_llrp import LlrpSettings
from gateway.config import load_config as load_gateway_config
from gateway.domain.direction import Zones
from siteconfig.build import build, read_site

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
EXAMPLE = ROOT / "firmware-config" / "sites" / "LC01.yaml"


def walkthrough_block() -> dict[str, list[dict[str, object]]]:
    text = DOC.read_text()
    block = re.search(r"<!-- walkthrough:start -->\n```yaml\n(.*?)```", text, re.S)
    assert block, "the walk-through's YAML block is missing from docs/configuration.md"
    loaded: dict[str, list[dict[str, object]]] = yaml.safe_load(block[1])
    return loaded


def with_door_four(tmp_path: Path) -> Path:
    site = yaml.safe_load(EXAMPLE.read_text())
    addition = walkthrough_block()
    site["doors"] += addition["doors"]
    site["stations"] += addition["stations"]
    path = tmp_path / "LC01.yaml"
    path.write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    return path


def test_adding_door_four_with_its_portal(tmp_path: Path) -> None:
    out = tmp_path / "build"
    before, problems = read_site(EXAMPLE)
    assert before is not None, problems
    build(before, out)
    passwords = {p.name: p.read_text() for p in (out / ".secrets" / "mqtt").iterdir()}
    sheets = {p.name: p.read_bytes() for p in (out / "sheets").iterdir()}
    chain = {n: (out / "broker" / n).read_bytes() for n in ("ca.pem", "server.pem", "server.key")}

    site, problems = read_site(with_door_four(tmp_path))
    assert site is not None, [str(p) for p in problems]
    build(site, out)

    # nothing changes for the other devices, nor the depot's certificate chain they trust
    for name, content in chain.items():
        assert (out / "broker" / name).read_bytes() == content, name
    for name, password in passwords.items():
        assert (out / ".secrets" / "mqtt" / name).read_text() == password
    assert set(sheets) < {p.name for p in (out / "sheets").iterdir()}
    assert (out / "sheets" / "LC01-D04-RFID1.pdf").exists()
    # the station runs the reader over LLRP, antennas 1 and 2 at 30 dBm
    station = load_config(out / "stations" / "ST-D04" / "edge" / "station.toml")
    (reader,) = station.devices
    assert reader.kind == "rfid_llrp" and reader.door == "D04"
    assert isinstance(reader.reader, LlrpSettings)
    assert reader.reader.host == "10.20.0.41" and reader.reader.port == 5084
    assert reader.reader.antennas == (1, 2)
    assert reader.reader.tx_power_dbm == {1: 30.0, 2: 30.0}
    assert reader.reader.window == 0.25  # a portal telling direction: a profile per pass
    assert reader.reader.report_every == 1.0  # within the gateway's window for a presence
    # the gateway smooths door 4 by its own rules, the others by the depot's
    gateway = load_gateway_config(out / "gateway" / "gateway" / "gateway.toml")
    door = gateway.rfid_doors["D04"]
    assert (door.window, door.rssi_floor, door.min_reads) == (2.0, -62.0, 3)
    # ... and tells a pallet going out (antenna 1, then 2) from one coming in
    assert door.zones == Zones(outer=frozenset({1}), inner=frozenset({2}))
    assert all(r.zones is None for d, r in gateway.rfid_doors.items() if d != "D04")
    assert gateway.rfid.rssi_floor == -70.0
    # the broker knows the reader and holds it to its own topics
    acl = (out / "broker" / "acl").read_text()
    assert "user LC01-D04-RFID1\ntopic write wh/v1/LC01/scan/LC01-D04-RFID1\n" in acl
    assert "topic write wh/v1/LC01/encoded/LC01-D04-RFID1\n" in acl  # its encode outcomes
    assert any(
        line.startswith("LC01-D04-RFID1:$7$")
        for line in (out / "broker" / "passwd").read_text().splitlines()
    )


def test_the_mistakes_the_walkthrough_names_are_reported(tmp_path: Path) -> None:
    path = with_door_four(tmp_path)
    site = yaml.safe_load(path.read_text())
    reader = site["stations"][-1]["devices"][0]
    reader["antennas"] = [{"port": 5, "power_dbm": 35}]
    reader["door"] = "D4"
    path.write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    _, problems = read_site(path)
    text = "\n".join(str(p) for p in problems)
    assert "antenna ports 1-4 only" in text
    assert "35 dBm is above" in text
    assert "door 'D4' is not among the site's doors" in text
    assert all(p.line for p in problems)


def test_zones_that_do_not_fit_the_reader_are_reported(tmp_path: Path) -> None:
    path = with_door_four(tmp_path)
    site = yaml.safe_load(path.read_text())
    reader = site["stations"][-1]["devices"][0]
    reader["zones"] = {"outer": [1, 2], "inner": [2, 3]}
    second = {**reader, "id": "LC01-D04-RFID2", "connection": {"host": "10.20.0.42"}}
    site["stations"][-1]["devices"].append({**second, "zones": {"outer": [1], "inner": [2]}})
    path.write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    _, problems = read_site(path)
    found = {(p.where(), p.message) for p in problems}
    assert ("stations[3].devices[0].zones.inner[0]", "antenna 2 is also in the outer zone") in found
    assert (
        "stations[3].devices[0].zones.inner[1]",
        "antenna 3 is not one of the reader's antennas",
    ) in found
    assert any(w == "stations[3].devices[1].zones" and "door D04" in m for w, m in found), found
    assert all(p.line for p in problems)


def test_a_zoned_doors_readers_on_two_stations_are_refused(tmp_path: Path) -> None:
    """Direction is the order of a door's reads, each timed by its station's clock: readers of
    one zoned door on two stations (two clocks) are refused; on one station they are fine."""
    path = with_door_four(tmp_path)
    site = yaml.safe_load(path.read_text())
    reader = site["stations"][-1]["devices"][0]
    second = {**reader, "id": "LC01-D04-RFID2", "connection": {"host": "10.20.0.42"}}
    site["stations"].append({"id": "ST-D04B", "host": "10.20.0.19", "devices": [second]})
    path.write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    _, problems = read_site(path)
    assert [(p.where(), "belong on one station" in p.message) for p in problems] == [
        ("stations[4].devices[0].zones", True)
    ]
    site["stations"].pop()
    site["stations"][-1]["devices"].append(second)
    path.write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    assert read_site(path)[1] == []


def test_the_built_gateway_file_is_plain_toml(tmp_path: Path) -> None:
    site, _ = read_site(with_door_four(tmp_path))
    assert site is not None
    build(site, tmp_path / "out")
    doc = tomllib.loads((tmp_path / "out/gateway/gateway/gateway.toml").read_text())
    assert doc["rfid"]["doors"]["D04"]["min_reads"] == 3
    assert doc["rfid"]["doors"]["D04"]["zones"] == {"outer": [1], "inner": [2]}
