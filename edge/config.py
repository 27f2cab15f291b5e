"""A scanning station's configuration file (TOML), read once at start-up.

One station runs one or more devices. Each device is one reader with its own id, MQTT user
and topics (so the broker's ACL can hold each to its own), its own spool file and its own
sequence numbers. `depot config build` writes these files from the site description; the keys
are documented in docs/edge.md. The keys of a device's reader are its kind's
(edge/readers/kinds.py): each kind reads its own from the device's table.

    site = "LC01"
    spool_dir = "/var/lib/depot/edge"

    [broker]
    host = "10.0.0.2"
    port = 1883

    [[device]]
    id = "LC01-D01-FIX1"
    kind = "serial"            # a kind of reader: edge/readers/<kind>.py
    door = "D01"
    password_file = "/etc/depot/secrets/LC01-D01-FIX1.mqtt"
    port = "/dev/ttyACM0"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.decode import DEFAULT_BADGE_PATTERN, DEFAULT_LOCATION_PATTERN
from edge.readers.kinds import Table, kinds
from kernel.config import ConfigError, broker_settings, load_toml
from kernel.contract import ContractError, check_name
from kernel.mqtt import BrokerSettings

BEEPS = ("ok", "warn", "error")
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
class DeviceConfig:
    id: str
    kind: str
    door: str | None
    username: str
    password_file: Path | None
    beep: dict[str, bytes]
    reader: Any  # the settings of its kind (edge/readers/<kind>.py)
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


def _signals(table: Table) -> dict[str, bytes]:
    unknown = set(table.doc) - set(BEEPS)
    if unknown:
        raise ConfigError(f"{table.where}: unknown pattern {sorted(unknown)}; use {BEEPS}")
    return {key: table.hex_bytes(key) for key in table.doc}


def _symbologies(names: Any, where: str) -> tuple[str, ...]:
    unknown = [n for n in names if n not in SYMBOLOGY_AIM]
    if unknown:
        raise ConfigError(f"{where}: unknown {unknown}; known: {', '.join(SYMBOLOGY_AIM)}")
    return tuple(dict.fromkeys(aim for n in names for aim in SYMBOLOGY_AIM[n]))


def _device(doc: dict[str, Any], index: int, base: Path) -> DeviceConfig:
    table = Table(doc, f"device[{index}]")
    kind = str(table.get("kind", "serial"))
    known = kinds()
    if kind not in known:
        raise table.error("kind", f"{kind!r} is not one of {', '.join(known)}")
    try:
        device_id = check_name("device", str(table.required("id")))
    except ContractError as exc:
        raise ConfigError(f"{table.path('id')}: {exc}") from exc
    password_file = table.get("password_file")
    return DeviceConfig(
        id=device_id,
        kind=kind,
        door=table.get("door"),
        username=str(table.get("username", device_id)),
        password_file=(base / password_file) if password_file else None,
        beep=_signals(Table(dict(table.get("beep", {})), table.path("beep"))),
        led=_signals(Table(dict(table.get("led", {})), table.path("led"))),
        symbologies=_symbologies(table.get("symbologies", []), table.path("symbologies")),
        reader=known[kind].settings(table),
    )


def parse_config(doc: dict[str, Any], base: Path) -> StationConfig:
    station = Table(doc, "station")
    try:
        site = check_name("site", str(station.required("site")))
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
        location_pattern=Table(doc).pattern("location_pattern", DEFAULT_LOCATION_PATTERN),
        badge_pattern=Table(doc).pattern("badge_pattern", DEFAULT_BADGE_PATTERN),
    )


def load_config(path: Path) -> StationConfig:
    return load_toml(path, parse_config)
