"""Write the configuration files the parts read (TOML) from plain data.

Enough of TOML for configuration: tables, arrays of tables, and values that are text, whole
or decimal numbers, booleans, lists of those, and small inline tables. Keys are written in
the order given; text is written as basic strings (JSON's escapes are TOML's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def dumps(doc: Mapping[str, Any], comment: str = "") -> str:
    lines = [f"# {line}".rstrip() for line in comment.splitlines()] if comment else []
    _table(doc, (), lines)
    return "\n".join(lines).strip("\n") + "\n"


def _table(doc: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    nested: list[tuple[str, Any]] = []
    for key, value in doc.items():
        if value is None:
            continue
        if _is_table(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        name = ".".join(_key(k) for k in (*path, key))
        if isinstance(value, list):
            for item in value:
                lines += ["", f"[[{name}]]"]
                _table(item, (*path, key), lines)
        else:
            lines += ["", f"[{name}]"]
            _table(value, (*path, key), lines)


def _is_table(value: Any) -> bool:
    """A [table] or an [[array of tables]] rather than a value on its line."""
    if isinstance(value, Mapping):
        return not _inline(value)
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _inline(value: Mapping[str, Any]) -> bool:
    """Small maps of plain values (antenna powers) read best on one line."""
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values())


def _key(key: Any) -> str:
    text = str(key)
    return text if _BARE.match(text) else json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
