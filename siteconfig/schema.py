"""The site description's JSON Schema: the hand-written rest (site-base.schema.json) with the
device part made from the kinds of device (siteconfig/kinds.py).

`depot config schema` prints it; its published copy, `firmware-config/site.schema.json`, is
that output (`depot config schema > firmware-config/site.schema.json` after changing a kind;
a test holds the two equal).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from siteconfig.kinds import KINDS, DeviceKind, Schema, groups


@cache
def _base() -> dict[str, Any]:
    text = resources.files("siteconfig").joinpath("site-base.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema() -> dict[str, Any]:
    """The whole schema, for the kinds the table has now."""
    out = copy.deepcopy(_base())
    device = out["$defs"]["device"]
    properties = device["properties"]
    properties["kind"]["enum"] = list(KINDS)
    properties["connection"]["properties"] = _union(k.connection for k in KINDS.values())
    properties |= _union(group.keys for group in groups())
    device["allOf"] = [_clause(name, kind) for name, kind in KINDS.items()]
    return out


def text() -> str:
    """The schema as it is published."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def _union(parts: Iterable[Mapping[str, Schema]]) -> dict[str, Any]:
    """The keys of several kinds or groups, each once; one key must mean one thing."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key in out and out[key] != value:
                raise ValueError(f"{key!r} is given two different schemas in siteconfig/kinds.py")
            out[key] = copy.deepcopy(dict(value))
    return out


def _clause(name: str, kind: DeviceKind) -> dict[str, Any]:
    """What a device of this kind must have: a connection (with the keys it needs) and, for
    a kind that stands at a door, its door."""
    then: dict[str, Any] = {"required": ["connection", *(["door"] if kind.at_door else [])]}
    if kind.needs:
        then["properties"] = {"connection": {"required": list(kind.needs)}}
    return {"if": {"required": ["kind"], "properties": {"kind": {"const": name}}}, "then": then}
