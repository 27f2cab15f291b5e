"""The kinds of reader a station knows: the `kind` a device names in the station's TOML.

A reader kind is one module in `edge/readers/` that declares

    KIND = ReaderKind("serial", settings=serial_settings, reader=SerialScanner)

with its settings (a frozen dataclass), how they are read from the device's table
(`settings(table) -> Settings`, raising ConfigError with the key at fault), the reader they
build (`reader(settings) -> Reader`), and, when its libraries come with an extra, the extra
and the modules to check for (`extra="camera", needs=("cv2", ...)`). Every module of
`edge/readers/` that defines KIND is found here; nothing else names the kinds. A module of
`edge/readers/` must import with `depot-floor[edge]` alone: a kind's own libraries are
imported when its reader is built, after the check that they are there (see docs/edge.md,
"Adding a kind of reader").

`register` adds a kind from elsewhere (a site's own reader, a test's).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge.readers import Reader
from kernel.config import ConfigError


class MissingExtra(RuntimeError):
    """A reader whose libraries are not installed; says which extra brings them."""


@dataclass(frozen=True, slots=True)
class Table:
    """A table of the station's TOML (the station's, or one [[device]]), read key by key;
    every error names the key: `device[2].port is required`."""

    doc: Mapping[str, Any]
    where: str = ""  # "device[2]"; "" for the station's own keys

    def path(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, why: str) -> ConfigError:
        return ConfigError(f"{self.path(key)} {why}")

    def get(self, key: str, default: Any = None) -> Any:
        return self.doc.get(key, default)

    def required(self, key: str) -> Any:
        if key not in self.doc:
            raise self.error(key, "is required")
        return self.doc[key]

    def text_bytes(self, key: str, default: str) -> bytes:
        """Text of single-byte characters as its bytes (a scanner's suffix, prefix)."""
        try:
            return str(self.doc.get(key, default)).encode("latin-1")
        except UnicodeEncodeError as exc:
            raise ConfigError(f"{self.path(key)}: only single-byte characters are allowed") from exc

    def hex_bytes(self, key: str) -> bytes:
        """Bytes written as hex ('1b 07')."""
        value = self.doc[key]
        try:
            return bytes.fromhex(str(value))
        except ValueError as exc:
            raise ConfigError(
                f"{self.path(key)}: {value!r} is not hex bytes (e.g. '1b 07')"
            ) from exc

    def pattern(self, key: str, default: str) -> str:
        """A regular expression, checked to compile."""
        value = str(self.doc.get(key, default))
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{self.path(key)}: not a regular expression: {exc}") from exc
        return value


@dataclass(frozen=True, slots=True)
class ReaderKind:
    """One kind of reader, as its module declares it."""

    name: str  # the device's `kind` in the station's TOML
    settings: Callable[[Table], Any]  # the device's table -> the kind's settings
    reader: Callable[[Any], Reader]  # settings -> a reader (its libraries imported by then)
    extra: str = "edge"  # the pip extra that brings the kind's libraries
    needs: tuple[str, ...] = ()  # the modules of those libraries, checked before building
    what: str = ""  # the kind in a sentence, plural: "cameras" (default: its name)


_kinds: dict[str, ReaderKind] = {}
_found = False
_lock = threading.Lock()


def register(kind: ReaderKind) -> ReaderKind:
    """Add a kind of reader; a name taken by another kind is an error."""
    with _lock:
        known = _kinds.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"reader kind {kind.name!r} is already registered")
        _kinds[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    with _lock:
        _kinds.pop(name, None)


def kinds() -> dict[str, ReaderKind]:
    """Every kind of reader: those of `edge/readers/`, in module order, then registered ones."""
    global _found
    if not _found:
        package = importlib.import_module("edge.readers")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"edge.readers.{info.name}")
            declared = getattr(module, "KIND", None)
            if isinstance(declared, ReaderKind):
                register(declared)
        _found = True
    return dict(_kinds)


def kind(name: str) -> ReaderKind:
    """The kind a device names; ConfigError listing the known ones when there is none."""
    known = kinds()
    if name not in known:
        raise ConfigError(f"{name!r} is not one of {', '.join(known)}")
    return known[name]


def open_reader(device_id: str, kind_name: str, settings: Any) -> Reader:
    """Build a device's reader, once its kind's libraries are known to be there."""
    declared = kind(kind_name)
    for module in declared.needs:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtra(
                f"{device_id}: {declared.what or declared.name} need pip install "
                f"'depot-floor[{declared.extra}]' ({exc.name or module} is missing)"
            ) from exc
    return declared.reader(settings)
