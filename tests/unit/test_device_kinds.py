"""Kinds of device: each is one entry of siteconfig/kinds.py (and a profile), and the schema,
the checks, the station's file and the enrolment sheet all take it from there. A kind made
up here and put in the table is validated, built into the station's file and named on its
sheet with no other change; a kind the table lacks is refused, naming those it has."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from edge.config import parse_config
from edge.readers.kinds import kinds as reader_kinds
from harness.pdfcheck import text as pdf_text
from kernel.tomlfile import dumps
from siteconfig.build import build
from siteconfig.kinds import (
    CODES,
    KINDS,
    DeviceKind,
    Group,
    Settings,
    codes,
    connection,
    rfid_station,
)
from siteconfig.model import site_from
from siteconfig.parts import station_doc
from siteconfig.profiles import merged, profiles
from siteconfig.validate import problems
from siteconfig.yamlfile import Document, Problem
from siteconfig.yamlfile import Path as DocPath

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "firmware-config" / "sites" / "LC01.yaml"


def example_with(*devices: dict[str, Any]) -> dict[str, Any]:
    """The example depot with a station ST-NEW holding `devices`."""
    site: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    site["stations"].append({"id": "ST-NEW", "devices": list(devices)})
    return site


def reported(site: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.where(), p.message) for p in problems(Document(site))}


# -- the kinds the table has ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(profiles()))
def test_each_profile_makes_a_device_the_station_reads(name: str, tmp_path: Path) -> None:
    kind = profiles()[name]["kind"]
    device = {"id": "LC01-NEW", "kind": kind, "profile": name, "door": "D01"}
    device["connection"] = dict(KINDS[kind].example)
    doc = example_with(device)
    assert [str(p) for p in problems(Document(doc))] == []
    assert merged(device)["kind"] == kind
    site = site_from(doc)
    written = dumps(station_doc(site, site.stations[-1]))
    station = parse_config(tomllib.loads(written), tmp_path)
    (read,) = station.devices
    assert read.id == "LC01-NEW" and read.kind in reader_kinds()
    assert read.symbologies or not merged(device).get("symbologies")


def test_every_kind_has_a_profile_and_every_profile_a_kind() -> None:
    of_profiles = {p["kind"] for p in profiles().values()}
    assert of_profiles == set(KINDS)


def test_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    device = {"id": "LC01-NEW", "kind": "rfid_scanner", "door": "D01"}
    device["connection"] = {"port": "/dev/ttyUSB0"}
    found = problems(Document(example_with(device)))
    (problem,) = found
    assert problem.where() == "stations[3].devices[0].kind"
    assert problem.message == (
        "'rfid_scanner' is not a kind of device; the kinds are: "
        "serial_scanner, cordless_handheld, camera, rfid_reader, keyboard_scanner"
    )


def test_settings_and_connections_of_another_kind_are_refused() -> None:
    scanner = {"id": "LC01-S", "kind": "serial_scanner", "door": "D01", "window": 2.0}
    scanner["connection"] = {"port": "/dev/ttyUSB0", "host": "10.0.0.9"}
    camera = {"id": "LC01-C", "kind": "camera", "door": "D01", "aim_ids": True}
    camera["connection"] = {"source": "0"}
    reader = {"id": "LC01-R", "kind": "rfid_reader", "door": "D01", "symbologies": ["qr"]}
    reader["connection"] = {"protocol": "llrp", "host": "10.0.0.8"}
    found = reported(example_with(scanner, camera, reader))
    at = "stations[3].devices"
    assert found == {
        (f"{at}[0].window", "is a setting of RFID readers only"),
        (
            f"{at}[0].connection.host",
            "is not a connection key of a serial_scanner (it takes port, baudrate)",
        ),
        (f"{at}[1].aim_ids", "is a setting of scanners that send text only"),
        (f"{at}[2].symbologies", "is a setting of scanners and cameras only"),
    }


# -- a kind made up here -------------------------------------------------------------------

LANES = Group("Acme portals", {"lanes": {"type": "integer", "minimum": 1, "maximum": 4}})


def acme_station(settings: Settings) -> tuple[str, dict[str, Any]]:
    c = connection(settings)
    keys = {"address": c["address"], "channel": c.get("channel", 1)}
    return "acme_portal", keys | {"lanes": settings.get("lanes", 1)} | codes(settings)


def lanes_within_channels(
    path: DocPath, full: Settings, profile: Mapping[str, Any] | None
) -> Iterator[Problem]:
    lanes, channels = full.get("lanes", 1), (profile or {}).get("channels", 16)
    if isinstance(lanes, int) and lanes > channels:
        yield Problem((*path, "lanes"), f"the model has {channels} channels only")


ACME = DeviceKind(
    "Acme 通道读写器",
    "Acme portal reader",
    connection={
        "address": {"$ref": "#/$defs/host"},
        "channel": {"type": "integer", "minimum": 1, "maximum": 16},
    },
    station=acme_station,
    example={"address": "10.20.0.77"},
    needs=("address",),
    groups=(CODES, LANES),
    at_door=True,
    rules=(lanes_within_channels,),
    about=("channels",),
)
ACME_PROFILE = {
    "kind": "acme_portal",
    "description": "Acme P2 two-lane portal",
    "channels": 2,
    "lanes": 2,
    "symbologies": ["qr"],
    "setup_zh": "开启网络模式",
    "setup_en": "network mode on",
}


@pytest.fixture
def acme(monkeypatch: pytest.MonkeyPatch) -> DeviceKind:
    monkeypatch.setitem(KINDS, "acme_portal", ACME)
    monkeypatch.setitem(profiles(), "acme-p2", copy.deepcopy(ACME_PROFILE))
    return ACME


def acme_device(**keys: Any) -> dict[str, Any]:
    device = {"id": "LC01-D01-ACME", "kind": "acme_portal", "profile": "acme-p2", "door": "D01"}
    device["connection"] = {"address": "10.20.0.77", "channel": 3}
    return device | keys


def test_a_kind_put_in_the_table_is_built_and_named_on_its_sheet(
    acme: DeviceKind, tmp_path: Path
) -> None:
    doc = example_with(acme_device())
    assert [str(p) for p in problems(Document(doc))] == []
    out = tmp_path / "out"
    build(site_from(doc), out)

    station = tomllib.loads((out / "stations" / "ST-NEW" / "edge" / "station.toml").read_text())
    assert station["device"] == [
        {
            "id": "LC01-D01-ACME",
            "kind": "acme_portal",
            "door": "D01",
            "password_file": "../secrets/LC01-D01-ACME.mqtt",
            "address": "10.20.0.77",
            "channel": 3,
            "lanes": 2,  # from its profile; the model's channels are no setting
            "symbologies": ["qr"],
        }
    ]
    sheet = " ".join(pdf_text(out / "sheets" / "LC01-D01-ACME.pdf").split())
    assert "类型 Kind: Acme 通道读写器 Acme portal reader 门 door D01" in sheet
    assert "acme-p2 — Acme P2 two-lane portal" in sheet and "network mode on" in sheet
    assert "user LC01-D01-ACME\n" in (out / "broker" / "acl").read_text()


def test_a_kind_put_in_the_table_is_checked_by_its_entry(acme: DeviceKind) -> None:
    doc = example_with(
        acme_device(door=None, lanes=3, connection={"channel": 40}),
        {"id": "LC01-S", "kind": "serial_scanner", "door": "D02", "lanes": 1,
         "connection": {"port": "/dev/ttyUSB0", "address": "10.0.0.1"}},
        {"id": "LC01-X", "kind": "acme", "door": "D02"},
    )  # fmt: skip
    del doc["stations"][-1]["devices"][0]["door"]
    at = "stations[3].devices"
    assert reported(doc) == {
        (f"{at}[0].door", "is required here"),
        (f"{at}[0].connection.address", "is required here"),
        (f"{at}[0].connection.channel", "40 is out of range: from 1 to 16"),
        (f"{at}[0].lanes", "the model has 2 channels only"),
        (f"{at}[1].lanes", "is a setting of Acme portals only"),
        (
            f"{at}[1].connection.address",
            "is not a connection key of a serial_scanner (it takes port, baudrate)",
        ),
        (
            f"{at}[2].kind",
            "'acme' is not a kind of device; the kinds are: serial_scanner, "
            "cordless_handheld, camera, rfid_reader, keyboard_scanner, acme_portal",
        ),
    }


def test_the_configuration_page_lists_every_kind() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    table = page.split("<!-- kinds:start -->")[1].split("<!-- kinds:end -->")[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines()[3:] if line]
    assert [row.split("`")[1] for row in rows] == list(KINDS)


def test_an_encoding_readers_session_reaches_its_station() -> None:
    base = {"connection": {"protocol": "llrp", "host": "10.20.0.45"}}
    assert rfid_station({**base, "session": 0}) == (
        "rfid_llrp",
        {"host": "10.20.0.45", "port": 5084, "antennas": [1], "session": 0},
    )
    assert "session" not in rfid_station(base)[1]
