"""The gateway's configuration file (TOML), read once at start-up.

site = "LC01"
database = "/var/lib/depot/gateway/LC01.sqlite"
status_interval = 15     # seconds between status messages
disk_alarm_mb = 2048     # below this much free space: alarm (status, metrics, floor page)
disk_refuse_mb = 200     # below this: reads are refused, not recorded

[broker]
host = "127.0.0.1"
port = 1883
username = "gateway-LC01"
password_file = "/etc/depot/secrets/gateway-LC01.password"

[server]
url = "https://depot-central.example/"
token_file = "/etc/depot/secrets/gateway-LC01.token"
batch_size = 200
sync_interval = 30
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.config import ConfigError, broker_settings
from edge.contract import ContractError, check_name
from edge.mqtt import BrokerSettings


@dataclass(frozen=True, slots=True)
class ServerLink:
    url: str
    token_file: Path
    batch_size: int = 200
    timeout: float = 10.0
    max_backoff: float = 60.0
    sync_interval: float = 30.0

    def token(self) -> str:
        return self.token_file.read_text(encoding="utf-8").strip()


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    site: str
    database: Path
    broker: BrokerSettings
    server: ServerLink
    status_interval: float = 15.0
    disk_alarm_mb: int = 2048
    disk_refuse_mb: int = 200


def parse_config(doc: dict[str, Any], base: Path) -> GatewayConfig:
    for key in ("site", "database", "server"):
        if key not in doc:
            raise ConfigError(f"{key} is required")
    server = dict(doc["server"])
    for key in ("url", "token_file"):
        if key not in server:
            raise ConfigError(f"server.{key} is required")
    try:
        site = check_name("site", str(doc["site"]))
    except ContractError as exc:
        raise ConfigError(str(exc)) from exc
    return GatewayConfig(
        site=site,
        database=base / str(doc["database"]),
        broker=broker_settings(dict(doc.get("broker", {})), base),
        server=ServerLink(
            url=str(server["url"]).rstrip("/"),
            token_file=base / str(server["token_file"]),
            batch_size=int(server.get("batch_size", 200)),
            timeout=float(server.get("timeout", 10.0)),
            max_backoff=float(server.get("max_backoff", 60.0)),
            sync_interval=float(server.get("sync_interval", 30.0)),
        ),
        status_interval=float(doc.get("status_interval", 15.0)),
        disk_alarm_mb=int(doc.get("disk_alarm_mb", 2048)),
        disk_refuse_mb=int(doc.get("disk_refuse_mb", 200)),
    )


def load_config(path: Path) -> GatewayConfig:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        return parse_config(doc, path.parent)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
