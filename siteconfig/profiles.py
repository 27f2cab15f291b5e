"""Device profiles: a model's defaults, named by a device in the site description."""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Any

import yaml

from siteconfig.kinds import KINDS

# What every profile may say about the model, not settings a device takes over (a kind adds
# its own: `about` in siteconfig/kinds.py).
ABOUT = ("description", "setup_zh", "setup_en")


@cache
def profiles() -> dict[str, dict[str, Any]]:
    text = resources.files("siteconfig").joinpath("profiles.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    return {str(name): dict(body) for name, body in loaded.items()}


def merged(device: dict[str, Any]) -> dict[str, Any]:
    """The device's settings over its profile's defaults (`connection` merged key by key)."""
    profile = profiles().get(str(device.get("profile", "")), {})
    kind = KINDS.get(str(profile.get("kind")))
    about = (*ABOUT, *(kind.about if kind else ()))
    out = {k: copy.deepcopy(v) for k, v in profile.items() if k not in about}
    for key, value in device.items():
        if key == "connection" and isinstance(value, dict):
            out["connection"] = {**out.get("connection", {}), **value}
        else:
            out[key] = copy.deepcopy(value)
    return out
