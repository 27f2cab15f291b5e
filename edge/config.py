"""A station's configuration file (TOML), read once at start-up.

site = "LC01"
device = "LC01-D01-FIX1"
door = "D01"
spool = "/var/lib/depot/edge/LC01-D01-FIX1.sqlite"
resend_after = 5.0

[broker]
host = "127.0.0.1"
port = 1883
username = "LC01-D01-FIX1"
password_file = "/etc/depot/secrets/LC01-D01-FIX1.password"

[[serial]]
port = "/dev/ttyACM0"
baudrate = 9600
suffix = "\\r"
beep = { ok = "", warn = "", error = "" }   # command bytes, hex
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.contract import ContractError, check_name
from edge.decode import DEFAULT_LOCATION_PATTERN
from edge.mqtt import BrokerSettings


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class SerialScannerConfig:
    port: str
    baudrate: int = 9600
    suffix: bytes = b"\r"
    prefix: bytes = b""
    beep: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    site: str
    device: str
    spool: Path
    broker: BrokerSettings
    serial: tuple[SerialScannerConfig, ...] = ()
    door: str | None = None
    resend_after: float = 5.0
    heartbeat: float = 30.0
    location_pattern: str = DEFAULT_LOCATION_PATTERN


def _hex(value: Any, where: str) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r} is not hex bytes") from exc


def broker_settings(doc: dict[str, Any], base: Path) -> BrokerSettings:
    password_file = doc.get("password_file")
    tls_ca = doc.get("tls_ca")
    return BrokerSettings(
        host=str(doc.get("host", "127.0.0.1")),
        port=int(doc.get("port", 1883)),
        username=doc.get("username"),
        password_file=(base / password_file) if password_file else None,
        tls_ca=(base / tls_ca) if tls_ca else None,
        keepalive=int(doc.get("keepalive", 20)),
    )


def _serial(doc: dict[str, Any], index: int) -> SerialScannerConfig:
    where = f"serial[{index}]"
    if "port" not in doc:
        raise ConfigError(f"{where}.port is required (e.g. /dev/ttyACM0)")
    beep = {k: _hex(v, f"{where}.beep.{k}") for k, v in dict(doc.get("beep", {})).items()}
    suffix = str(doc.get("suffix", "\r")).encode("latin-1")
    if not suffix:
        raise ConfigError(f"{where}.suffix must not be empty")
    return SerialScannerConfig(
        port=str(doc["port"]),
        baudrate=int(doc.get("baudrate", 9600)),
        suffix=suffix,
        prefix=str(doc.get("prefix", "")).encode("latin-1"),
        beep=beep,
    )


def parse_config(doc: dict[str, Any], base: Path) -> EdgeConfig:
    for key in ("site", "device", "spool"):
        if key not in doc:
            raise ConfigError(f"{key} is required")
    try:
        site = check_name("site", str(doc["site"]))
        device = check_name("device", str(doc["device"]))
    except ContractError as exc:
        raise ConfigError(str(exc)) from exc
    return EdgeConfig(
        site=site,
        device=device,
        door=doc.get("door"),
        spool=base / str(doc["spool"]),
        broker=broker_settings(dict(doc.get("broker", {})), base),
        serial=tuple(_serial(dict(s), i) for i, s in enumerate(doc.get("serial", []))),
        resend_after=float(doc.get("resend_after", 5.0)),
        heartbeat=float(doc.get("heartbeat", 30.0)),
        location_pattern=str(doc.get("location_pattern", DEFAULT_LOCATION_PATTERN)),
    )


def load_config(path: Path) -> EdgeConfig:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        return parse_config(doc, path.parent)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
