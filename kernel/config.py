"""Reading a part's configuration file (TOML): one error, one loader, one `[broker]` table.

A station (`edge/config.py`) and a gateway (`gateway/config.py`) each parse their own keys
from the document this loads; whatever goes wrong, reading or parsing, is a ConfigError
that names the file, which the `depot` command prints as one line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from kernel.mqtt import BrokerSettings

Config = TypeVar("Config")


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says where and why."""


def load_toml(path: Path, parse: Callable[[dict[str, Any], Path], Config]) -> Config:
    """`parse(document, folder of the file)`; relative paths in it are from that folder."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    try:
        return parse(doc, path.parent)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def broker_settings(doc: dict[str, Any], base: Path) -> BrokerSettings:
    """The `[broker]` table: where the depot's broker is and how to sign on to it."""
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
