"""A scanning station's configuration file (TOML), read once at start-up.

One station runs one or more devices. Each device is one reader with its own id, MQTT user
and topics (so the broker's ACL can hold each to its own), its own spool file and its own
sequence numbers. `depot config build` writes these files from the site description; the keys
are documented in docs/edge.md.

    site = "LC01"
    spool_dir = "/var/lib/depot/edge"

    [broker]
    host = "10.0.0.2"
    port = 1883

    [[device]]
    id = "LC01-D01-FIX1"
    kind = "serial"            # serial | camera | rfid_serial | rfid_llrp | keyboard
    door = "D01"
    password_file = "/etc/depot/secrets/LC01-D01-FIX1.mqtt"
    port = "/dev/ttyACM0"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.decode import DEFAULT_BADGE_PATTERN, DEFAULT_LOCATION_PATTERN
from kernel.config import ConfigError, broker_settings, load_toml
from kernel.contract import ContractError, check_name
from kernel.mqtt import BrokerSettings

BEEPS = ("ok", "warn", "error")
# EPC[,antenna[,rssi]], e.g. "E2801160600002054CC2096F,2,-54.5"
DEFAULT_RFID_LINE = (
    r"^(?P<epc>[0-9A-Fa-f]{8,64})(?:,(?P<antenna>\d+))?(?:,(?P<rssi>-?\d+(?:\.\d+)?))?$"
)
KINDS = ("serial", "camera", "rfid_serial", "rfid_llrp", "keyboard")
# The AIM identifiers (ISO/IEC 15424) each symbology name stands for: a device that lists
# `symbologies` has reads of any other refused at the station ("symbology_off").
SYMBOLOGY_AIM: dict[str, tuple[str, ...]] = {
    "gs1-128": ("]C1",),
    "code128": ("]C0", "]C2", "]C4"),
    "ean-13": ("]E0", "]E3"),
    "ean-8": ("]E4",),
    "upc-a": ("]E0",),
    "upc-e": ("]E0",),
    "itf-14": ("]I",),
    "code39": ("]A",),
    "qr": ("]Q1", "]Q2"),
    "gs1-qr": ("]Q3", "]Q4"),
    "datamatrix": ("]d1",),
    "gs1-datamatrix": ("]d2",),
    "gs1-databar": ("]e0",),
}


@dataclass(frozen=True, slots=True)
class SerialSettings:
    port: str
    baudrate: int = 9600
    suffix: bytes = b"\r"
    prefix: bytes = b""


@dataclass(frozen=True, slots=True)
class CameraSettings:
    source: str  # a device index ("0"), an RTSP URL or a video file
    roi: tuple[int, int, int, int] | None = None  # x, y, width, height in full-frame pixels
    scale: float = 1.0  # downscale wanted; never below 2 px per module (min_module_px)
    min_module_px: float = 4.0  # narrowest bar of the smallest label at full resolution
    dedupe_seconds: float = 2.0  # a code seen again within this time is the same read
    max_fps: float = 0.0  # 0: as fast as frames come
    loop: bool = False  # a video file starts again at its end (demo, bench)
    fallback_every: int = 2  # zbar looks at every n-th frame for what zxing-cpp missed


@dataclass(frozen=True, slots=True)
class RfidSerialSettings:
    port: str
    baudrate: int = 115200
    line_pattern: str = DEFAULT_RFID_LINE
    window: float = 0.5  # reads of one tag at one antenna within this time are one message


@dataclass(frozen=True, slots=True)
class LlrpSettings:
    host: str
    port: int = 5084
    antennas: tuple[int, ...] = (1,)
    tx_power: int = 0  # index into the reader's power table; 0 = maximum
    report_every_n_tags: int = 1
    window: float = 0.5
    tx_power_dbm: dict[int, float] | None = None  # per antenna; the table's nearest level


@dataclass(frozen=True, slots=True)
class KeyboardSettings:
    input: str  # an evdev device (/dev/input/...) or a terminal (/dev/tty1)
    layout: str = "us"


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    id: str
    kind: str
    door: str | None
    username: str
    password_file: Path | None
    beep: dict[str, bytes]
    reader: SerialSettings | CameraSettings | RfidSerialSettings | LlrpSettings | KeyboardSettings
    led: dict[str, bytes] = field(default_factory=dict)  # sent after the beep, same pattern
    symbologies: tuple[str, ...] = ()  # AIM identifier prefixes taken; empty: all

    def signal(self, pattern: str) -> bytes:
        """The bytes that make the device beep (and light) for `pattern`."""
        return self.beep.get(pattern, b"") + self.led.get(pattern, b"")

    def takes(self, symbology: str | None) -> bool:
        return not self.symbologies or symbology is None or symbology.startswith(self.symbologies)


@dataclass(frozen=True, slots=True)
class StationConfig:
    site: str
    spool_dir: Path
    broker: BrokerSettings
    devices: tuple[DeviceConfig, ...]
    resend_after: float = 5.0
    heartbeat: float = 30.0
    location_pattern: str = DEFAULT_LOCATION_PATTERN
    badge_pattern: str = DEFAULT_BADGE_PATTERN

    def broker_for(self, device: DeviceConfig) -> BrokerSettings:
        return BrokerSettings(
            host=self.broker.host,
            port=self.broker.port,
            username=device.username,
            password_file=device.password_file,
            tls_ca=self.broker.tls_ca,
            keepalive=self.broker.keepalive,
        )


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not hex bytes (e.g. '1b 07')") from exc


def _text_bytes(value: Any, where: str) -> bytes:
    try:
        return str(value).encode("latin-1")
    except UnicodeEncodeError as exc:
        raise ConfigError(f"{where}: only single-byte characters are allowed") from exc


def _pattern(value: Any, where: str) -> str:
    try:
        re.compile(str(value))
    except re.error as exc:
        raise ConfigError(f"{where}: not a regular expression: {exc}") from exc
    return str(value)


def _require(doc: dict[str, Any], key: str, where: str) -> Any:
    if key not in doc:
        raise ConfigError(f"{where}.{key} is required")
    return doc[key]


def _reader(kind: str, doc: dict[str, Any], where: str) -> Any:
    if kind == "serial":
        suffix = _text_bytes(doc.get("suffix", "\r"), f"{where}.suffix")
        if not suffix:
            raise ConfigError(f"{where}.suffix must not be empty")
        return SerialSettings(
            port=str(_require(doc, "port", where)),
            baudrate=int(doc.get("baudrate", 9600)),
            suffix=suffix,
            prefix=_text_bytes(doc.get("prefix", ""), f"{where}.prefix"),
        )
    if kind == "camera":
        roi = doc.get("roi")
        if roi is not None and not (
            isinstance(roi, list)
            and len(roi) == 4
            and all(isinstance(v, int) and v >= 0 for v in roi)
        ):
            raise ConfigError(f"{where}.roi must be [x, y, width, height] in whole pixels")
        scale = float(doc.get("scale", 1.0))
        if not 0 < scale <= 1:
            raise ConfigError(f"{where}.scale must be in (0, 1]")
        return CameraSettings(
            source=str(_require(doc, "source", where)),
            roi=tuple(int(v) for v in roi) if roi else None,  # type: ignore[arg-type]
            scale=scale,
            min_module_px=float(doc.get("min_module_px", 4.0)),
            dedupe_seconds=float(doc.get("dedupe_seconds", 2.0)),
            max_fps=float(doc.get("max_fps", 0.0)),
            loop=bool(doc.get("loop", False)),
            fallback_every=max(1, int(doc.get("fallback_every", 2))),
        )
    if kind == "rfid_serial":
        return RfidSerialSettings(
            port=str(_require(doc, "port", where)),
            baudrate=int(doc.get("baudrate", 115200)),
            line_pattern=_pattern(
                doc.get("line_pattern", DEFAULT_RFID_LINE), f"{where}.line_pattern"
            ),
            window=float(doc.get("window", 0.5)),
        )
    if kind == "rfid_llrp":
        return LlrpSettings(
            host=str(_require(doc, "host", where)),
            port=int(doc.get("port", 5084)),
            antennas=tuple(int(a) for a in doc.get("antennas", [1])),
            tx_power=int(doc.get("tx_power", 0)),
            tx_power_dbm=_power_dbm(doc.get("tx_power_dbm"), where),
            report_every_n_tags=int(doc.get("report_every_n_tags", 1)),
            window=float(doc.get("window", 0.5)),
        )
    return KeyboardSettings(
        input=str(_require(doc, "input", where)), layout=str(doc.get("layout", "us"))
    )


def _power_dbm(value: Any, where: str) -> dict[int, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}.tx_power_dbm must map antenna ports to dBm, e.g. {{1 = 30}}")
    return {int(port): float(dbm) for port, dbm in value.items()}


def _signals(doc: dict[str, Any], where: str) -> dict[str, bytes]:
    unknown = set(doc) - set(BEEPS)
    if unknown:
        raise ConfigError(f"{where}: unknown pattern {sorted(unknown)}; use {BEEPS}")
    return {k: _hex(v, f"{where}.{k}") for k, v in doc.items()}


def _symbologies(names: Any, where: str) -> tuple[str, ...]:
    unknown = [n for n in names if n not in SYMBOLOGY_AIM]
    if unknown:
        raise ConfigError(f"{where}: unknown {unknown}; known: {', '.join(SYMBOLOGY_AIM)}")
    return tuple(dict.fromkeys(aim for n in names for aim in SYMBOLOGY_AIM[n]))


def _device(doc: dict[str, Any], index: int, base: Path) -> DeviceConfig:
    where = f"device[{index}]"
    kind = str(doc.get("kind", "serial"))
    if kind not in KINDS:
        raise ConfigError(f"{where}.kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        device_id = check_name("device", str(_require(doc, "id", where)))
    except ContractError as exc:
        raise ConfigError(f"{where}.id: {exc}") from exc
    password_file = doc.get("password_file")
    return DeviceConfig(
        id=device_id,
        kind=kind,
        door=doc.get("door"),
        username=str(doc.get("username", device_id)),
        password_file=(base / password_file) if password_file else None,
        beep=_signals(dict(doc.get("beep", {})), f"{where}.beep"),
        led=_signals(dict(doc.get("led", {})), f"{where}.led"),
        symbologies=_symbologies(doc.get("symbologies", []), f"{where}.symbologies"),
        reader=_reader(kind, doc, where),
    )


def parse_config(doc: dict[str, Any], base: Path) -> StationConfig:
    try:
        site = check_name("site", str(_require(doc, "site", "station")))
    except ContractError as exc:
        raise ConfigError(str(exc)) from exc
    devices = tuple(_device(dict(d), i, base) for i, d in enumerate(doc.get("device", [])))
    if not devices:
        raise ConfigError("a station needs at least one [[device]]")
    seen: dict[str, int] = {}
    for index, device in enumerate(devices):
        if device.id in seen:
            raise ConfigError(
                f"device[{index}].id: {device.id!r} appears twice (also device[{seen[device.id]}])"
            )
        seen[device.id] = index
    return StationConfig(
        site=site,
        spool_dir=base / str(doc.get("spool_dir", "spool")),
        broker=broker_settings(dict(doc.get("broker", {})), base),
        devices=devices,
        resend_after=float(doc.get("resend_after", 5.0)),
        heartbeat=float(doc.get("heartbeat", 30.0)),
        location_pattern=_pattern(
            doc.get("location_pattern", DEFAULT_LOCATION_PATTERN), "location_pattern"
        ),
        badge_pattern=_pattern(doc.get("badge_pattern", DEFAULT_BADGE_PATTERN), "badge_pattern"),
    )


def load_config(path: Path) -> StationConfig:
    return load_toml(path, parse_config)
