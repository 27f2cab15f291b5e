"""The kinds of device a site description names, each written once: `KINDS`.

An entry says everything `depot config` knows about one kind of device:

- what its `connection` takes (each key with its JSON Schema) and which of those keys it
  must have, whether it must stand at a door;
- which groups of settings it takes beyond those every device takes (`id`, `kind`,
  `profile`, `door`, `zone`, `connection`, `beep`, `led`), each key with its schema;
- the checks no schema can state (`rules`, over the device's settings merged with its
  profile's);
- what it becomes in the station's file: the station kind that reads it (a kind of
  `edge/readers/`) and that kind's keys;
- its name on the enrolment sheet, Chinese and English;
- what its profiles say about the model rather than set (`about`), and an example
  connection (for the docs and the tests).

The site schema's device part is made from this table (siteconfig/schema.py), the checks
beyond the schema read it (validate.py), the station file (parts.py) and the sheet
(sheets.py) too. A new kind of device is one entry here plus a profile in profiles.yaml:
see docs/configuration.md, "Adding a kind of device".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from siteconfig.yamlfile import Path, Problem

Schema = Mapping[str, Any]  # a JSON Schema fragment
Settings = Mapping[str, Any]  # a device's settings over its profile's
Rule = Callable[[Path, Settings, Mapping[str, Any] | None], Iterator[Problem]]
# (the device's path, its settings over its profile's, its profile) -> its problems


@dataclass(frozen=True, slots=True)
class Group:
    """Settings that some kinds of device take, and who takes them (for the message a
    device of another kind gets: "is a setting of RFID readers only")."""

    who: str
    keys: Mapping[str, Schema]


@dataclass(frozen=True, slots=True)
class DeviceKind:
    """One kind of device of the site description (see the module's doc)."""

    name_zh: str  # on the enrolment sheet: 类型 Kind: name_zh name_en
    name_en: str
    connection: Mapping[str, Schema]  # the keys its `connection` takes
    station: Callable[[Settings], tuple[str, dict[str, Any]]]  # -> (station kind, its keys)
    example: Mapping[str, Any]  # a connection that makes a valid device with any profile of
    # the kind (the tests build a device of every profile with it)
    needs: tuple[str, ...] = ()  # connection keys it must have
    groups: tuple[Group, ...] = ()  # settings it takes beyond every device's
    at_door: bool = False  # must name its door
    smoothed: bool = False  # the gateway smooths its reads per door (its RFID rules)
    rules: tuple[Rule, ...] = ()
    about: tuple[str, ...] = ()  # what its profiles say about the model, not settings

    def takes(self, key: str) -> bool:
        return any(key in group.keys for group in self.groups)


# -- what devices take ---------------------------------------------------------------------

PORT: Schema = {
    "type": "string",
    "minLength": 1,
    "description": "Serial port (/dev/ttyACM0) for serial devices.",
}
BAUDRATE: Schema = {"enum": [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400]}
POWER: Schema = {"type": "number", "minimum": 0, "maximum": 36}

CODES = Group(
    "scanners and cameras",
    {
        "symbologies": {
            "type": "array",
            "items": {"$ref": "#/$defs/symbology"},
            "uniqueItems": True,
            "minItems": 1,
        }
    },
)
TEXT = Group(
    "scanners that send text",
    {
        "aim_ids": {
            "type": "boolean",
            "description": "The scanner sends AIM symbology identifiers (]C1, ]d2 ...) "
            "before each code.",
        },
        "prefix": {"type": "string", "maxLength": 8},
        "suffix": {"type": "string", "minLength": 1, "maxLength": 8},
    },
)
RFID = Group(
    "RFID readers",
    {
        "antennas": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["port"],
                "properties": {
                    "port": {"type": "integer", "minimum": 1, "maximum": 32},
                    "power_dbm": POWER,
                },
            },
        },
        "power_dbm": POWER,
        "rssi_floor": {"type": "number", "minimum": -120, "maximum": 0},
        "window": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
        "min_reads": {"type": "integer", "minimum": 1, "maximum": 100},
        "session": {
            "type": "integer",
            "minimum": 0,
            "maximum": 3,
            "description": "The Gen2 session of its inventory: 0 for a reader that encodes "
            "tags (a tag resting on the antenna keeps answering); 2, the default, otherwise.",
        },
        "zones": {
            "type": "object",
            "additionalProperties": False,
            "required": ["outer", "inner"],
            "description": "A portal that tells in from out: its antenna ports on the dock "
            "(truck) side, outer, and on the warehouse side, inner.",
            "properties": {
                side: {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "integer", "minimum": 1, "maximum": 32},
                }
                for side in ("outer", "inner")
            },
        },
    },
)
CAMERA = Group(
    "cameras",
    {
        "roi": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "minItems": 4,
            "maxItems": 4,
        },
        "max_fps": {"type": "number", "minimum": 0},
    },
)
SERIAL_LINE: Mapping[str, Schema] = {"port": PORT, "baudrate": BAUDRATE}


# -- what the station reads ----------------------------------------------------------------


def connection(settings: Settings) -> dict[str, Any]:
    value = settings.get("connection", {})
    return dict(value) if isinstance(value, Mapping) else {}


def codes(settings: Settings) -> dict[str, Any]:
    """The symbologies a station reading codes is to accept, when the device names them."""
    wanted = settings.get("symbologies")
    return {"symbologies": list(wanted)} if wanted else {}


def serial_station(settings: Settings) -> tuple[str, dict[str, Any]]:
    c = connection(settings)
    keys = {"port": c["port"], "baudrate": c.get("baudrate", 9600)}
    keys |= {"suffix": settings.get("suffix", "\r"), "prefix": settings.get("prefix", "")}
    return "serial", keys | codes(settings)


def camera_station(settings: Settings) -> tuple[str, dict[str, Any]]:
    keys = {"source": connection(settings)["source"]}
    keys |= {"roi": settings.get("roi"), "max_fps": settings.get("max_fps")}
    return "camera", keys | codes(settings)


def keyboard_station(settings: Settings) -> tuple[str, dict[str, Any]]:
    c = connection(settings)
    return "keyboard", {"input": c["input"], "layout": c.get("layout", "us")} | codes(settings)


# A portal that tells direction (antennas in zones) judges how each antenna's RSSI rises and
# falls: its station folds an antenna's reads of a pass into one message with their RSSI
# profile (a quarter-second window), and reports a tag still read every second, well within
# the gateway's window for a presence.
PORTAL_WINDOW = 0.25
PORTAL_REPORT_EVERY = 1.0


def rfid_station(settings: Settings) -> tuple[str, dict[str, Any]]:
    c = connection(settings)
    portal = (
        {"window": PORTAL_WINDOW, "report_every": PORTAL_REPORT_EVERY}
        if settings.get("zones")
        else {}
    )
    if c.get("protocol") != "llrp":
        serial = {"port": c["port"], "baudrate": c.get("baudrate", 115200)}
        return "rfid_serial", {**serial, **portal}
    antennas = settings.get("antennas", [{"port": 1}])
    keys: dict[str, Any] = {"host": c["host"], "port": c.get("tcp_port", 5084), **portal}
    keys["antennas"] = [a["port"] for a in antennas]
    powers = {a["port"]: a.get("power_dbm", settings.get("power_dbm")) for a in antennas}
    if all(p is not None for p in powers.values()):
        keys["tx_power_dbm"] = {str(k): float(v) for k, v in powers.items()}
    if settings.get("session") is not None:
        keys["session"] = int(settings["session"])
    return "rfid_llrp", keys


# -- checks beyond the schema --------------------------------------------------------------


def needs_aim_ids(
    path: Path, full: Settings, profile: Mapping[str, Any] | None
) -> Iterator[Problem]:
    if full.get("symbologies") and not full.get("aim_ids"):
        yield Problem(
            (*path, "symbologies"),
            "needs aim_ids: true (the station tells symbologies apart by the AIM identifier "
            "the scanner sends before each code)",
        )


def rfid_connection(
    path: Path, full: Settings, profile: Mapping[str, Any] | None
) -> Iterator[Problem]:
    c = connection(full)
    protocol = c.get("protocol")
    if protocol is None:
        yield Problem(
            (*path, "connection", "protocol"),
            "is required (llrp or serial) unless the profile gives it",
        )
    elif protocol == "llrp" and "host" not in c:
        yield Problem((*path, "connection", "host"), "is required for an LLRP reader")
    elif protocol == "serial" and "port" not in c:
        yield Problem((*path, "connection", "port"), "is required for a reader on a serial line")


def rfid_antennas(
    path: Path, full: Settings, profile: Mapping[str, Any] | None
) -> Iterator[Problem]:
    """Each antenna port once, within the model's ports and its power limit."""
    ports = (profile or {}).get("antenna_ports")
    top = (profile or {}).get("max_power_dbm")
    used: set[int] = set()
    antennas = full.get("antennas", [])
    for index, antenna in enumerate(antennas if isinstance(antennas, list) else []):
        if not isinstance(antenna, dict) or not isinstance(antenna.get("port"), int):
            continue
        where: Path = (*path, "antennas", index)
        if antenna["port"] in used:
            yield Problem((*where, "port"), f"antenna port {antenna['port']} is listed twice")
        used.add(antenna["port"])
        if ports and antenna["port"] > ports:
            yield Problem(
                (*where, "port"), f"the {full.get('profile')} has antenna ports 1-{ports} only"
            )
        power = antenna.get("power_dbm", full.get("power_dbm"))
        if top is not None and isinstance(power, int | float) and power > top:
            yield Problem(
                (*where, "power_dbm"), f"{power} dBm is above the {full.get('profile')}'s {top} dBm"
            )


def rfid_zones(path: Path, full: Settings, profile: Mapping[str, Any] | None) -> Iterator[Problem]:
    """A portal's zones: each antenna in one zone at most, and an antenna the reader reads."""
    zones = full.get("zones")
    if not isinstance(zones, dict):
        return
    antennas = full.get("antennas", [{"port": 1}])
    listed = {a.get("port") for a in antennas if isinstance(a, dict)}
    seen: dict[int, str] = {}
    for side in ("outer", "inner"):
        ports = zones.get(side)
        for index, port in enumerate(ports if isinstance(ports, list) else []):
            where: Path = (*path, "zones", side, index)
            if port in seen:
                yield Problem(where, f"antenna {port} is also in the {seen[port]} zone")
            elif port not in listed:
                yield Problem(where, f"antenna {port} is not one of the reader's antennas")
            seen.setdefault(port, side)


# -- the table -----------------------------------------------------------------------------


def scanner(name_zh: str, name_en: str) -> DeviceKind:
    """A scanner on a serial line (USB CDC or RS-232) that sends each code as text."""
    return DeviceKind(
        name_zh,
        name_en,
        connection=SERIAL_LINE,
        station=serial_station,
        example={"port": "/dev/ttyACM0"},
        needs=("port",),
        groups=(CODES, TEXT),
        rules=(needs_aim_ids,),
    )


KINDS: dict[str, DeviceKind] = {
    "serial_scanner": scanner("固定/有线扫码器", "fixed or corded scanner"),
    "cordless_handheld": scanner("无线手持扫码器", "cordless handheld scanner"),
    "camera": DeviceKind(
        "识读相机",
        "camera",
        connection={
            "source": {
                "type": "string",
                "minLength": 1,
                "description": "Cameras: device index, RTSP URL or file.",
            }
        },
        station=camera_station,
        example={"source": "0"},
        needs=("source",),
        groups=(CODES, CAMERA),
    ),
    "rfid_reader": DeviceKind(
        "RFID 读写器",
        "RFID reader",
        connection={
            "protocol": {
                "enum": ["serial", "llrp"],
                "description": "RFID readers: how the station talks to the reader.",
            },
            "host": {"$ref": "#/$defs/host", "description": "LLRP readers: the reader's address."},
            "tcp_port": {"$ref": "#/$defs/port"},
            **SERIAL_LINE,
        },
        station=rfid_station,
        example={"host": "10.20.0.99", "port": "/dev/ttyUSB0"},  # LLRP or serial line
        groups=(RFID,),
        at_door=True,
        smoothed=True,
        rules=(rfid_connection, rfid_antennas, rfid_zones),
        about=("antenna_ports", "max_power_dbm"),
    ),
    "keyboard_scanner": DeviceKind(
        "键盘模式扫码器",
        "keyboard-mode scanner",
        connection={
            "input": {
                "type": "string",
                "minLength": 1,
                "description": "Keyboard scanners: /dev/input/... or a terminal.",
            },
            "layout": {"enum": ["us"]},
        },
        station=keyboard_station,
        example={"input": "/dev/input/event3"},
        needs=("input",),
        groups=(CODES, TEXT),
        rules=(needs_aim_ids,),
    ),
}


def groups() -> list[Group]:
    """Every group of settings some kind takes, each once, in the table's order."""
    found: list[Group] = []
    for kind in KINDS.values():
        found += [g for g in kind.groups if g not in found]
    return found


def known() -> str:
    return ", ".join(KINDS)
